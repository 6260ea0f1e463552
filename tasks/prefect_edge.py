"""What every stage's Prefect task shares: the offline Prefect defaults and the retryable-task decorator.

Imported by the `task` module of each stage package and by the flows, never by stage logic, so
the CPU pool workers stay free of Prefect.
"""

from __future__ import annotations

import logging
import os

# Embedded (ephemeral) Prefect on a fresh machine: the first start migrates a new database and can
# exceed the 20 s default; analytics would try to reach the internet on every start. Set here,
# before prefect is imported: every module that imports prefect imports this one first.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import task  # noqa: E402 - after the defaults above
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from tasks.settings import load_settings  # noqa: E402

_SETTINGS = load_settings()


class _ThreadTimeoutNotice(logging.Filter):
    """Drops Prefect's per-task notice that a worker-thread timeout cannot interrupt blocking I/O.

    Known and accepted: stage work is CPU-bound between I/O calls, and network I/O carries its
    own connect/read timeouts and total deadline (tasks/fetch/http.py). Repeated for every task
    run, the notice would bury the log lines an operator needs.
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
