"""The Parquet store: atomic, idempotent batch commits of every table, with crash recovery and a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple
from hashlib import sha256

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from tasks.common import VIETNAM_TZ
from warehouse.contract import Table
from warehouse.files import read_bytes, resolve_filesystem, write_atomic
from warehouse.failpoints import checkpoint
from warehouse.tables import APPEND_TABLES, ARTICLE_TABLES, TABLES

STAGING = "_staging"
MANIFEST = "MANIFEST.json"


class LedgerEntry(NamedTuple):
    """What a commit needs to know of an article already in the warehouse (one per article: kept small)."""

    content_hash: str
    extractor_versions: str
    run_id: str
    batch_id: str
    input_uri: str
    partition: str  # its folder: source=…/year=…/month=…


LEDGER_FIELDS = ["article_id", "content_hash", "extractor_versions", "run_id", "batch_id", "input_uri",
                 "source", "year", "month"]
# What a commit needs of each incoming article to decide its fate and partition.
_DECISION_COLUMNS = ["article_id", "content_hash", "extractor_versions", "uri", "source_name", "raw_location",
                     "published_at", "fetched_at"]
PARTITION_SCHEMA = pa.schema([("source", pa.string()), ("year", pa.int32()), ("month", pa.int32())])
_SLUG_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_process_lock = threading.RLock()  # flock is per open file; this serialises threads of one process too


def source_slug(name: str) -> str:
    """A partition-safe folder name for a source label: no '/', '..', '=', NUL; at most 80 characters."""
    slug = _SLUG_UNSAFE.sub("-", name.lower()).strip(".-_") or "source"
    if len(slug) > 80 or slug != name.lower():
        slug = f"{slug[:60].strip('.-_')}-{sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return slug


def input_id_for(uri: str) -> str:
    return sha256(uri.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class CommitResult:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article_id, reason) rejected in this commit
    rows_written: dict[str, int] = field(default_factory=dict)


class Warehouse:
    """One warehouse root (local folder or s3://…). All writes go through `commit` under the lock."""

    def __init__(self, root: str):
        self.root = root
        self.fs, self.base = resolve_filesystem(root)
        self.is_local = isinstance(self.fs, pafs.LocalFileSystem)
        self.fs.create_dir(self.base, recursive=True)
        self._file_cache: dict[tuple, tuple[int, int, pa.Table]] = {}
        self._row_counts: dict[str, tuple[int, int, int]] = {}  # path -> (size, mtime, rows in its footer)
        self._ledger: dict[str, LedgerEntry] = {}
        self._ledger_files: dict[str, tuple[tuple[int, int], list[str]]] = {}  # path -> (stamp, article ids)

    # ---- paths -----------------------------------------------------------------------------
    def path(self, *parts: str) -> str:
        return "/".join([self.base, *parts])

    def table_path(self, name: str) -> str:
        return self.path(name)

    def uri(self, *parts: str) -> str:
        """User-facing location (what pandas/DuckDB are given)."""
        if self.is_local:
            return self.path(*parts)
        return "s3://" + self.path(*parts)

    def _exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type != pafs.FileType.NotFound

    # ---- lock ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout_s: float = 600.0):
        """Exclusive writer lock. Local: flock (released by the kernel if the process dies).

        Object storage has no atomic create-if-absent through pyarrow: there a lease object is
        written and read back, which protects against accidents but is not linearisable (see
        warehouse/README.md).
        """
        with _process_lock:
            if self.is_local:
                fd = os.open(self.path("_lock"), os.O_CREAT | os.O_RDWR, 0o644)
                try:
                    deadline = time.monotonic() + timeout_s
                    while True:
                        try:
                            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                            break
                        except BlockingIOError:
                            if time.monotonic() > deadline:
                                raise TimeoutError(f"warehouse {self.root} is locked by another writer")
                            time.sleep(0.05)
                    yield
                finally:
                    os.close(fd)  # closing releases the flock
            else:
                yield from self._lease(timeout_s)

    def _lease(self, timeout_s: float):
        me, lease = uuid.uuid4().hex, self.path("_lock.json")
        deadline = time.monotonic() + timeout_s
        while True:
            holder = self._read_json(lease)
            if holder is None or holder.get("expires", 0) < time.time():
                write_atomic(self.fs, lease, json.dumps({"owner": me, "expires": time.time() + 600}).encode())
                time.sleep(0.2)  # let a racing writer's put land, then see who won
                if (self._read_json(lease) or {}).get("owner") == me:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"warehouse {self.root} is locked by another writer")
            time.sleep(0.5)
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError, OSError):
                self.fs.delete_file(lease)

    # ---- small-file helpers ---------------------------------------------------------------
    def _read_json(self, path: str):
        try:
            return json.loads(read_bytes(self.fs, path) or b"null")
        except ValueError:
            return None

    # ---- reading ---------------------------------------------------------------------------
    def _table_files(self, name: str) -> list[pafs.FileInfo]:
        root = self.table_path(name)
        if not self._exists(root):
            return []
        selector = pafs.FileSelector(root, recursive=True)
        return sorted(
            (i for i in self.fs.get_file_info(selector)
             if i.type == pafs.FileType.File and i.base_name.endswith(".parquet")
             and not i.base_name.startswith((".", "_"))),
            key=lambda i: i.path,
        )

    def _read_file(self, info: pafs.FileInfo, columns: list[str] | None) -> pa.Table:
        """One part file (only `columns`, partition values included); cached by path, columns, size, mtime."""
        stamp = (info.size, info.mtime_ns or 0)
        key = (info.path, tuple(columns) if columns else None)
        cached = self._file_cache.get(key)
        if cached is None or cached[:2] != stamp:
            with self.fs.open_input_file(info.path) as f:  # one open: footer and columns (3x faster)
                part = pq.ParquetFile(f)
                file_columns = part.schema_arrow.names
                wanted = [c for c in columns if c in file_columns] if columns else None
                table = part.read(columns=wanted)
            for name, value in re.findall(r"/([a-z_]+)=([^/]+)", info.path[len(self.base):]):
                if columns is None or name in columns:
                    table = table.append_column(name, pa.array([value] * table.num_rows).cast(_partition_field(name).type))
            self._file_cache[key] = cached = (*stamp, table)
        return cached[2]

    def read_table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """A whole table (partition columns included) as one pyarrow Table; empty with its schema if absent."""
        parts = [self._read_file(i, columns) for i in self._table_files(name)]
        if not parts:
            return _empty(TABLES[name], columns)
        return pa.concat_tables(parts, promote_options="default")

    def count_rows(self, name: str) -> int:
        """Rows of a table from the Parquet footers only (no data read); a file's footer is read once."""
        total = 0
        for info in self._table_files(name):
            stamp = (info.size, info.mtime_ns or 0)
            cached = self._row_counts.get(info.path)
            if cached is None or cached[:2] != stamp:
                with self.fs.open_input_file(info.path) as f:
                    self._row_counts[info.path] = cached = (*stamp, pq.ParquetFile(f).metadata.num_rows)
            total += cached[2]
        return total

    def ledger(self) -> dict[str, LedgerEntry]:
        """article_id -> what a commit needs to know of each committed article.

        Kept up to date incrementally: only part files added or rewritten since the last call are
        read, so the commits of a run do not re-read the whole table each time. Values repeated
        down a file (versions, run, batch, partition) are shared, not copied per article: at 100k
        articles the ledger is the flow process's largest structure.
        """
        files = {i.path: i for i in self._table_files("articles")}
        for path in set(self._ledger_files) - set(files):
            self._forget_ledger_file(path)
        for path, info in files.items():
            stamp = (info.size, info.mtime_ns or 0)
            if path in self._ledger_files and self._ledger_files[path][0] == stamp:
                continue
            self._forget_ledger_file(path)
            columns = self._read_file(info, LEDGER_FIELDS).to_pydict()
            self._file_cache.pop((path, tuple(LEDGER_FIELDS)), None)  # the ledger holds these rows already
            one_copy: dict[str, str] = {}
            share = lambda value: one_copy.setdefault(value, value)  # noqa: E731
            ids = columns["article_id"]
            for i, aid in enumerate(ids):
                self._ledger[aid] = LedgerEntry(
                    columns["content_hash"][i], share(columns["extractor_versions"][i]), share(columns["run_id"][i]),
                    share(columns["batch_id"][i]), columns["input_uri"][i],
                    share(_partition_dir(columns["source"][i], columns["year"][i], columns["month"][i])))
            self._ledger_files[path] = (stamp, ids)
        return dict(self._ledger)

    def _forget_ledger_file(self, path: str) -> None:
        for aid in self._ledger_files.pop(path, (None, ()))[1]:
            self._ledger.pop(aid, None)

    # ---- recovery --------------------------------------------------------------------------
    def recover(self) -> dict:
        """Finish batches whose manifest was committed; discard staging of batches that never committed."""
        staging = self.path(STAGING)
        finished = discarded = 0
        for info in [] if not self._exists(staging) else self.fs.get_file_info(pafs.FileSelector(staging)):
            if info.type == pafs.FileType.Directory:
                manifest = self._read_json(f"{info.path}/{MANIFEST}")
                if manifest is not None:
                    self._apply(info.path, manifest)
                    finished += 1
                else:
                    discarded += 1
                self.fs.delete_dir(info.path)
        for info in self._hidden_temporaries("runs"):  # a run row killed mid-write
            self.fs.delete_file(info.path)
        return {"finished": finished, "discarded": discarded}

    def _hidden_temporaries(self, name: str, min_age_s: float = 3600.0) -> list[pafs.FileInfo]:
        """Leftover temporary files; recent ones may belong to a live writer (run rows take no lock)."""
        if not self._exists(self.table_path(name)):
            return []
        return [i for i in self.fs.get_file_info(pafs.FileSelector(self.table_path(name)))
                if i.base_name.startswith(".") and ".tmp-" in i.base_name
                and i.mtime.timestamp() < time.time() - min_age_s]

    def _apply(self, stage_dir: str, manifest: dict) -> None:
        """Move staged files into place (articles last: it is the commit record), then deletions."""
        for staged, final in manifest["moves"]:
            src = f"{stage_dir}/{staged}"
            if self._exists(src):  # else moved before a crash: applying is idempotent
                self.fs.create_dir(final.rsplit("/", 1)[0], recursive=True)
                self.fs.move(src, final)
                checkpoint("commit.moved")
        for path in manifest["deletes"]:
            with contextlib.suppress(FileNotFoundError):
                if self._exists(path):
                    self.fs.delete_file(path)

    # ---- writing ---------------------------------------------------------------------------
    def commit(self, rows: dict[str, list[dict] | pa.Table], run_id: str, batch_label: str = "batch") -> CommitResult:
        """Write one batch of all tables atomically and idempotently.

        `rows` maps table name -> rows (dicts); an article table's rows may also come as an Arrow
        table of its declared file schema.
        `rows["articles"]` decides the fate of each article: new -> written; unchanged (same
        content hash and extractor versions) -> incoming rows dropped, old rows (and run_id)
        kept; changed -> old rows in every table replaced. Rows of the other article tables are
        written only for new/changed articles. `rows["rejects"]` replaces the reject state of
        those inputs; inputs loaded successfully clear their old rejects.
        """
        tables = {t.name: t.to_arrow(rows[t.name]) for t in ARTICLE_TABLES if t.name in rows}
        articles = tables.get("articles")
        arts = articles.select(_DECISION_COLUMNS).to_pylist() if articles is not None else []
        with self.lock():
            self.recover()
            checkpoint("commit.locked")
            ledger = self.ledger()
            result = CommitResult()
            batch_id = f"{time.strftime('%Y%m%d%H%M%S')}-{batch_label}-{uuid.uuid4().hex[:8]}"
            keep: dict[str, int] = {}  # article id -> its row in `articles` (the first copy)
            old_locations: dict[tuple[str, str], set[str]] = defaultdict(set)  # (batch, partition) -> ids
            for index, art in enumerate(arts):
                aid, old = art["article_id"], ledger.get(art["article_id"])
                if aid in keep:
                    result.duplicates.append((aid, f"duplicate article id in one batch: {art['uri']}"))
                    continue
                if old is None:
                    result.new.append(aid)
                elif old.content_hash == art["content_hash"] and old.extractor_versions == art["extractor_versions"]:
                    result.unchanged.append(aid)
                    continue
                elif old.run_id == run_id:
                    result.duplicates.append(
                        (aid, f"same article id as {old.input_uri} (same canonical URL) but different text"))
                    continue
                else:
                    result.changed.append(aid)
                    old_locations[(old.batch_id, old.partition)].add(aid)
                keep[aid] = index

            stage_dir = self.path(STAGING, batch_id)
            moves: list[tuple[str, str]] = []
            deletes: list[str] = []
            n = 0

            def stage(table: pa.Table, final: str) -> None:
                nonlocal n
                n += 1
                name = f"{n:05d}.parquet"
                self.fs.create_dir(stage_dir, recursive=True)
                pq.write_table(table, f"{stage_dir}/{name}", filesystem=self.fs, compression="zstd")
                moves.append((name, final))
                checkpoint("commit.staged")

            # Old rows of changed articles: rewrite the part files that hold them.
            for table in ARTICLE_TABLES:
                for (old_batch, part_dir), ids in old_locations.items():
                    path = self.path(table.name, part_dir, f"part-{old_batch}.parquet")
                    if not self._exists(path):
                        continue
                    old_t = pq.read_table(path, filesystem=self.fs)
                    remaining = old_t.filter(pc.invert(pc.is_in(old_t["article_id"], pa.array(sorted(ids)))))
                    if remaining.num_rows:
                        stage(remaining, path)
                    else:
                        deletes.append(path)

            # New rows, one part file per table and partition; articles staged last = moved last.
            partitions = {aid: _partition_of(arts[index]) for aid, index in keep.items()}
            ordered = sorted(ARTICLE_TABLES, key=lambda t: t.name == "articles")
            for table in ordered:
                incoming_rows = tables.get(table.name)
                if table.name == "articles" and keep:  # the kept copies, stamped with this batch
                    incoming_rows = incoming_rows.take(pa.array(sorted(keep.values())))
                    incoming_rows = incoming_rows.set_column(incoming_rows.schema.get_field_index("batch_id"), "batch_id",
                                                             pa.array([batch_id] * incoming_rows.num_rows, pa.string()))
                by_part: dict[str, list[int]] = defaultdict(list)  # partition -> row indices
                if incoming_rows is not None and keep:
                    for i, aid in enumerate(incoming_rows.column("article_id").to_pylist()):
                        if aid in keep:
                            by_part[partitions[aid]].append(i)
                for part_dir, indices in sorted(by_part.items()):
                    stage(incoming_rows.take(pa.array(indices)),
                          self.path(table.name, part_dir, f"part-{batch_id}.parquet"))
                result.rows_written[table.name] = sum(len(v) for v in by_part.values())

            # Append tables (logs such as `fetches`): new rows only, partitioned by their own values
            # (partition columns are not stored in the files, so these rows come as dicts).
            for table in APPEND_TABLES:
                by_part = defaultdict(list)
                for r in rows.get(table.name, []):
                    by_part["/".join(f"{p}={r[p]}" for p in table.partition_by)].append(r)
                for part_dir, part_rows in sorted(by_part.items()):
                    stage(table.to_arrow(part_rows), self.path(table.name, *filter(None, [part_dir]),
                                                              f"part-{batch_id}.parquet"))
                    result.rows_written[table.name] = result.rows_written.get(table.name, 0) + len(part_rows)

            # Rejects: current state per input; merged in one rewrite of the (small) table.
            incoming = list(rows.get("rejects", []))
            first_copy = {a["article_id"]: a for a in reversed(arts)}
            for aid, reason in result.duplicates:
                art = first_copy[aid]
                incoming.append(reject_row(run_id, "load", reason, art.get("source_name"), art["uri"],
                                           art.get("raw_location"), aid))
            loaded_inputs = {input_id_for(arts[index]["uri"]) for index in keep.values()} | {
                input_id_for(a["uri"]) for a in arts if a["article_id"] in result.unchanged}
            if incoming or loaded_inputs:
                self._merge_rejects(incoming, loaded_inputs, batch_id, stage, deletes, result)

            if moves or deletes:
                self.fs.create_dir(stage_dir, recursive=True)
                write_atomic(self.fs, f"{stage_dir}/{MANIFEST}",
                                  json.dumps({"batch_id": batch_id, "run_id": run_id, "moves": moves,
                                              "deletes": deletes}).encode())
                checkpoint("commit.manifest")
                self._apply(stage_dir, {"moves": moves, "deletes": deletes})
                checkpoint("commit.applied")
                self.fs.delete_dir(stage_dir)
            return result

    def _merge_rejects(self, incoming, loaded_inputs, batch_id, stage, deletes, result) -> None:
        current = self.read_table("rejects").to_pylist()
        by_key = {(r["input_id"], r["stage"], r["reason"]): r for r in current}
        redo = {r["input_id"] for r in incoming} | loaded_inputs
        merged = [r for r in current if r["input_id"] not in redo]
        for r in incoming:  # an identical earlier reject keeps its first run_id and time
            merged.append(by_key.get((r["input_id"], r["stage"], r["reason"]), r))
        merged = list({(r["input_id"], r["stage"], r["reason"]): r for r in merged}.values())
        if sorted(map(_row_key, merged)) == sorted(map(_row_key, current)):
            return
        for info in self._table_files("rejects"):
            deletes.append(info.path)
        if merged:
            stage(TABLES["rejects"].to_arrow(merged), self.path("rejects", f"part-{batch_id}.parquet"))
        result.rows_written["rejects"] = len(merged)

    # ---- runs ------------------------------------------------------------------------------
    def write_run(self, row: dict) -> None:
        """The run's row, replaced as the run progresses (running -> completed/failed)."""
        table = TABLES["runs"].to_arrow([row])
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        write_atomic(self.fs, self.path("runs", f"run-{row['run_id']}.parquet"), sink.getvalue().to_pybytes())

    def mark_interrupted_runs(self, alive) -> list[str]:
        """Runs left 'running' by a process that no longer exists become 'interrupted'."""
        marked = []
        for row in self.read_table("runs").to_pylist():
            if row["status"] == "running" and not alive(row):
                row["status"] = "interrupted"
                row["error"] = "the run stopped without finishing (killed or crashed); a rerun completes its work"
                self.write_run({k: v for k, v in row.items() if k in TABLES["runs"].column_names})
                marked.append(row["run_id"])
        return marked


def _partition_field(name: str) -> pa.Field:
    return PARTITION_SCHEMA.field(name) if name in PARTITION_SCHEMA.names else pa.field(name, pa.string())


def _row_key(r: dict) -> tuple:
    return (r["input_id"], r["stage"], r["reason"], r.get("run_id"))


def reject_row(run_id, stage, reason, source_name, uri, location=None, article_id=None, detail=None) -> dict:
    return {
        "input_id": input_id_for(uri), "stage": stage, "reason": reason, "detail": detail,
        "source_name": source_name, "uri": uri, "location": location, "article_id": article_id,
        "run_id": run_id, "rejected_at": datetime.now(timezone.utc),
    }


def _partition_of(article: dict) -> str:
    when = article.get("published_at") or article.get("fetched_at") or datetime.now(timezone.utc)
    if when.tzinfo is not None:
        when = when.astimezone(VIETNAM_TZ)
    return _partition_dir(source_slug(article.get("source_name") or "source"), when.year, when.month)


def _partition_dir(source: str, year: int, month: int) -> str:
    return f"source={source}/year={year}/month={month}"


def _empty(table: Table, columns: list[str] | None) -> pa.Table:
    schema = table.file_schema()
    for p in table.partition_by:
        schema = schema.append(_partition_field(p))
    if columns:
        schema = pa.schema([schema.field(c) for c in columns if c in schema.names])
    return schema.empty_table()

