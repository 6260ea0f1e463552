"""Task runners for the ingest flow: threads on one machine, or Dask (a LocalCluster or a running cluster)."""

from __future__ import annotations

import os
from contextlib import contextmanager

from prefect import Flow
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.ingest import ingest


@contextmanager
def embedded_run_settings():
    """Prefect settings for flow runs made in this process.

    With the embedded API (no PREFECT_API_URL) flow run heartbeats are off: they tell a server that
    a run is still alive, but the embedded server lives and dies with this process, and the end of
    every run waited up to a second for the heartbeat thread to wake from its sleep (the largest
    fixed cost of a no-op rerun). Against a real server they stay on.
    """
    if PREFECT_API_URL.value():
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def flow_with_runner(kind: str = "threads", workers: int | None = None, dask_address: str | None = None) -> Flow:
    """The ingest flow with the chosen task runner; the flow's wiring is the same for all of them.

    threads: the flow as declared (task threads in this process), its CPU-bound stages in a pool of
    `workers` processes (default: the `cpu_workers` setting, the core count) — set here through
    NEWSFACTS_CPU_WORKERS, the setting the pool reads. dask: a LocalCluster of `workers` worker
    processes, or the running cluster at `dask_address`.
    """
    if kind == "threads":
        if workers:
            os.environ["NEWSFACTS_CPU_WORKERS"] = str(workers)
        return ingest
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            runner = DaskTaskRunner(address=dask_address)
        else:
            runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                                                    "processes": True, "dashboard_address": None})
        return ingest.with_options(task_runner=runner)
    raise ValueError(f"unknown task runner {kind!r}: use threads or dask")
