"""Crash safety: SIGKILL the ingest at 20+ points (real Prefect flow and bare stages), rerun, compare with a clean run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hostile import write_good_corpus
from killsweep_driver import (
    HALF_WRITE_POINT,
    assert_readable_without_duplicates,
    comparable,
    diff_summary,
    run_bare,
    staging_leftovers,
    table_rows,
)
from warehouse.store import STAGING

pytestmark = pytest.mark.killsweep

REPO = Path(__file__).resolve().parents[1]
DRIVER = REPO / "tests" / "killsweep_driver.py"
BATCH_SIZE = 4
ARTICLES = 26  # 24 files + a JSON Lines file of 2 records; 7 batches with the empty file

# (mode, "<point>:<n>"): the n-th time the run reaches <point>, it is SIGKILLed.
FLOW_POINTS = [  # the real Prefect flow (embedded server) in the subprocess, stages inline in the flow process
    ("flow", "fetch.discovered:1"),
    ("flow", "extract.article:10"),
    ("flow", "commit.staged:14"),
    ("flow", "commit.manifest:3"),
    ("flow", "commit.moved:25"),
]
BARE_POINTS = [  # the same stage functions, called without Prefect (seconds instead of tens of seconds)
    ("bare", "fetch.discovered:1"),
    ("bare", "fetch.item:6"),
    ("bare", "clean.item:9"),
    ("bare", "extract.article:1"),
    ("bare", "extract.article:15"),
    ("bare", "load.batch:3"),
    ("bare", "commit.locked:1"),
    ("bare", "commit.locked:5"),
    ("bare", "commit.staged:1"),
    ("bare", "commit.staged:20"),
    ("bare", f"{HALF_WRITE_POINT}:2"),
    ("bare", f"{HALF_WRITE_POINT}:40"),
    ("bare", "commit.manifest:1"),
    ("bare", "commit.manifest:6"),
    ("bare", "commit.moved:1"),
    ("bare", "commit.moved:11"),
    ("bare", "commit.moved:33"),
    ("bare", "commit.applied:2"),
    ("bare", "flow.batch_done:5"),
    ("bare", "flow.finishing:1"),
]
POINTS = FLOW_POINTS + BARE_POINTS
# The flow with its process pool of two workers: this kill point is reached in a pool worker, not the flow.
POOL_WORKER_POINT = ("pool", "extract.article:5")


def sweep_corpus(folder: Path) -> Path:
    """24 synthetic articles over three months, a JSON Lines file of two, and an empty file (a reject)."""
    write_good_corpus(folder, 24)
    records = [{"url": f"https://tin.example.vn/jsonl/{i}", "title": f"Tin ngắn số {i}", "date": "2020-02-14",
                "content": f"Tỉnh Nghệ An cấp phép {10 + i} dự án mới với tổng vốn {500 + i} tỷ đồng."} for i in (1, 2)]
    (folder / "tin_ngan.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                                           encoding="utf-8")
    (folder / "trong.txt").write_bytes(b"")
    return folder


def kill_run(mode: str, point: str, corpus: Path, root: Path, log: Path, cpu_workers: int = 1,
             once: Path | None = None) -> int:
    """Run the driver with a kill point; returns its exit status (-9 when the failpoint killed it).

    With one CPU worker every stage runs in the flow process, so every kill point kills the run itself.
    """
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # embedded Prefect in the child
    env.update(NEWSFACTS_KILL_AT=point, NEWSFACTS_CPU_WORKERS=str(cpu_workers))
    if once:
        env["NEWSFACTS_KILL_ONCE"] = str(once)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(DRIVER), mode, str(root), str(BATCH_SIZE), str(corpus)],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
        finally:
            # The embedded Prefect server is a child process: it outlives a SIGKILLed flow process.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return sweep_corpus(tmp_path_factory.mktemp("sweep") / "tin")


@pytest.fixture(scope="module")
def killed(corpus, tmp_path_factory):
    """Every kill run, started at once: flow runs one at a time (one embedded server), bare runs two at a time."""
    base = tmp_path_factory.mktemp("killed")
    flow_pool, bare_pool = ThreadPoolExecutor(1), ThreadPoolExecutor(2)
    futures: dict[tuple[str, str], tuple[Path, Path, Future]] = {}
    for mode, point in POINTS:
        name = f"{mode}-{point.replace(':', '-')}"
        root, log = base / name, base / f"{name}.log"
        pool = flow_pool if mode == "flow" else bare_pool
        futures[(mode, point)] = (root, log, pool.submit(kill_run, mode, point, corpus, root, log))
    root, log = base / "pool-worker", base / "pool-worker.log"
    futures[POOL_WORKER_POINT] = (root, log, flow_pool.submit(kill_run, "flow", POOL_WORKER_POINT[1], corpus, root,
                                                              log, cpu_workers=2, once=base / "pool-worker.killed"))
    yield futures
    flow_pool.shutdown(cancel_futures=True)
    bare_pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict[str, list[str]]:
    root = tmp_path_factory.mktemp("reference") / "wh"
    summary = run_bare([str(corpus)], str(root), BATCH_SIZE)
    assert summary["status"] == "completed" and summary["new"] == ARTICLES and summary["rejected"] == 1
    return comparable(root)


@pytest.mark.parametrize(("mode", "point"), POINTS, ids=[f"{m}-{p}" for m, p in POINTS])
def test_killed_run_recovers_to_the_clean_result(mode, point, killed, corpus, reference, request):
    root, log, future = killed[(mode, point)]
    status = future.result()
    output = log.read_text(errors="replace")[-3000:]
    assert status == -signal.SIGKILL, f"kill point {point} was not reached (exit status {status}):\n{output}"

    # Before any recovery: readers see only whole files, and no key twice.
    assert_readable_without_duplicates(root, f"after the kill at {point}", recovered=False)
    if point.startswith(HALF_WRITE_POINT):
        staged = [p for p in (root / STAGING).rglob("*.parquet")]
        assert any(not _is_complete_parquet(p) for p in staged), "the kill did not interrupt a Parquet write"

    if mode == "flow":
        request.getfixturevalue("prefect_harness")
        from flows.ingest import ingest

        summary = ingest(sources=[str(corpus)], warehouse=str(root), batch_size=BATCH_SIZE)
    else:
        summary = run_bare([str(corpus)], str(root), BATCH_SIZE)
    assert summary["status"] == "completed"

    assert_readable_without_duplicates(root, f"after the rerun following the kill at {point}", recovered=True)
    assert staging_leftovers(root) == [], f"_staging not empty after the rerun: {staging_leftovers(root)}"
    got = comparable(root)
    assert got == reference, f"rows lost or added after the kill at {point}:\n{diff_summary(got, reference)}"
    runs = {r["run_id"]: r["status"] for r in table_rows(root, "runs")}
    assert runs.pop(summary["run_id"]) == "completed"
    assert list(runs.values()) == ["interrupted"], f"the killed run should be 'interrupted': {runs}"


def _is_complete_parquet(path: Path) -> bool:
    try:
        pq.read_metadata(path)
        return True
    except Exception:  # noqa: BLE001 - a torn file fails in many ways
        return False



def test_a_pool_worker_killed_mid_extract_is_retried_and_the_run_completes(killed, reference):
    root, log, future = killed[POOL_WORKER_POINT]
    status = future.result()
    output = log.read_text(errors="replace")
    assert "BrokenProcessPool" in output, "no pool worker was killed: the kill point was not reached in a worker"
    assert status == 0, f"the run did not survive its killed worker (exit status {status}):\n{output[-3000:]}"
    assert_readable_without_duplicates(root, "after a worker was killed", recovered=True)
    got = comparable(root)
    assert got == reference, f"rows lost or added after a killed worker:\n{diff_summary(got, reference)}"
    assert [r["status"] for r in table_rows(root, "runs")] == ["completed"]
