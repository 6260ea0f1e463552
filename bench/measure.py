"""Measuring tools of the benchmark: process-tree peak RSS and CPU use sampled in a thread, and the machine's identity."""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import resource
import threading
import time
from dataclasses import dataclass
from importlib import metadata

import psutil

PACKAGES = ("prefect", "pyarrow", "pandas", "duckdb", "trafilatura", "underthesea", "dask", "distributed",
            "prefect-dask", "psutil", "matplotlib")


@dataclass
class Usage:
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0  # this process alone, sampled
    peak_tree_rss_mb: float = 0.0  # this process and all its descendants (Prefect server, Dask workers)
    # The same tree in proportional set size: pages shared between processes (libraries, the forked
    # workers' common memory) counted once, not once per process — what the tree really occupies.
    peak_tree_pss_mb: float = 0.0
    start_rss_mb: float = 0.0
    cpu_s: float = 0.0  # CPU seconds of the process tree during the measurement
    load_avg: float = 0.0  # 1-minute load average at the end: other work competing for the cores

    @property
    def cores_used(self) -> float:
        """Average number of busy cores: CPU seconds of the tree over wall seconds."""
        return self.cpu_s / self.wall_s if self.wall_s else 0.0

    def as_dict(self) -> dict:
        return {"wall_s": round(self.wall_s, 3), "peak_rss_mb": round(self.peak_rss_mb, 1),
                "peak_tree_rss_mb": round(self.peak_tree_rss_mb, 1), "peak_tree_pss_mb": round(self.peak_tree_pss_mb, 1),
                "start_rss_mb": round(self.start_rss_mb, 1),
                "cpu_s": round(self.cpu_s, 2), "cores_used": round(self.cores_used, 2),
                "load_avg": round(self.load_avg, 2)}


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


PSS_EVERY = 5


def release_freed_memory() -> None:
    """Before a measured phase: collect garbage and hand freed heap pages back to the system (glibc
    only), so that a phase's peak RSS does not carry what the previous phase left in the allocator."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


class Monitor:
    """Context manager: wall time, peak RSS (process and tree) and tree CPU seconds while the block runs.

    Sampling (every `interval` s) rather than ru_maxrss, because ru_maxrss only ever grows within a
    process and several measurements share this process; children that exit between two samples
    lose at most one interval of CPU time.
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.usage = Usage()
        self._stop = threading.Event()
        self._me = psutil.Process(os.getpid())
        self._cpu_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._samples = 0

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self._me, *self._me.children(recursive=True)]
        except psutil.Error:
            return [self._me]

    def _sample(self) -> None:
        own = tree = pss = 0
        self._samples += 1
        with_pss = self._samples % PSS_EVERY == 1  # reading smaps costs more: every few samples
        for proc in self._tree():
            try:
                with proc.oneshot():
                    rss = proc.memory_info().rss
                    cpu = _cpu_seconds(proc)
                    pss += proc.memory_full_info().pss if with_pss else 0
            except (psutil.Error, AttributeError):
                continue
            tree += rss
            if proc.pid == self._me.pid:
                own = rss
            self._cpu_start.setdefault(proc.pid, 0.0 if self._started else cpu)
            self._cpu_last[proc.pid] = cpu
        self.usage.peak_rss_mb = max(self.usage.peak_rss_mb, own / 2**20)
        self.usage.peak_tree_rss_mb = max(self.usage.peak_tree_rss_mb, tree / 2**20)
        self.usage.peak_tree_pss_mb = max(self.usage.peak_tree_pss_mb, pss / 2**20)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "Monitor":
        release_freed_memory()
        self._started = False
        self.usage.start_rss_mb = self._me.memory_info().rss / 2**20
        self._sample()  # processes alive now count from their current CPU time
        self._started = True  # processes born later count from zero
        self._thread = threading.Thread(target=self._loop, name="bench-monitor", daemon=True)
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.usage.wall_s = time.perf_counter() - self._t0
        self.usage.load_avg = os.getloadavg()[0]
        self._stop.set()
        self._thread.join()
        self._sample()
        self.usage.cpu_s = sum(self._cpu_last[pid] - self._cpu_start.get(pid, 0.0) for pid in self._cpu_last)


def max_rss_mb() -> dict:
    """ru_maxrss of this process and of its waited-for children (kernel high-water marks, MB)."""
    return {"self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine_info() -> dict:
    """What the figures were measured on."""
    return {
        "cpu_model": cpu_model(), "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False), "affinity_cores": len(os.sched_getaffinity(0)),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version(),
        "platform": platform.platform(), "packages": package_versions(),
    }
