"""The load stage as a retryable Prefect task: one atomic commit of a batch."""

from __future__ import annotations

import time

from tasks.prefect_edge import stage_task
from tasks.extract.batch import ExtractedBatch
from tasks.load.batch import LoadResult, load_batch, open_warehouse


@stage_task("load")
def load_task(warehouse: str, extracted: ExtractedBatch, run_id: str, batch_no: int, batch_count: int) -> LoadResult:
    started = time.perf_counter()
    out = load_batch(open_warehouse(warehouse), extracted, run_id, f"b{batch_no:04d}")
    # Committed, so the rows are let go now. Prefect 3.9's futures sit in reference cycles (a future
    # and its done-callback), which only a full garbage collection frees, and Python rarely runs one:
    # every batch's payload would stay in memory, about 12 MB per 1k articles, until the run ends.
    # A retry re-runs only a failed stage, which still has its input, so nothing needs it again.
    extracted.rows = {}
    out.seconds = extracted.seconds + (time.perf_counter() - started,)
    return out
