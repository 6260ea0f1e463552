"""The process pool that runs the CPU-bound stage functions (clean, extract) on every core."""

from __future__ import annotations

import gc
import importlib.abc
import multiprocessing
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from tasks.settings import load_settings

_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """Tells a worker's importers that pandas is not installed.

    pyarrow imports pandas the first time it converts a Python list, only to ask whether the list
    is a pandas object. The stage functions never hand it one, and the import would cost each
    worker about 40 MB for the whole run."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is not used in CPU pool workers (tasks/pool.py)", name=name)
        return None


def _start_worker() -> None:
    """Pool initializer: load the extractors and lexicons once per worker, not once per batch, then
    move them out of the garbage collector's sight: they live as long as the worker, and every full
    collection would otherwise walk them again."""
    from tasks.extract.registry import warm_up

    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    warm_up()
    gc.freeze()


def _cpu_pool() -> ProcessPoolExecutor | None:
    """The process pool shared by all stage tasks of this process, or None to run inline.

    Stage work is pure Python and holds the GIL, so threads alone use one core. Only the main
    process owns a pool: inside a Dask worker or a pool worker the work runs inline. Its size is
    `cpu_workers` as set now (NEWSFACTS_CPU_WORKERS), so a benchmark can compare 1 and 2 workers.
    """
    global _pool, _pool_size
    workers = load_settings().cpu_workers
    if workers <= 1 or multiprocessing.parent_process() is not None:
        return None
    with _pool_lock:
        if _pool is not None and _pool_size != workers:
            _pool.shutdown(wait=False)
            _pool = None
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
            _pool_size = workers
            for _ in range(workers):  # start (and warm) every worker now, not when a batch waits for one
                _pool.submit(int)
        return _pool


def run_cpu_bound(fn, /, *args, worth_a_process: bool = True):
    """fn(*args) in the process pool when there is one and the work is `worth_a_process` (an empty
    batch is not: starting the pool would cost more). A dead worker fails this attempt (Prefect
    retries it) and the next attempt gets a fresh pool."""
    global _pool
    pool = _cpu_pool() if worth_a_process else None
    if pool is None:
        return fn(*args)
    try:
        return pool.submit(fn, *args).result()
    except BrokenProcessPool:
        with _pool_lock:
            if _pool is pool:
                _pool = None
        raise
