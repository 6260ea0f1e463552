"""The Parquet store: atomic, idempotent batch commits of every table, with crash recovery and a lock."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha256

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.settings import load_settings
from warehouse.compaction import CompactionResult, Group, compaction_id, plan, stage_group
from warehouse.contract import Table
from warehouse.failpoints import checkpoint
from warehouse.files import write_atomic
from warehouse.ledger import LEDGER_TABLE, Decision, Ledger, LedgerEntry, decide
from warehouse.lock import writer_lock
from warehouse.partitions import source_slug
from warehouse.parts import PartFiles
from warehouse.staging import MANIFEST, STAGING, Staging, recover_staging, stale_temporaries
from warehouse.tables import TABLES
from warehouse.writers import Batch, conform, stage_batch

__all__ = ["MANIFEST", "STAGING", "CommitResult", "CompactionResult", "Warehouse", "input_id_for", "reject_row",
           "source_slug"]

RUNS: Table = TABLES["runs"]  # merged by run_id outside batch commits: each run's row is its own file
REJECTS: Table = TABLES["rejects"]  # where the load stage's own rejects (duplicate articles) go


@dataclass
class CommitResult:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article_id, reason) rejected in this commit
    rows_written: dict[str, int] = field(default_factory=dict)


class Warehouse(PartFiles):
    """One warehouse root (local folder or s3://…). All batch writes go through `commit` under the lock."""

    def __init__(self, root: str):
        super().__init__(root)
        self._ledger = Ledger()

    def lock(self, timeout_s: float = 600.0):
        """Exclusive writer lock (see warehouse/lock.py and warehouse/README.md); yields its `Fence`."""
        return writer_lock(self.fs, self.base, self.is_local, self.root, timeout_s)

    def ledger(self) -> dict[str, LedgerEntry]:
        """article_id -> what a commit needs to know of each committed article (read incrementally)."""
        return self._ledger.refresh(self)

    def recover(self) -> dict:
        """Finish batches whose manifest was committed; discard staging of batches that never committed."""
        with self.lock() as fence:  # the lock is held already by every caller: this reuses it and its fence
            done = recover_staging(self.fs, self.path(STAGING), fence.check)
        for info in stale_temporaries(self.fs, self.table_path(RUNS.name)):  # a run row killed mid-write
            self.fs.delete_file(info.path)
        return done

    # ---- batch commits ---------------------------------------------------------------------
    def commit(self, rows: dict[str, list | pa.Table], run_id: str, batch_label: str = "batch") -> CommitResult:
        """Write one batch of all tables atomically and idempotently: decide, stage, publish.

        `rows` maps table name -> rows (records or dicts; an unpartitioned or article table's rows
        may also come as an Arrow table of its file schema). Each table is written as its contract
        declares (warehouse/writers.py): `rows["articles"]` decides the fate of each article — new
        -> written; unchanged (same content hash and extractor versions) -> incoming rows dropped,
        old rows (and run_id) kept; changed -> old rows in every table replaced. `rows["rejects"]`
        replaces the reject state of those inputs; inputs loaded successfully clear their old rejects.
        A row breaking its contract, or a repeated key, raises ContractError and commits nothing.
        """
        incoming = conform(rows, written_elsewhere=(RUNS,))
        with self.lock() as fence:
            self.recover()
            checkpoint("commit.locked")
            batch_id = f"{time.strftime('%Y%m%d%H%M%S')}-{batch_label}-{uuid.uuid4().hex[:8]}"
            decision = decide(self.ledger(), incoming.get(LEDGER_TABLE, {}).get(""), run_id)
            batch = Batch(incoming, decision, self._settle_rejects(incoming, decision, run_id))
            staging = Staging(self.fs, self.path(STAGING, batch_id), batch_id)
            try:
                stage_batch(self, batch, staging)
            except BaseException:  # e.g. a repeated key: the batch never existed
                staging.discard()
                raise
            staging.publish(run_id, fence.check)
            self._compact_after_commit(set(decision.partitions.values()), set(incoming))
        return CommitResult(decision.new, decision.changed, decision.unchanged, decision.duplicates,
                            staging.rows_written)

    # ---- compaction ------------------------------------------------------------------------
    def compact(self, min_files: int = 2, small_bytes: int | None = None) -> CompactionResult:
        """Rewrite each partition's small part files (under `small_bytes`, at least `min_files` of them) as one,
        under the lock and the commit protocol (warehouse/compaction.py); safe beside writers and readers."""
        result = CompactionResult()
        with self.lock() as fence:
            self.recover()
            result.files_before = {name: len(self.part_files(name)) for name in TABLES}
            for group in plan(self, min_files, small_bytes or load_settings().compact_small_bytes):
                self._compact_group(group, fence, result)
            result.files_after = {name: len(self.part_files(name)) for name in TABLES}
        return result

    def _compact_group(self, group: Group, fence, result: CompactionResult) -> None:
        cid = compaction_id()
        staging = Staging(self.fs, self.path(STAGING, cid), cid)
        try:
            tables = stage_group(self, group, staging)
        except BaseException:
            staging.discard()
            raise
        staging.publish("compaction", fence.check)
        if tables:
            result.partitions.append(f"{group.tables[0].name if len(group.tables) == 1 else 'article tables'}"
                                     f"/{group.folder}".rstrip("/"))

    def _compact_after_commit(self, article_folders: set[str], tables: set[str]) -> None:
        """Automatic compaction (under the commit's lock) of the folders a commit added to, and of the finished
        runs, once one holds `compact_min_files` small files."""
        settings = load_settings()
        if settings.compact_min_files <= 0:
            return
        with self.lock() as fence:
            groups = plan(self, settings.compact_min_files, settings.compact_small_bytes, article_folders,
                          tables | {RUNS.name})
            for group in groups:
                self._compact_group(group, fence, CompactionResult())

    @staticmethod
    def _settle_rejects(incoming: dict, decision: Decision, run_id: str) -> dict[str, set[tuple]]:
        """The reject state this commit settles: duplicate articles become load rejects (added to the batch's
        `rejects` rows), and every input now loaded (written or unchanged) loses its old rejects (returned as
        the merge groups of `rejects` the batch replaces)."""
        given = incoming.get(REJECTS.name, {}).get("")
        known = set(map(tuple, given.select(list(REJECTS.key)).to_pylist())) if given is not None else set()
        own = []
        for aid, reason in decision.duplicates:
            art = decision.first_copy(aid)
            row = reject_row(run_id, "load", reason, art.get("source_name"), art["uri"], art.get("raw_location"), aid)
            if REJECTS.key_of(row) not in known:
                known.add(REJECTS.key_of(row))
                own.append(row)
        if own:
            parts = [given, REJECTS.to_arrow(own)] if given is not None else [REJECTS.to_arrow(own)]
            incoming[REJECTS.name] = {"": pa.concat_tables(parts)}
        return {REJECTS.name: {(input_id_for(uri),) for uri in decision.loaded_uris()}}

    # ---- runs ------------------------------------------------------------------------------
    def write_run(self, row) -> None:
        """The run's row (a record or dict), replaced as the run progresses (running -> completed/failed).

        `runs` merges by run_id: each run's row is its own file, replaced atomically, without the
        lock (only the run writes it, and another run only once this one's process is gone).
        """
        table = RUNS.to_arrow([row])
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        run_id = table["run_id"][0].as_py()
        write_atomic(self.fs, self.path(RUNS.name, f"run-{run_id}.parquet"), sink.getvalue().to_pybytes())

    def mark_interrupted_runs(self, alive) -> list[str]:
        """Runs left 'running' by a process that no longer exists become 'interrupted'."""
        marked = []
        for row in self.read_table(RUNS.name).to_pylist():
            if row["status"] == "running" and not alive(row):
                row["status"] = "interrupted"
                row["error"] = "the run stopped without finishing (killed or crashed); a rerun completes its work"
                self.write_run(RUNS.record(**{k: v for k, v in row.items() if k in RUNS.file_columns}))
                marked.append(row["run_id"])
        return marked


def input_id_for(uri: str) -> str:
    """The stable id of an input in `rejects`: a hash of where it came from."""
    return sha256(uri.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def reject_row(run_id, stage, reason, source_name, uri, location=None, article_id=None, detail=None):
    """One row of `rejects` (a typed record)."""
    return REJECTS.record(
        input_id=input_id_for(uri), stage=stage, reason=reason, detail=detail, source_name=source_name, uri=uri,
        location=location, article_id=article_id, run_id=run_id, rejected_at=datetime.now(timezone.utc))
