"""Stage, per write disposition: the part files a commit writes, rewrites and deletes for each table it brings.

One writer per disposition declared in the table contracts (warehouse/contract.py); the store
dispatches on `Table.write`, never on a table's name. Every writer checks the declared key
unique in what it writes (and, for append tables, against what is committed) before staging.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.contract import ContractError, Table
from warehouse.ledger import LEDGER_TABLE, Decision
from warehouse.partitions import folder_of
from warehouse.parts import PartFiles
from warehouse.staging import Staging
from warehouse.tables import TABLES

# Rows of a table, grouped by the partition folder they name themselves ("" for every other table).
Groups = dict[str, pa.Table]


@dataclass
class Batch:
    """What one commit brings: conformed rows per table, the ledger's decision, and merge groups it settles."""

    incoming: dict[str, Groups]
    decision: Decision
    settled: dict[str, set[tuple]] = field(default_factory=dict)  # merge table -> groups replaced even without rows

    def rows(self, name: str) -> pa.Table | None:
        groups = self.incoming.get(name)
        return groups.get("") if groups else None


def conform(rows: dict[str, list | pa.Table], written_elsewhere: tuple[Table, ...] = ()) -> dict[str, Groups]:
    """Every table's rows checked against its contract (ContractError otherwise) and made Arrow tables;
    rows of a table in `written_elsewhere` (not by a batch commit) are refused too."""
    out: dict[str, Groups] = {}
    for name, given in rows.items():
        table = TABLES.get(name)
        if table is None:
            raise ContractError(f"rows given for {name!r}, which is no declared table ({', '.join(TABLES)})")
        if table in written_elsewhere:
            raise ContractError(f"table {name}: its rows are not written by a batch commit")
        out[name] = _self_partitioned(table, given) if table.partition_by and not table.article_scoped \
            else {"": table.to_arrow(given)}
    return out


def _self_partitioned(table: Table, rows: list | pa.Table) -> Groups:
    """Rows of a table partitioned by its own values (e.g. fetches by fetch_date), grouped by their folder."""
    arrow = table.to_arrow(rows)
    values = [table.partition_values[p](arrow).to_pylist() for p in table.partition_by]
    by_folder: dict[str, list[int]] = defaultdict(list)
    for index, row_values in enumerate(zip(*values)):
        by_folder[folder_of(dict(zip(table.partition_by, row_values)), table.partition_by)].append(index)
    return {folder: arrow.take(pa.array(indices)) for folder, indices in by_folder.items()}


def stage_batch(parts: PartFiles, batch: Batch, staging: Staging) -> None:
    """Stage every table the batch brings, disposition by disposition (merge first: it holds the ledger)."""
    for disposition, writer in WRITERS.items():
        tables = [t for t in TABLES.values() if t.write == disposition and _brought(t, batch)]
        writer(parts, tables, batch, staging)


def _brought(table: Table, batch: Batch) -> bool:
    if table.article_scoped:  # a changed article's old rows go from every article table
        return True
    if table.write == "replace":  # even with no rows: the table is rewritten (emptied)
        return table.name in batch.incoming
    return bool(batch.settled.get(table.name)) or any(g.num_rows for g in batch.incoming.get(table.name, {}).values())


# ---- merge ----------------------------------------------------------------------------------
def write_merge(parts: PartFiles, tables: list[Table], batch: Batch, staging: Staging) -> None:
    """Article tables: old rows of changed articles removed from every table first, then the new rows,
    `articles` last (moved last, it is the commit record). Other merge tables: merged as one file."""
    articles = [t for t in tables if t.article_scoped]
    _remove_changed_articles(parts, articles, batch.decision, staging)
    partitions = batch.decision.partitions
    for table in sorted(articles, key=lambda t: t.name == LEDGER_TABLE):
        _stage_article_rows(parts, table, batch, partitions, staging)
    for table in tables:
        if not table.article_scoped:
            _merge_whole(parts, table, batch.rows(table.name), batch.settled.get(table.name, set()), staging)


def _remove_changed_articles(parts: PartFiles, tables: list[Table], decision: Decision, staging: Staging) -> None:
    """Rewrite the part files that hold old rows of changed articles (delete those left empty)."""
    for table in tables:
        for (part_file, part_dir), ids in decision.old_locations.items():
            path = parts.path(table.name, part_dir, part_file)
            if not parts.exists(path):
                continue
            old = pq.read_table(path, filesystem=parts.fs)
            remaining = old.filter(pc.invert(pc.is_in(old["article_id"], pa.array(sorted(ids)))))
            if remaining.num_rows:
                staging.stage(remaining, path)
            else:
                staging.delete(path)


def _stage_article_rows(parts: PartFiles, table: Table, batch: Batch, partitions: dict[str, str],
                        staging: Staging) -> None:
    """The rows of written (new or changed) articles, one part file per partition, named by the batch."""
    keep, rows = batch.decision.keep, batch.rows(table.name)
    if table.name == LEDGER_TABLE and keep:  # the kept copies, stamped with this batch
        rows = rows.take(pa.array(sorted(keep.values())))
        rows = rows.set_column(rows.schema.get_field_index("batch_id"), "batch_id",
                               pa.array([staging.batch_id] * rows.num_rows, pa.string()))
    by_part: dict[str, list[int]] = defaultdict(list)  # partition -> row indices
    if rows is not None and keep:
        for i, aid in enumerate(rows.column("article_id").to_pylist()):
            if aid in keep:
                by_part[partitions[aid]].append(i)
    if by_part:
        table.check_unique(rows.take(pa.array(sorted(i for indices in by_part.values() for i in indices))))
    for part_dir, indices in sorted(by_part.items()):
        staging.stage(rows.take(pa.array(indices)), parts.path(table.name, part_dir, f"part-{staging.batch_id}.parquet"))
    staging.count(table.name, sum(len(v) for v in by_part.values()))


def _merge_whole(parts: PartFiles, table: Table, incoming: pa.Table | None, settled: set[tuple],
                 staging: Staging) -> None:
    """A small unpartitioned merge table (rejects): the batch's groups replace the committed ones, a row whose
    key is committed stays as committed (its first run and time); rewritten as one file when anything changed."""
    new_rows = incoming.to_pylist() if incoming is not None else []
    if incoming is not None:
        table.check_unique(incoming)
    current = parts.read_table(table.name).to_pylist()
    committed = {table.key_of(r): r for r in current}
    group = lambda row: tuple(row[c] for c in table.merge_key)  # noqa: E731
    redo = {group(r) for r in new_rows} | settled
    merged = [r for r in current if group(r) not in redo] + [committed.get(table.key_of(r), r) for r in new_rows]
    if Counter(map(table.key_of, merged)) == Counter(committed.keys()) and len(merged) == len(current):
        return
    _rewrite(parts, table, {"": table.to_arrow(merged)}, staging)


def _rewrite(parts: PartFiles, table: Table, groups: Groups, staging: Staging) -> None:
    """The given rows staged in place of every committed file of the table (deleted once they are in)."""
    committed = parts.part_files(table.name)
    for folder, rows in sorted(groups.items()):
        if rows.num_rows:
            staging.stage(rows, parts.path(table.name, *filter(None, [folder]), f"part-{staging.batch_id}.parquet"))
    for info in committed:
        staging.delete(info.path)
    staging.count(table.name, sum(rows.num_rows for rows in groups.values()))


# ---- append ---------------------------------------------------------------------------------
def write_append(parts: PartFiles, tables: list[Table], batch: Batch, staging: Staging) -> None:
    """New rows only, one part file per partition; a key already committed (or repeated) refuses the batch."""
    for table in tables:
        groups = batch.incoming[table.name]
        committed = parts.read_table(table.name, list(table.key))
        table.check_unique(_keys(table, groups), committed)
        for folder, rows in sorted(groups.items()):
            staging.stage(rows, parts.path(table.name, *filter(None, [folder]), f"part-{staging.batch_id}.parquet"))
            staging.count(table.name, rows.num_rows)


# ---- replace --------------------------------------------------------------------------------
def write_replace(parts: PartFiles, tables: list[Table], batch: Batch, staging: Staging) -> None:
    """The table rewritten whole from the batch's rows (none: emptied)."""
    for table in tables:
        groups = batch.incoming[table.name]
        table.check_unique(_keys(table, groups))
        _rewrite(parts, table, groups, staging)


def _keys(table: Table, groups: Groups) -> pa.Table:
    """The key columns of every group, partition values included when the key names them."""
    pieces = []
    for folder, rows in groups.items():
        values = dict(piece.split("=", 1) for piece in folder.split("/")) if folder else {}
        columns = {k: rows[k] if k in rows.column_names else pa.array([values[k]] * rows.num_rows, pa.string())
                   for k in table.key}
        pieces.append(pa.table(columns))
    return pa.concat_tables(pieces) if pieces else pa.table({k: pa.array([], pa.string()) for k in table.key})


WRITERS: dict[str, Callable[[PartFiles, list[Table], Batch, Staging], None]] = {
    "merge": write_merge,
    "append": write_append,
    "replace": write_replace,
}
