"""Compaction: the many small part files of a partition rewritten as one, published like a batch commit.

Every batch adds one part file per table and partition, so a warehouse fed by scheduled runs
grows thousands of small files that every reader opens. Compaction stages one file in place of a
partition's small files and publishes it through a manifest (warehouse/staging.py), under the
writer lock: a crash at any point leaves the old files or the new one, never both after recovery.

Article tables are compacted partition by partition, all of them together and under one new file
name, so an article's rows keep living in files of the same name in every table (the ledger finds
a changed article's old rows by that name). The steps are ordered as a commit of changed articles:
the small `articles` files go first (the partition's articles leave the view of a reader who joins
facts to `articles`), then each fact table's files are swapped, then the compacted `articles` file
comes in — such a reader sees each article with all of its rows or not at all.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse.contract import ContractError, Table
from warehouse.ledger import LEDGER_TABLE
from warehouse.parts import PartFiles
from warehouse.staging import Staging
from warehouse.tables import ARTICLE_TABLES, TABLES

RUNS = "runs"


@dataclass
class CompactionResult:
    """Part files per table before and after, and the partitions rewritten."""

    files_before: dict[str, int] = field(default_factory=dict)
    files_after: dict[str, int] = field(default_factory=dict)
    partitions: list[str] = field(default_factory=list)  # "<table or 'articles…'>/<partition folder>"


@dataclass(frozen=True)
class Group:
    """Files compacted together: the same-named files of every article table in one partition, or the small
    files of one folder of another table."""

    folder: str  # partition folder relative to the table ("" for an unpartitioned table)
    tables: tuple[Table, ...]
    names: tuple[str, ...]  # part file names, in name (= commit) order


def compaction_id() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}-compact-{uuid.uuid4().hex[:8]}"


def small_files_by_folder(parts: PartFiles, table: Table, small_bytes: int) -> dict[str, list[pafs.FileInfo]]:
    """A table's part files smaller than `small_bytes`, by partition folder (relative to the table)."""
    root = parts.table_path(table.name) + "/"
    by_folder: dict[str, list[pafs.FileInfo]] = defaultdict(list)
    for info in parts.part_files(table.name):
        if info.size is not None and info.size < small_bytes:
            by_folder[info.path[len(root):].rpartition("/")[0]].append(info)
    return by_folder


def plan(parts: PartFiles, min_files: int, small_bytes: int, folders: set[str] | None = None,
         tables: set[str] | None = None) -> list[Group]:
    """The groups with at least `min_files` small files: of the article partitions in `folders` and of the
    other tables in `tables` (None: all of them)."""
    least = max(min_files, 2)
    groups = [Group(folder, ARTICLE_TABLES, tuple(i.base_name for i in infos))
              for folder, infos in sorted(small_files_by_folder(parts, TABLES[LEDGER_TABLE], small_bytes).items())
              if len(infos) >= least and (folders is None or folder in folders)] if folders != set() else []
    for table in TABLES.values():
        if table.article_scoped or table.write == "replace" or (tables is not None and table.name not in tables):
            continue  # replace tables are one rewrite already
        if table.name == RUNS:
            names = finished_run_files(parts, small_bytes, least)
            groups += [Group("", (table,), names)] if len(names) >= least else []
            continue
        groups += [Group(folder, (table,), tuple(i.base_name for i in infos))
                   for folder, infos in sorted(small_files_by_folder(parts, table, small_bytes).items())
                   if len(infos) >= least]
    return groups


def stage_group(parts: PartFiles, group: Group, staging: Staging) -> list[str]:
    """Stage one group's compacted files and the removal of its small files, in reader-safe order.
    Returns the names of the tables rewritten (none when a file does not conform, e.g. an older schema)."""
    merged: dict[str, pa.Table] = {}
    try:
        for table in group.tables:
            rows = _read_group(parts, table, group)
            if rows is not None:
                merged[table.name] = rows
    except ContractError:
        return []  # files of another schema version: left as they are
    new_name = f"part-{staging.batch_id}.parquet"
    if group.tables == ARTICLE_TABLES:
        for name in group.names:  # the articles go first: the partition leaves a joining reader's view
            staging.delete(parts.path(LEDGER_TABLE, group.folder, name))
    for table in sorted(group.tables, key=lambda t: t.name == LEDGER_TABLE):
        if table.name not in merged:
            continue
        staging.stage(merged[table.name], parts.path(table.name, *filter(None, [group.folder]), new_name))
        if table.name != LEDGER_TABLE or group.tables != ARTICLE_TABLES:
            for name in group.names:
                staging.delete(parts.path(table.name, *filter(None, [group.folder]), name))
    return sorted(merged)


def _read_group(parts: PartFiles, table: Table, group: Group) -> pa.Table | None:
    """The rows of a group's files of one table (their stored columns), or None when it has none of them."""
    pieces = []
    for name in group.names:
        path = parts.path(table.name, *filter(None, [group.folder]), name)
        if parts.exists(path):
            pieces.append(pq.read_table(path, filesystem=parts.fs))
    if not pieces:
        return None
    return table.to_arrow(pa.concat_tables(pieces, promote_options="default"))


def finished_run_files(parts: PartFiles, small_bytes: int, least: int) -> tuple[str, ...]:
    """The small run files whose runs are over (a running run still replaces its own file); their rows are
    read only when there are enough files to compact."""
    infos = [i for i in parts.part_files(RUNS) if i.size is not None and i.size < small_bytes]
    if len(infos) < least:
        return ()
    return tuple(i.base_name for i in infos
                 if "running" not in pq.read_table(i.path, filesystem=parts.fs, columns=["status"])["status"].to_pylist())
