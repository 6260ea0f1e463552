"""Kill-sweep driver: one ingest run (the real Prefect flow, or its stages bare) that a failpoint may SIGKILL.

Usage: python tests/killsweep_driver.py flow|bare WAREHOUSE BATCH_SIZE SOURCE...
The kill point comes from NEWSFACTS_KILL_AT (warehouse/failpoints.py); the last stdout line is the summary as JSON.
"""

from __future__ import annotations

import json
import math
import os
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tasks.prefect_edge  # noqa: E402,F401  (offline Prefect defaults before prefect is imported)
from warehouse.failpoints import checkpoint  # noqa: E402
from warehouse.store import STAGING, Warehouse  # noqa: E402
from warehouse.tables import TABLES  # noqa: E402

HALF_WRITE_POINT = "parquet.rowgroup"


def install_half_writing_parquet() -> None:
    """Make the store write Parquet files row group by row group, with a kill point after each group.

    A kill there leaves a staged file with row groups but no footer: a half-written Parquet file.
    """
    import pyarrow.parquet as pq

    import warehouse.staging as staging  # where the store writes its staged part files

    class HalfWritingParquet:
        def __getattr__(self, name):
            return getattr(pq, name)

        @staticmethod
        def write_table(table, where, filesystem=None, compression="zstd", **kwargs):
            if not isinstance(where, str):
                return pq.write_table(table, where, filesystem=filesystem, compression=compression, **kwargs)
            rows_per_group = max(1, math.ceil(table.num_rows / 3))
            with pq.ParquetWriter(where, table.schema, filesystem=filesystem, compression=compression) as writer:
                for start in range(0, max(table.num_rows, 1), rows_per_group):
                    writer.write_table(table.slice(start, rows_per_group))
                    checkpoint(HALF_WRITE_POINT)

    staging.pq = HalfWritingParquet()


def run_bare(sources: list[str], warehouse: str, batch_size: int) -> dict:
    """The flow's work without Prefect: recovery, run row, discover, then fetch/clean/extract/load per batch."""
    from flows.ingest import _THIS_PROCESS_RUNS, RunTotals, _add_batch, _alive, _run_row, inputs_seen
    from tasks.clean.batch import clean_batch
    from tasks.extract.batch import ExtractedBatch, extract_batch
    from tasks.fetch.discover import discover, fingerprint_batch
    from tasks.load.batch import load_batch, open_warehouse
    from tasks.settings import load_settings

    settings = load_settings(warehouse=warehouse, batch_size=batch_size)
    run_id = f"bare-{uuid.uuid4()}"
    _THIS_PROCESS_RUNS.add(run_id)
    started = datetime.now(timezone.utc)
    wh = open_warehouse(settings.warehouse)
    with wh.lock():
        wh.recover()
        interrupted = wh.mark_interrupted_runs(_alive)
    totals = RunTotals()
    wh.write_run(_run_row(run_id, "running", started, sources, wh, 0, totals))
    seen = inputs_seen(wh, False)
    found = discover(sources, settings, settings.warehouse)
    totals.discovered, totals.skipped, totals.records = found.discovered, len(found.skipped), len(found.skipped)
    batches = [found.items[i:i + batch_size] for i in range(0, len(found.items), batch_size)]
    if found.rejects:
        _add_batch(load_batch(wh, ExtractedBatch(rejects=found.rejects), run_id, "b0000"), totals)
    for no, batch in enumerate(batches, start=1):
        fetched = fingerprint_batch(batch, {i.uri: seen[i.uri] for i in batch if i.uri in seen})
        cleaned = clean_batch(fetched.items)
        cleaned.rejects[:0], cleaned.skipped[:0] = fetched.rejects, fetched.skipped
        extracted = extract_batch(cleaned.articles, run_id)
        extracted.rejects[:0], extracted.skipped = cleaned.rejects, cleaned.skipped
        _add_batch(load_batch(wh, extracted, run_id, f"b{no:04d}"), totals)
        checkpoint("flow.batch_done")
    status = "completed" if totals.balanced else "failed"
    checkpoint("flow.finishing")
    wh.write_run(_run_row(run_id, status, started, sources, wh, len(batches), totals))
    return {"run_id": run_id, "status": status, "new": totals.new, "rejected": totals.rejected,
            "skipped": totals.skipped, "unchanged": totals.unchanged, "interrupted": interrupted}


def run_flow(sources: list[str], warehouse: str, batch_size: int) -> dict:
    """The real ingest flow (embedded Prefect unless PREFECT_API_URL is set)."""
    from flows.ingest import ingest

    summary = ingest(sources=sources, warehouse=warehouse, batch_size=batch_size)
    return {k: summary[k] for k in ("run_id", "status", "new", "rejected", "skipped", "unchanged")}


# ---------------------------------------------------------------- checks shared by the sweep and the concurrency tests

CORE_TABLES = {"articles", "paragraphs", "sentences", "images", "rejects"}
VOLATILE = {"run_id", "batch_id", "loaded_at", "rejected_at"}  # differ between any two runs by design


def table_rows(root: Path, name: str) -> list[dict]:
    return Warehouse(str(root)).read_table(name).to_pylist()


def comparable(root: Path) -> dict[str, list[str]]:
    """Every table but the run logs as sorted rows: whole rows (minus per-run columns) for the core tables, keys
    for the fact tables (their attributes follow extractor code that other engineers edit while the sweep runs)."""
    out = {}
    for name, table in TABLES.items():
        if name in {"runs", "fetches"}:
            continue
        rows = table_rows(root, name)
        if name in CORE_TABLES:
            rows = [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]
        else:
            rows = [{k: r[k] for k in table.key} for r in rows]
        out[name] = sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)
    return out


def stray_files(root: Path, hidden_allowed: bool) -> list[str]:
    """Files in table folders other than complete Parquet files. Hidden temporaries ('.name.tmp-…') are
    invisible to readers, so they are allowed while a crashed run awaits recovery, not after it."""
    import pyarrow.parquet as pq

    bad = []
    for name in TABLES:
        folder = root / name
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_dir() or hidden_allowed and path.name.startswith((".", "_")):
                continue
            if path.suffix != ".parquet":
                bad.append(f"{path.relative_to(root)} (not a .parquet file)")
                continue
            try:
                pq.read_metadata(path)
            except Exception as exc:  # noqa: BLE001 - any unreadable file is the finding
                bad.append(f"{path.relative_to(root)} (unreadable: {exc})")
    return bad


def assert_readable_without_duplicates(root: Path, when: str, recovered: bool) -> None:
    import duckdb
    import pandas as pd

    stray = stray_files(root, hidden_allowed=not recovered)
    assert not stray, f"{when}: partial or foreign files in table folders: {stray}"
    con = duckdb.connect()
    for name, table in TABLES.items():
        folder = root / name
        if not folder.exists() or not any(folder.rglob("*.parquet")):
            continue
        frame = pd.read_parquet(folder)
        count = con.sql(f"SELECT count(*) FROM read_parquet('{folder}/**/*.parquet', hive_partitioning=true, "
                        "union_by_name=true)").fetchall()[0][0]
        assert count == len(frame), f"{when}: {name}: DuckDB reads {count} rows, pandas {len(frame)}"
        dupes = frame.duplicated(subset=list(table.key)).sum()
        assert dupes == 0, f"{when}: {name} has {dupes} duplicate key(s) {table.key}"


def staging_leftovers(root: Path) -> list[str]:
    staging = root / STAGING
    return [str(p.relative_to(staging)) for p in staging.rglob("*")] if staging.exists() else []


def diff_summary(got: dict[str, list[str]], want: dict[str, list[str]]) -> str:
    lines = []
    for name in want:
        missing, extra = set(want[name]) - set(got.get(name, [])), set(got.get(name, [])) - set(want[name])
        if missing or extra or len(got.get(name, [])) != len(want[name]):
            lines.append(f"{name}: {len(got.get(name, []))} rows vs {len(want[name])} in the clean run; "
                         f"{len(missing)} missing, {len(extra)} unexpected; e.g. {sorted(missing)[:1]} {sorted(extra)[:1]}")
    return "\n".join(lines)


START_BARRIER = "NEWSFACTS_TEST_START_BARRIER"  # "<folder>:<processes>": start together, once all are ready


def wait_for_the_others(mode: str, folder: str, processes: str) -> None:
    """Pay the slow, load-dependent start-up first (imports; for a flow, the embedded Prefect server),
    then start only when every process of the test is ready: their runs then surely overlap."""
    import time

    if mode == "flow":
        from prefect.client.orchestration import get_client

        import flows.ingest  # noqa: F401

        with get_client(sync_client=True) as client:
            client.hello()
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + 300
    while len(list(Path(folder).iterdir())) < int(processes) and time.monotonic() < deadline:
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    mode, warehouse, batch_size, *sources = argv
    if (os.environ.get("NEWSFACTS_KILL_AT") or "").startswith(HALF_WRITE_POINT + ":"):
        install_half_writing_parquet()
    run = run_flow if mode == "flow" else run_bare
    if os.environ.get(START_BARRIER):
        wait_for_the_others(mode, *os.environ[START_BARRIER].rsplit(":", 1))
    summary = run(sources, warehouse, int(batch_size))
    print(json.dumps(summary, default=str))
    return 0 if summary["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
