"""Stage and publish: part files written under _staging/<batch_id>/, the manifest as commit point, then moves.

The crash-safety protocol (warehouse/README.md): before the manifest exists the batch does not
exist; once it exists, applying it (moving staged files over their final names, then deleting)
is idempotent, so recovery finishes it after a crash.
"""

from __future__ import annotations

import contextlib
import json
import time

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse.failpoints import checkpoint
from warehouse.files import exists, read_json, write_atomic

STAGING = "_staging"
MANIFEST = "MANIFEST.json"


class Staging:
    """The part files of one batch being committed, and the committed files it deletes."""

    def __init__(self, fs: pafs.FileSystem, stage_dir: str, batch_id: str):
        self.fs, self.stage_dir, self.batch_id = fs, stage_dir, batch_id
        self.moves: list[tuple[str, str]] = []  # (staged name, final path), in the order they are applied
        self.deletes: list[str] = []
        self.rows_written: dict[str, int] = {}

    def stage(self, table: pa.Table, final: str) -> None:
        """Write `table` under the staging folder; it is moved to `final` when the batch is published."""
        name = f"{len(self.moves) + 1:05d}.parquet"
        self.fs.create_dir(self.stage_dir, recursive=True)
        pq.write_table(table, f"{self.stage_dir}/{name}", filesystem=self.fs, compression="zstd")
        self.moves.append((name, final))
        checkpoint("commit.staged")

    def delete(self, path: str) -> None:
        self.deletes.append(path)

    def count(self, table: str, rows: int) -> None:
        self.rows_written[table] = self.rows_written.get(table, 0) + rows

    def discard(self) -> None:
        """Drop what was staged (a batch refused before its manifest: what recovery would do later)."""
        if exists(self.fs, self.stage_dir):
            self.fs.delete_dir(self.stage_dir)
        self.moves.clear()
        self.deletes.clear()

    def publish(self, run_id: str) -> None:
        """The commit point (the manifest, written atomically), then the moves and deletions."""
        if not (self.moves or self.deletes):
            return
        self.fs.create_dir(self.stage_dir, recursive=True)
        manifest = {"batch_id": self.batch_id, "run_id": run_id, "moves": self.moves, "deletes": self.deletes}
        write_atomic(self.fs, f"{self.stage_dir}/{MANIFEST}", json.dumps(manifest).encode())
        checkpoint("commit.manifest")
        apply_manifest(self.fs, self.stage_dir, manifest)
        checkpoint("commit.applied")
        self.fs.delete_dir(self.stage_dir)


def apply_manifest(fs: pafs.FileSystem, stage_dir: str, manifest: dict) -> None:
    """Move staged files into place (in staging order: articles last, as the commit record), then deletions."""
    for staged, final in manifest["moves"]:
        src = f"{stage_dir}/{staged}"
        if exists(fs, src):  # else moved before a crash: applying is idempotent
            fs.create_dir(final.rsplit("/", 1)[0], recursive=True)
            fs.move(src, final)
            checkpoint("commit.moved")
    for path in manifest["deletes"]:
        with contextlib.suppress(FileNotFoundError):
            if exists(fs, path):
                fs.delete_file(path)


def recover_staging(fs: pafs.FileSystem, staging: str) -> dict:
    """Finish batches whose manifest was committed; discard staging of batches that never committed."""
    finished = discarded = 0
    for info in [] if not exists(fs, staging) else fs.get_file_info(pafs.FileSelector(staging)):
        if info.type == pafs.FileType.Directory:
            manifest = read_json(fs, f"{info.path}/{MANIFEST}")
            if manifest is not None:
                apply_manifest(fs, info.path, manifest)
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
