"""Stage and publish: part files written under _staging/<batch_id>/, the manifest as commit point, then moves.

The crash-safety protocol (warehouse/README.md): before the manifest exists the batch does not
exist; once it exists, applying it (its moves of staged files over their final names and its
deletions, in order) is idempotent, so recovery finishes it after a crash.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse.failpoints import checkpoint
from warehouse.files import exists, read_json, write_atomic

STAGING = "_staging"
MANIFEST = "MANIFEST.json"


def _no_fence() -> None:
    """The fence of a lock that cannot pass to another writer while held (flock)."""


class Staging:
    """The part files of one batch being committed, and what its publication does, in order."""

    def __init__(self, fs: pafs.FileSystem, stage_dir: str, batch_id: str):
        self.fs, self.stage_dir, self.batch_id = fs, stage_dir, batch_id
        # ["move", staged name, final path] or ["delete", committed path], applied in this order: a writer
        # records an old file's removal where readers must stop seeing it (before or after new rows appear).
        self.ops: list[list[str]] = []
        self.rows_written: dict[str, int] = {}
        self._staged = 0

    def stage(self, table: pa.Table, final: str) -> None:
        """Write `table` under the staging folder; it is moved to `final` when the batch is published."""
        self._staged += 1
        name = f"{self._staged:05d}.parquet"
        self.fs.create_dir(self.stage_dir, recursive=True)
        pq.write_table(table, f"{self.stage_dir}/{name}", filesystem=self.fs, compression="zstd")
        self.ops.append(["move", name, final])
        checkpoint("commit.staged")

    def delete(self, path: str) -> None:
        self.ops.append(["delete", path])

    def count(self, table: str, rows: int) -> None:
        self.rows_written[table] = self.rows_written.get(table, 0) + rows

    def discard(self) -> None:
        """Drop what was staged (a batch refused before its manifest: what recovery would do later)."""
        if exists(self.fs, self.stage_dir):
            self.fs.delete_dir(self.stage_dir)
        self.ops.clear()

    def publish(self, run_id: str, fence: Callable[[], None] = _no_fence) -> None:
        """The commit point (the manifest, written atomically), then the moves and deletions in order.

        `fence` is called before the commit point and before each step: it raises when the writer lock may
        have passed to another writer, so a writer cut off from its lease stops before it changes a file."""
        if not self.ops:
            return
        self.fs.create_dir(self.stage_dir, recursive=True)
        manifest = {"batch_id": self.batch_id, "run_id": run_id, "ops": self.ops}
        fence()
        write_atomic(self.fs, f"{self.stage_dir}/{MANIFEST}", json.dumps(manifest).encode())
        checkpoint("commit.manifest")
        apply_manifest(self.fs, self.stage_dir, manifest, fence)
        checkpoint("commit.applied")
        self.fs.delete_dir(self.stage_dir)


def manifest_ops(manifest: dict) -> list[list[str]]:
    """The steps of a manifest, in order (a manifest of an older version lists its moves, then its deletions)."""
    if "ops" in manifest:
        return manifest["ops"]
    return [["move", *move] for move in manifest["moves"]] + [["delete", path] for path in manifest["deletes"]]


def apply_manifest(fs: pafs.FileSystem, stage_dir: str, manifest: dict, fence: Callable[[], None] = _no_fence) -> None:
    """Move staged files into place and delete removed ones, in the manifest's order (idempotent)."""
    for op in manifest_ops(manifest):
        fence()
        if op[0] == "move":
            src, final = f"{stage_dir}/{op[1]}", op[2]
            if exists(fs, src):  # else moved before a crash: applying is idempotent
                fs.create_dir(final.rsplit("/", 1)[0], recursive=True)
                fs.move(src, final)
                checkpoint("commit.moved")
        else:
            with contextlib.suppress(FileNotFoundError):
                if exists(fs, op[1]):
                    fs.delete_file(op[1])


def recover_staging(fs: pafs.FileSystem, staging: str, fence: Callable[[], None] = _no_fence) -> dict:
    """Finish batches whose manifest was committed; discard staging of batches that never committed."""
    finished = discarded = 0
    for info in [] if not exists(fs, staging) else fs.get_file_info(pafs.FileSelector(staging)):
        if info.type == pafs.FileType.Directory:
            manifest = read_json(fs, f"{info.path}/{MANIFEST}")
            if manifest is not None:
                apply_manifest(fs, info.path, manifest, fence)
                finished += 1
            else:
                discarded += 1
            fs.delete_dir(info.path)
    return {"finished": finished, "discarded": discarded}


def stale_temporaries(fs: pafs.FileSystem, folder: str, min_age_s: float = 3600.0) -> list[pafs.FileInfo]:
    """Leftover temporary files of atomic writes; recent ones may belong to a live writer (run rows take no lock)."""
    if not exists(fs, folder):
        return []
    return [i for i in fs.get_file_info(pafs.FileSelector(folder))
            if i.base_name.startswith(".") and ".tmp-" in i.base_name
            and i.mtime.timestamp() < time.time() - min_age_s]
