"""The extract stage as a retryable Prefect task: a cleaned batch extracted in the CPU pool."""

from __future__ import annotations

import time

from tasks.prefect_edge import stage_task
from tasks.clean.batch import CleanedBatch
from tasks.extract.batch import ExtractedBatch, extract_packed
from tasks.pool import run_cpu_bound


@stage_task("extract")
def extract_task(cleaned: CleanedBatch, run_id: str, batch_no: int, batch_count: int) -> ExtractedBatch:
    """Extracts a cleaned batch; earlier rejects and skips travel on with it to load."""
    started = time.perf_counter()
    out = run_cpu_bound(extract_packed, cleaned.packed, run_id, worth_a_process=bool(cleaned.packed_count))
    cleaned.packed = b""  # consumed; see tasks/load/task.py on why a stage lets go of its input's payload
    out.rejects[:0], out.skipped = cleaned.rejects, cleaned.skipped
    out.seconds = cleaned.seconds + (time.perf_counter() - started,)
    return out
