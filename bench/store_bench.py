"""Benchmarks of issue 19: the multi-writer kill sweep, read times before and after compaction, Delta Lake beside it.

    python -m bench.store_bench sweep [--repeats 10] [--backends s3,local]
    python -m bench.store_bench compaction [--runs 200]
    python -m bench.store_bench delta [--runs 200]        # needs `pip install deltalake`

`sweep` repeats the test of tests/test_multiwriter.py: 3 writer processes with overlapping sources,
started together, one SIGKILLed during a commit (a different failpoint each round), a reader polling
all along, on a moto S3 server and on a local folder; it prints runs, kills, rows lost, rows
duplicated and the other checks (all 0 when the warehouse ended right) and exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


# ---- sweep ------------------------------------------------------------------------------------
def sweep(repeats: int, backends: list[str], work: Path) -> int:
    import boto3

    from multiwriter import KILL_POINTS, describe, make_corpus, reference, run_round
    from servers import moto_server

    folders = make_corpus(work / "in")
    ref = reference(folders, work / "reference")
    rounds = []
    with moto_server() as s3:
        client = boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        for i in range(repeats):
            point = KILL_POINTS[i % len(KILL_POINTS)]
            for backend in backends:
                if backend == "s3":
                    bucket = f"sweep-{uuid.uuid4().hex[:8]}"
                    client.create_bucket(Bucket=bucket)
                    root, env = f"s3://{bucket}/news", s3.env()
                else:
                    root, env = str(work / f"wh-{i}"), {}
                result = run_round(backend, root, folders, ref, point, work / f"round-{backend}-{i}", env)
                rounds.append(result)
                print(f"round {i + 1:2d} {backend:5s} kill at {point:18s} {'ok ' if result.ok else 'BAD'} "
                      f"{result.seconds:5.1f} s  polls {result.polls:6d}  {describe(result) if not result.ok else ''}",
                      flush=True)
    return report(rounds)


def report(rounds: list) -> int:
    for backend in sorted({r.backend for r in rounds}):
        mine = [r for r in rounds if r.backend == backend]
        figures = {
            "runs": len(mine), "kills": sum(r.killed for r in mine),
            "rows lost": sum(r.rows_lost for r in mine), "rows duplicated": sum(r.rows_duplicated for r in mine),
            "duplicate keys": sum(r.duplicate_keys for r in mine), "orphan facts": sum(r.orphan_facts for r in mine),
            "inputs not loaded/rejected/skipped once": sum(len(r.inputs_not_once) for r in mine),
            "unreadable tables": sum(len(r.unreadable_tables) for r in mine),
            "writers failed": sum(len(r.writers_failed) for r in mine),
            "reader polls": sum(r.polls for r in mine),
            "polls that saw facts without their article (or part of them)": sum(len(r.poll_violations) for r in mine),
            "median round s": statistics.median(r.seconds for r in mine),
        }
        print(f"\n{backend}:")
        for name, value in figures.items():
            print(f"  {name:62s} {value}")
    return 0 if all(r.ok for r in rounds) else 1


# ---- compaction -------------------------------------------------------------------------------
COMMIT_SECONDS: list[float] = []  # of every Warehouse.commit made by build_small_runs


def build_small_runs(root: Path, runs: int, work: Path) -> float:
    """`runs` bare runs of 5 new articles each (three months, so three partitions a run), never compacted."""
    from hostile import write_good_corpus
    from killsweep_driver import run_bare
    from warehouse.store import Warehouse

    commit = Warehouse.commit

    def timed_commit(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return commit(self, *args, **kwargs)
        finally:
            COMMIT_SECONDS.append(time.perf_counter() - t0)

    os.environ["NEWSFACTS_COMPACT_MIN_FILES"] = "0"
    Warehouse.commit = timed_commit
    started = time.perf_counter()
    try:
        for i in range(runs):
            folder = work / "in" / f"run{i:03d}" / "tin"  # one source: every run adds files to the same partitions
            write_good_corpus(folder, 5, start=5 * i)
            assert run_bare([str(folder)], str(root), 400)["status"] == "completed"
    finally:
        Warehouse.commit = commit
        os.environ.pop("NEWSFACTS_COMPACT_MIN_FILES")
    return time.perf_counter() - started


def read_times(folder: Path, repeats: int = 5) -> dict[str, float]:
    """Median seconds of a full read of a table folder by DuckDB and by pandas (fresh connection each time)."""
    import duckdb
    import pandas as pd

    def duck() -> int:
        return duckdb.connect().sql(f"SELECT count(*), sum(normalized_value) FROM read_parquet('{folder}/**/*.parquet', "
                                    "hive_partitioning=true)").fetchall()[0][0]

    def pandas() -> int:
        return len(pd.read_parquet(folder))

    out = {}
    for name, read in (("duckdb", duck), ("pandas", pandas)):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            rows = read()
            times.append(time.perf_counter() - t0)
        out[name], out["rows"] = statistics.median(times), rows
    return out


def part_count(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*.parquet") if not p.name.startswith((".", "_")))


def compaction(runs: int, work: Path) -> int:
    from warehouse.store import Warehouse

    root = work / "wh"
    built = build_small_runs(root, runs, work)
    quantities = root / "quantities"
    before, files_before = read_times(quantities), part_count(quantities)
    t0 = time.perf_counter()
    result = Warehouse(str(root)).compact()
    compact_s = time.perf_counter() - t0
    after, files_after = read_times(quantities), part_count(quantities)
    assert before["rows"] == after["rows"]
    print(f"warehouse of {runs} small runs built in {built:.1f} s; `compact` took {compact_s:.2f} s "
          f"({len(result.partitions)} partitions rewritten)")
    print(f"{'quantities':12s} {'files':>7s} {'rows':>7s} {'DuckDB s':>10s} {'pandas s':>10s}")
    for label, times, files in (("before", before, files_before), ("after", after, files_after)):
        print(f"{label:12s} {files:7d} {times['rows']:7d} {times['duckdb']:10.4f} {times['pandas']:10.4f}")
    print(f"all tables: {sum(result.files_before.values())} part files before, {sum(result.files_after.values())} after")
    return 0


# ---- Delta Lake -------------------------------------------------------------------------------
def delta(runs: int, work: Path) -> int:
    """The same small commits written as a Delta table: commit cost, and what a plain Parquet reader of the
    table folder sees after the rewrites a merge and a compaction make (Delta keeps removed files until vacuum)."""
    import pandas as pd
    import pyarrow.parquet as pq
    from deltalake import DeltaTable, write_deltalake

    home = work / "wh"
    build_small_runs(home, runs, work)
    batches = [pq.read_table(p) for p in sorted((home / "quantities").rglob("part-*.parquet"))]
    target = str(work / "delta-quantities")
    t0 = time.perf_counter()
    for batch in batches:
        write_deltalake(target, batch, mode="append")
    delta_commit_s = (time.perf_counter() - t0) / len(batches)
    table = DeltaTable(target)
    rows = table.to_pyarrow_table().num_rows
    changed = batches[0]["article_id"][0].as_py()
    t0 = time.perf_counter()
    table.delete(f"article_id = '{changed}'")  # what replacing a changed article's rows does first
    delete_s = time.perf_counter() - t0
    plain_after_delete = len(pd.read_parquet(target))
    t0 = time.perf_counter()
    DeltaTable(target).optimize.compact()
    optimize_s = time.perf_counter() - t0
    figures = {
        "commits (one per part file of our warehouse)": len(batches),
        "our commit of a whole batch (all 10 article tables, 3 partitions), median ms":
            round(1000 * statistics.median(COMMIT_SECONDS), 1),
        "Delta append commit of one quantities file, ms each": round(1000 * delta_commit_s, 1),
        "Delta delete of one article's rows, ms": round(1000 * delete_s, 1),
        "Delta optimize.compact, s": round(optimize_s, 2),
        "rows, read as Delta": DeltaTable(target).to_pyarrow_table().num_rows,
        "rows, plain pandas.read_parquet of the folder after the delete": plain_after_delete,
        "rows, plain pandas.read_parquet of the folder after optimize": len(pd.read_parquet(target)),
        "rows expected": rows - sum(1 for a in batches[0]["article_id"].to_pylist() if a == changed),
        "files in the Delta folder (before vacuum)": part_count(Path(target)),
    }
    t0 = time.perf_counter()
    DeltaTable(target).to_pandas()
    figures["read as Delta (DeltaTable.to_pandas), s"] = round(time.perf_counter() - t0, 4)
    DeltaTable(target).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    figures["rows, plain pandas.read_parquet after vacuum(0 h)"] = len(pd.read_parquet(target))
    figures["our warehouse: quantities rows read plainly"] = len(pd.read_parquet(home / "quantities"))
    for name, value in figures.items():
        print(f"  {name:66s} {value}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["sweep", "compaction", "delta"])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--backends", default="s3,local")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsfacts-store-bench-") as tmp:
        work = Path(tmp)
        if args.what == "sweep":
            return sweep(args.repeats, args.backends.split(","), work)
        if args.what == "compaction":
            return compaction(args.runs, work)
        return delta(args.runs, work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
