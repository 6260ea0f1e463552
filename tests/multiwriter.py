"""Several writers on one warehouse: 3 writer processes with overlapping sources started together, one SIGKILLed
during a commit, a reader polling all along; then every check of issue 19 (shared by its test and bench script).

    python tests/multiwriter.py poll ROOT STOP_FILE REFERENCE_JSON OUT_JSON   # the polling reader (a process)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[1]
DRIVER = REPO / "tests" / "killsweep_driver.py"
# x, y and z are each given to two writers; w only to the writer that is killed, first, so that its first
# commits write new rows (a kill point inside them is surely reached) and a rerun of it has work left.
SOURCES = (("w", "x", "y"), ("y", "z"), ("z", "x"))
KILL_POINTS = ("commit.manifest:1", "commit.moved:3", "commit.staged:4", "commit.locked:2", "commit.applied:1")
LEASE_S = 5.0  # short, so the writers waiting on a killed holder's lease go on within seconds


@dataclass
class Round:
    """What one round did and found; the figures are all 0 when the warehouse ended right."""

    backend: str
    kill_point: str
    killed: bool = False
    seconds: float = 0.0
    rows_lost: int = 0
    rows_duplicated: int = 0
    duplicate_keys: int = 0
    orphan_facts: int = 0
    unreadable_tables: list[str] = field(default_factory=list)
    inputs_not_once: list[str] = field(default_factory=list)
    writers_failed: list[str] = field(default_factory=list)
    polls: int = 0
    poll_violations: list[str] = field(default_factory=list)
    poll_retries: int = 0

    @property
    def ok(self) -> bool:
        return self.killed and not (self.rows_lost or self.rows_duplicated or self.duplicate_keys or self.orphan_facts
                                    or self.unreadable_tables or self.inputs_not_once or self.writers_failed
                                    or self.poll_violations) and self.polls > 0


def make_corpus(base: Path) -> dict[str, Path]:
    """Four folders of 6 synthetic articles each (over three months), z with an empty file (a reject)."""
    from hostile import write_good_corpus

    folders = {name: write_good_corpus(base / name, 6, start=10 * i)[0].parent for i, name in enumerate("wxyz")}
    (folders["z"] / "trong.txt").write_bytes(b"")
    return folders


def reference(folders: dict[str, Path], root: Path) -> dict:
    """One run over all three folders: the rows every round must end with, and each article's row counts."""
    from killsweep_driver import comparable, run_bare
    from warehouse.store import Warehouse
    from warehouse.tables import ARTICLE_TABLES

    summary = run_bare([str(folders[n]) for n in "wxyz"], str(root), 2)
    assert summary["status"] == "completed", summary
    wh = Warehouse(str(root))
    counts = {t.name: dict(Counter(wh.read_table(t.name, ["article_id"])["article_id"].to_pylist()))
              for t in ARTICLE_TABLES if t.name != "articles"}
    return {"rows": comparable(root), "counts": counts,
            "inputs": sorted({r["input_uri"] for r in wh.read_table("articles").to_pylist()}),
            "rejected": sorted(r["uri"] for r in wh.read_table("rejects").to_pylist())}


# ---- the writers ------------------------------------------------------------------------------
def writer_env(extra: dict[str, str], log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PREFECT_API_URL", "NEWSFACTS_KILL_AT"}}
    env.update(NEWSFACTS_CPU_WORKERS="1", NEWSFACTS_WAREHOUSE_LEASE_S=str(LEASE_S), PREFECT_HOME=str(log.with_suffix(".prefect")))
    env.update(extra)
    return env


def start_writers(root: str, folders: dict[str, Path], kill_point: str, work: Path, env: dict[str, str]):
    from killsweep_driver import START_BARRIER

    (work / "ready").mkdir()
    procs = []
    for i, names in enumerate(SOURCES):
        log = work / f"writer{i}.log"
        extra = {**env, START_BARRIER: f"{work / 'ready'}:{len(SOURCES)}"}
        if i == 0:
            extra.update(NEWSFACTS_KILL_AT=kill_point, NEWSFACTS_KILL_ONCE=str(work / "killed"))
        command = [sys.executable, str(DRIVER), "bare", root, "2", *(str(folders[n]) for n in names)]
        procs.append((subprocess.Popen(command, cwd=REPO, env=writer_env(extra, log), stdout=open(log, "wb"),
                                       stderr=subprocess.STDOUT, start_new_session=True), log))
    return procs


def wait(proc: subprocess.Popen, timeout_s: float = 400) -> int:
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return -999
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


# ---- the polling reader -----------------------------------------------------------------------
def reader_filesystem(root: str):
    """A plain pyarrow filesystem and base path for the warehouse (no project code: what an analyst uses)."""
    import pyarrow.fs as pafs

    if root.startswith("s3://"):
        fs = pafs.S3FileSystem(endpoint_override=os.environ.get("AWS_ENDPOINT_URL"), region="us-east-1")
        return fs, root[len("s3://"):]
    return pafs.LocalFileSystem(), root


def poll(root: str, stop_file: str, reference_json: str, out_json: str) -> None:
    """Read the articles and every fact table, joined, until told to stop: each visible article must come with
    exactly its rows (never a batch's facts without its article, nor part of them, nor twice)."""
    import pyarrow.dataset as ds

    counts = json.loads(Path(reference_json).read_text())["counts"]
    fs, base = reader_filesystem(root)
    polls, retries, violations = 0, 0, []
    while not Path(stop_file).exists() and len(violations) < 20:
        try:
            visible = Counter(article_ids(ds, fs, f"{base}/articles"))
            facts = {name: article_ids(ds, fs, f"{base}/{name}") for name in counts}
        except (FileNotFoundError, OSError):
            retries += 1  # a file gone between listing and reading: read again
            continue
        violations += [f"poll {polls}: article {a} seen {n} times" for a, n in visible.items() if n > 1]
        for name, ids in facts.items():
            seen = Counter(a for a in ids if a in visible)
            violations += [f"poll {polls}: {name} of article {a}: {seen.get(a, 0)} row(s), {n} expected"
                           for a in visible if (n := counts[name].get(a, 0)) != seen.get(a, 0)]
        polls += 1
    Path(out_json).write_text(json.dumps({"polls": polls, "retries": retries, "violations": violations[:20]}))


def article_ids(ds, fs, folder: str) -> list[str]:
    """The article_id column of a table folder as a plain reader gets it ([] before the table exists)."""
    try:
        dataset = ds.dataset(folder, filesystem=fs, partitioning="hive")
    except FileNotFoundError:
        return []
    return dataset.to_table(columns=["article_id"])["article_id"].to_pylist() if dataset.files else []


def start_reader(root: str, work: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "poll", root, str(work / "stop"), str(work / "reference.json"),
                             str(work / "reader.json")], cwd=REPO, env={**os.environ, **env},
                            stdout=open(work / "reader.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)


# ---- after the round --------------------------------------------------------------------------
def duckdb_count(root: str, name: str, partitioned: bool) -> int:
    import duckdb
    from fsspec.implementations.arrow import ArrowFSWrapper

    con, glob = duckdb.connect(), f"{root}/{name}/**/*.parquet"
    if root.startswith("s3://"):
        class S3(ArrowFSWrapper):
            protocol = "s3"
        con.register_filesystem(S3(reader_filesystem(root)[0]))
    return con.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning={str(partitioned).lower()}, "
                   "union_by_name=true)").fetchall()[0][0]


def check_readable(root: str, result: Round) -> dict[str, list[dict]]:
    """Every table read with pyarrow and DuckDB (same row count), and the rows the other checks need."""
    import pyarrow.dataset as ds
    import pyarrow.fs as pafs

    from warehouse.tables import TABLES

    fs, base = reader_filesystem(root)
    rows = {}
    for name, table in TABLES.items():
        if not [i for i in fs.get_file_info(pafs.FileSelector(f"{base}/{name}", allow_not_found=True, recursive=True))
                if i.path.endswith(".parquet") and "/." not in i.path and "/_" not in i.path[len(base):]]:
            rows[name] = []
            continue
        try:
            frame = ds.dataset(f"{base}/{name}", filesystem=fs, partitioning="hive").to_table()
            if frame.num_rows != duckdb_count(root, name, bool(table.partition_by)):
                result.unreadable_tables.append(f"{name}: DuckDB and pyarrow disagree")
            rows[name] = frame.to_pylist()
        except Exception as exc:  # noqa: BLE001 - any table that cannot be read is the finding
            result.unreadable_tables.append(f"{name}: {type(exc).__name__}: {exc}")
            rows[name] = []
    return rows


def check_rows(root: str, ref: dict, result: Round) -> None:
    from killsweep_driver import comparable
    from warehouse.tables import ARTICLE_TABLES, TABLES

    rows = check_readable(root, result)
    for name, table in TABLES.items():
        keys = Counter(tuple(r[k] for k in table.key) for r in rows[name])
        result.duplicate_keys += sum(n - 1 for n in keys.values() if n > 1)
    loaded = {r["article_id"] for r in rows["articles"]}
    result.orphan_facts = sum(1 for t in ARTICLE_TABLES for r in rows[t.name] if r["article_id"] not in loaded)
    got = comparable(root)
    for name, want in ref["rows"].items():
        have, expect = Counter(got.get(name, [])), Counter(want)
        result.rows_lost += sum((expect - have).values())
        result.rows_duplicated += sum((have - expect).values())
    inputs = Counter(r["input_uri"] for r in rows["articles"])
    rejected = Counter(r["uri"] for r in rows["rejects"])
    result.inputs_not_once += [f"{u} loaded {inputs[u]}x" for u in ref["inputs"] if inputs[u] != 1]
    result.inputs_not_once += [f"{u} rejected {rejected[u]}x" for u in ref["rejected"] if rejected[u] != 1]
    result.inputs_not_once += [f"{u} loaded and rejected" for u in set(inputs) & set(rejected)]


def run_round(backend: str, root: str, folders: dict[str, Path], ref: dict, kill_point: str, work: Path,
              env: dict[str, str]) -> Round:
    """3 writers (the first SIGKILLed at `kill_point`, then run again as a scheduler retries a crashed run) and a
    polling reader on `root`; then every check."""
    result, started = Round(backend, kill_point), time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    (work / "reference.json").write_text(json.dumps(ref))
    reader = start_reader(root, work, env)
    writers = start_writers(root, folders, kill_point, work, env)
    codes = [wait(proc) for proc, _ in writers]
    rerun = subprocess.run([sys.executable, str(DRIVER), "bare", root, "2", *(str(folders[n]) for n in SOURCES[0])],
                           cwd=REPO, env=writer_env(env, work / "rerun.log"), capture_output=True, text=True, timeout=400)
    (work / "stop").touch()
    wait(reader, 60)
    result.killed = codes[0] == -signal.SIGKILL
    if rerun.returncode or '"status": "completed"' not in rerun.stdout:
        result.writers_failed.append(f"the rerun of the killed writer: exit {rerun.returncode}: {rerun.stdout[-1500:]}")
    for i, ((_, log), code) in enumerate(zip(writers, codes)):
        if i and (code != 0 or '"status": "completed"' not in log.read_text(errors="replace")):
            result.writers_failed.append(f"writer {i} exit {code}: {log.read_text(errors='replace')[-1500:]}")
    report = json.loads((work / "reader.json").read_text()) if (work / "reader.json").exists() else {}
    result.polls, result.poll_retries = report.get("polls", 0), report.get("retries", 0)
    result.poll_violations = report.get("violations", ["the reader did not report"])
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        check_rows(root, ref, result)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def describe(result: Round) -> str:
    return json.dumps({k: v for k, v in asdict(result).items() if v not in ([], 0, "")}, ensure_ascii=False)


if __name__ == "__main__" and sys.argv[1:2] == ["poll"]:
    poll(*sys.argv[2:6])
