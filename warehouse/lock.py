"""The writer lock of a warehouse: flock on a local folder, a conditional-write lease on object storage."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow.fs as pafs

from tasks.settings import load_settings
from warehouse.files import read_json, write_atomic
from warehouse.lease import Lease, probe_conditional_writes, s3_client

_process_lock = threading.RLock()  # flock is per open file; this serialises threads of one process too
_held: dict[str, "Fence"] = {}  # base -> fence of a lock this process holds (a nested entry reuses it)
SINGLE_WRITER_LEASE_S = 600  # the best-effort lease of a store without conditional writes


@dataclass(frozen=True)
class Fence:
    """What a lock holder calls before each step that changes committed files: raises when the lock may
    have passed to another writer (an object-storage lease not renewed in time); a no-op for flock."""

    check: Callable[[], None] = lambda: None


@contextlib.contextmanager
def writer_lock(fs: pafs.FileSystem, base: str, is_local: bool, root: str, timeout_s: float) -> Iterator[Fence]:
    """Exclusive writer lock, across processes and machines (see warehouse/README.md, "Concurrent writers").

    Local: flock on <base>/_lock (released by the kernel if the process dies). Object storage: a lease
    object written with S3 conditional writes (warehouse/lease.py); a store that ignores them is refused
    unless the user declared a single writer (NEWSFACTS_WAREHOUSE_SINGLE_WRITER).
    """
    with _process_lock:
        if base in _held:  # this thread holds this lock already (e.g. compaction inside a commit)
            yield _held[base]
            return
        with _holding(fs, base, is_local, root, timeout_s) as fence:
            _held[base] = fence
            try:
                yield fence
            finally:
                del _held[base]


def _holding(fs: pafs.FileSystem, base: str, is_local: bool, root: str, timeout_s: float):
    if is_local:
        return _flock(f"{base}/_lock", root, timeout_s)
    settings = load_settings()
    if settings.warehouse_single_writer:
        return _best_effort_lease(fs, f"{base}/_lock.json", root, timeout_s)
    return _conditional_lease(base, root, timeout_s, settings.warehouse_lease_s)


@contextlib.contextmanager
def _flock(path: str, root: str, timeout_s: float) -> Iterator[Fence]:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"warehouse {root} is locked by another writer")
                time.sleep(0.05)
        yield Fence()
    finally:
        os.close(fd)  # closing releases the flock


@contextlib.contextmanager
def _conditional_lease(base: str, root: str, timeout_s: float, lease_s: float) -> Iterator[Fence]:
    client = s3_client()
    probe_conditional_writes(client, base)
    lease = Lease(client, base, lease_s)
    lease.acquire(timeout_s, root)
    try:
        yield Fence(lease.check)
    finally:
        lease.release()


@contextlib.contextmanager
def _best_effort_lease(fs: pafs.FileSystem, lease: str, root: str, timeout_s: float) -> Iterator[Fence]:
    """Written then read back: keeps accidental overlaps out, but two writers starting within ~0.2 s can both
    win. Only for stores without conditional writes, whose users run one writer per prefix."""
    me = uuid.uuid4().hex
    deadline = time.monotonic() + timeout_s
    while True:
        holder = read_json(fs, lease)
        if holder is None or holder.get("expires", 0) < time.time():
            write_atomic(fs, lease, json.dumps({"owner": me, "expires": time.time() + SINGLE_WRITER_LEASE_S}).encode())
            time.sleep(0.2)  # let a racing writer's put land, then see who won
            if (read_json(fs, lease) or {}).get("owner") == me:
                break
        if time.monotonic() > deadline:
            raise TimeoutError(f"warehouse {root} is locked by another writer")
        time.sleep(0.5)
    try:
        yield Fence()
    finally:
        with contextlib.suppress(FileNotFoundError, OSError):
            fs.delete_file(lease)
