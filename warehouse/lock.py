"""The writer lock of a warehouse: flock on a local folder, a lease object on object storage."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator

import pyarrow.fs as pafs

from warehouse.files import read_json, write_atomic

_process_lock = threading.RLock()  # flock is per open file; this serialises threads of one process too
LEASE_S = 600  # how long a lease on object storage holds when its writer stops renewing it (it never does)


@contextlib.contextmanager
def writer_lock(fs: pafs.FileSystem, base: str, is_local: bool, root: str, timeout_s: float) -> Iterator[None]:
    """Exclusive writer lock. Local: flock on <base>/_lock (released by the kernel if the process dies).

    Object storage has no atomic create-if-absent through pyarrow: there a lease object is
    written and read back, which protects against accidents but is not linearisable (see
    warehouse/README.md).
    """
    with _process_lock:
        if is_local:
            with _flock(f"{base}/_lock", root, timeout_s):
                yield
        else:
            with _lease(fs, f"{base}/_lock.json", root, timeout_s):
                yield


@contextlib.contextmanager
def _flock(path: str, root: str, timeout_s: float) -> Iterator[None]:
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
        yield
    finally:
        os.close(fd)  # closing releases the flock


@contextlib.contextmanager
def _lease(fs: pafs.FileSystem, lease: str, root: str, timeout_s: float) -> Iterator[None]:
    me = uuid.uuid4().hex
    deadline = time.monotonic() + timeout_s
    while True:
        holder = read_json(fs, lease)
        if holder is None or holder.get("expires", 0) < time.time():
            write_atomic(fs, lease, json.dumps({"owner": me, "expires": time.time() + LEASE_S}).encode())
            time.sleep(0.2)  # let a racing writer's put land, then see who won
            if (read_json(fs, lease) or {}).get("owner") == me:
                break
        if time.monotonic() > deadline:
            raise TimeoutError(f"warehouse {root} is locked by another writer")
        time.sleep(0.5)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError, OSError):
            fs.delete_file(lease)
