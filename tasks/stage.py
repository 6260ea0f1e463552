"""The one way a stage function becomes a Prefect task: batch-named runs, retries with backoff and jitter, a timeout."""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from tasks.settings import load_settings

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
