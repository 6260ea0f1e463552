"""Task runners for the ingest flow: threads on one machine, or Dask (a LocalCluster or a running cluster)."""

from __future__ import annotations

from prefect import Flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.ingest import ingest


def flow_with_runner(kind: str = "threads", workers: int = 2, dask_address: str | None = None) -> Flow:
    """The ingest flow with the chosen task runner; the flow's wiring is the same for all of them."""
    if kind == "threads":
        return ingest.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            runner = DaskTaskRunner(address=dask_address)
        else:
            runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                                    "processes": True, "dashboard_address": None})
        return ingest.with_options(task_runner=runner)
    raise ValueError(f"unknown task runner {kind!r}: use threads or dask")
