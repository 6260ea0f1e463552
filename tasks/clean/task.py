"""The clean stage as a retryable Prefect task: a fetched batch cleaned in the CPU pool."""

from __future__ import annotations

import time
from datetime import date

from tasks.prefect_edge import stage_task
from tasks.clean.batch import CleanedBatch, clean_in_worker
from tasks.fetch.discover import FetchedBatch
from tasks.pool import run_cpu_bound


@stage_task("clean")
def clean_task(fetched: FetchedBatch, warehouse: str, since: date | None, until: date | None,
               batch_no: int, batch_count: int) -> CleanedBatch:
    """Cleans a fetched batch; the fetch stage's rejects and skips travel on with it to load."""
    started = time.perf_counter()
    out = run_cpu_bound(clean_in_worker, fetched.items, warehouse, since, until, worth_a_process=bool(fetched.items))
    out.rejects[:0], out.skipped[:0] = fetched.rejects, fetched.skipped
    out.seconds = fetched.seconds + (time.perf_counter() - started,)
    return out
