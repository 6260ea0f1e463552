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

import tasks  # noqa: E402,F401  (offline Prefect defaults before prefect is imported)
from warehouse.failpoints import checkpoint  # noqa: E402

HALF_WRITE_POINT = "parquet.rowgroup"


def install_half_writing_parquet() -> None:
    """Make the store write Parquet files row group by row group, with a kill point after each group.

    A kill there leaves a staged file with row groups but no footer: a half-written Parquet file.
    """
    import pyarrow.parquet as pq

    import warehouse.store as store

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

    store.pq = HalfWritingParquet()


def run_bare(sources: list[str], warehouse: str, batch_size: int) -> dict:
    """The flow's work without Prefect: recovery, run row, discover, then fetch/clean/extract/load per batch."""
    from flows.ingest import _THIS_PROCESS_RUNS, RunTotals, _add_batch, _alive, _run_row, inputs_seen
    from tasks.clean import clean_batch
    from tasks.extract import ExtractedBatch, extract_batch
    from tasks.fetch import discover, fingerprint_batch
    from tasks.load import load_batch, open_warehouse
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


def main(argv: list[str]) -> int:
    mode, warehouse, batch_size, *sources = argv
    if (os.environ.get("NEWSFACTS_KILL_AT") or "").startswith(HALF_WRITE_POINT + ":"):
        install_half_writing_parquet()
    run = run_flow if mode == "flow" else run_bare
    summary = run(sources, warehouse, int(batch_size))
    print(json.dumps(summary, default=str))
    return 0 if summary["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
