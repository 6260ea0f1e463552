"""The CPU pool: stage functions run in worker processes sized by the cpu_workers setting, inline with one."""

from __future__ import annotations

import os

from tasks import pool


def _pid() -> int:
    return os.getpid()


def test_work_runs_in_as_many_worker_processes_as_cpu_workers_says(monkeypatch):
    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "2")
    assert pool.run_cpu_bound(_pid) != os.getpid()
    assert pool._pool_size == 2
    assert pool.run_cpu_bound(_pid, worth_a_process=False) == os.getpid()  # an empty batch stays in-process

    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "1")
    assert pool.run_cpu_bound(_pid) == os.getpid()

    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "3")
    pids = {pool.run_cpu_bound(_pid) for _ in range(12)}
    assert pool._pool_size == 3 and os.getpid() not in pids


def _worker_state() -> tuple[bool, int]:
    """In a worker: whether pandas got imported, after an Arrow conversion of Python rows."""
    import sys

    from tasks.extract.batch import ExtractedBatch
    from warehouse.tables import TABLES

    row = TABLES["periods"].record(article_id="a", char_start=0, char_end=4, mention="2020", granularity="year")
    batch = ExtractedBatch(rows={"periods": [row]}).as_arrow()
    return "pandas" in sys.modules, batch.rows["periods"].num_rows


def test_workers_convert_rows_to_arrow_without_importing_pandas(monkeypatch):
    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "2")
    assert pool.run_cpu_bound(_worker_state) == (False, 1)
