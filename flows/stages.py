"""The Prefect edge of the stages: each stage function of `tasks/` as a retryable task with batch-named runs.

Everything under `tasks/` is plain Python (and so is what the CPU pool workers import); Prefect
comes in here and in the flows.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from tasks.archive import Archive
from tasks.clean import CleanedBatch, clean_in_worker
from tasks.extract import ExtractedBatch, extract_packed
from tasks.fetch import Discovery, FetchedBatch, discover, fingerprint_batch
from tasks.load import LoadResult, load_batch, open_warehouse
from tasks.model import SourceItem
from tasks.pool import run_cpu_bound
from tasks.settings import Settings, load_settings

_SETTINGS = load_settings()


class _ThreadTimeoutNotice(logging.Filter):
    """Drops Prefect's per-task notice that a worker-thread timeout cannot interrupt blocking I/O.

    Known and accepted: stage work is CPU-bound between I/O calls, and network I/O carries its
    own connect/read timeouts and total deadline (tasks/http.py). Repeated for every task run, the
    notice would bury the log lines an operator needs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Timeout of %s seconds configured for this task")


logging.getLogger("prefect.task_runs").addFilter(_ThreadTimeoutNotice())


def stage_task(stage: str, retries: int | None = None, run_name: str | None = None):
    """Decorator for a stage wrapper taking `batch_no` and `batch_count` parameters (or naming its runs).

    Inputs are batches of articles: hashing them for Prefect's cache would cost more than the
    work, and a retry re-runs the same in-memory inputs anyway, so caching is off.
    """
    return task(
        name=stage,
        task_run_name=run_name or stage + "[batch {batch_no}/{batch_count}]",
        retries=_SETTINGS.task_retries if retries is None else retries,
        retry_delay_seconds=exponential_backoff(backoff_factor=_SETTINGS.task_retry_delay_s),
        retry_jitter_factor=_SETTINGS.task_retry_jitter,
        timeout_seconds=_SETTINGS.task_timeout_s,
        cache_policy=NO_CACHE,
        persist_result=False,
    )


@stage_task("fetch", run_name="fetch[discover]")
def discover_task(sources: list[str], settings: Settings, warehouse: str,
                  known_pages: dict[str, str] | None = None) -> Discovery:
    return discover(sources, settings, warehouse, known_pages)


@stage_task("fetch")
def fetch_task(items: list[SourceItem], inputs_seen: dict[str, str], warehouse: str,
               batch_no: int, batch_count: int) -> FetchedBatch:
    started = time.perf_counter()
    out = fingerprint_batch(items, inputs_seen, Archive(warehouse))
    out.seconds = (time.perf_counter() - started,)
    return out


@stage_task("clean")
def clean_task(fetched: FetchedBatch, warehouse: str, since: date | None, until: date | None,
               batch_no: int, batch_count: int) -> CleanedBatch:
    """Cleans a fetched batch; the fetch stage's rejects and skips travel on with it to load."""
    started = time.perf_counter()
    out = run_cpu_bound(clean_in_worker, fetched.items, warehouse, since, until, worth_a_process=bool(fetched.items))
    out.rejects[:0], out.skipped[:0] = fetched.rejects, fetched.skipped
    out.seconds = fetched.seconds + (time.perf_counter() - started,)
    return out


@stage_task("extract")
def extract_task(cleaned: CleanedBatch, run_id: str, batch_no: int, batch_count: int) -> ExtractedBatch:
    """Extracts a cleaned batch; earlier rejects and skips travel on with it to load."""
    started = time.perf_counter()
    out = run_cpu_bound(extract_packed, cleaned.packed, run_id, worth_a_process=bool(cleaned.packed_count))
    cleaned.packed = b""  # consumed; see load_task on why a stage lets go of its input's payload
    out.rejects[:0], out.skipped = cleaned.rejects, cleaned.skipped
    out.seconds = cleaned.seconds + (time.perf_counter() - started,)
    return out


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
