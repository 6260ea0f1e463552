"""The table contract: declared columns with documentation, keys, partitions and write disposition."""

from __future__ import annotations

import sys
from dataclasses import MISSING, dataclass, field, make_dataclass
from functools import cached_property

import pyarrow as pa
import pyarrow.compute as pc

# How a table is written, declared per table (dlt-style) and dispatched on by the store (warehouse/writers.py):
#   merge   - a commit replaces the committed rows of each group (one value of `merge_key`) it brings rows for,
#             and a group it brings unchanged stays as committed. Article tables merge by article_id (the
#             `articles` ledger decides each article's fate for all of them); `rejects` by input_id (the
#             current state per input); `runs` by run_id (a run replaces its own row as it progresses).
#   append  - every commit adds rows and nothing committed is rewritten (the `fetches` log); a key already
#             committed is refused.
#   replace - a commit that brings rows for the table (even none) rewrites it whole; tables rebuilt from the
#             others after each run (consolidated tables). A commit without the table leaves it as it is.
WRITE_DISPOSITIONS = ("merge", "append", "replace")

# Hive partition columns of article-scoped tables; they live in the folder names, not in the files.
ARTICLE_PARTITIONS = ("source", "year", "month")
ARTICLE_PARTITION_DOCS = {
    "source": "Partition: slug of the source the article came from (folder name, feed, config source).",
    "year": "Partition: year of published_at in Vietnam time (fetch date when the article has no date).",
    "month": "Partition: month (1-12) of published_at in Vietnam time (fetch date when undated).",
}


class ContractError(ValueError):
    """A table declaration, or rows given for a table, that break its contract."""


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True
    set_at_commit: bool = False  # filled in by the store when it commits (rows leave it out)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique per row within the table; checked at every commit
    write: str = "merge"
    merge_key: tuple[str, ...] = ("article_id",)  # merge tables: the group a commit replaces as one
    partition_by: tuple[str, ...] = ARTICLE_PARTITIONS
    version: int = 1
    partition_docs: dict = field(default_factory=lambda: dict(ARTICLE_PARTITION_DOCS))
    # Tables partitioned by their own values (not article tables): partition -> function of the rows (Arrow,
    # file schema) giving each row's folder value, so rows need not carry them (records and Arrow cannot).
    partition_values: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.write not in WRITE_DISPOSITIONS:
            raise ContractError(f"table {self.name}: write disposition {self.write!r} is not one of {WRITE_DISPOSITIONS}")
        names = [c.name for c in self.columns]
        if len(names) != len(set(names)):
            raise ContractError(f"table {self.name}: a column is declared twice")
        if not set(self.key) <= set(names) | set(self.partition_by):
            raise ContractError(f"table {self.name}: key {self.key} names undeclared columns")
        if self.write == "merge":
            self._check_merge_layout()
        if self.partition_by and not self.article_scoped and set(self.partition_values) != set(self.partition_by):
            raise ContractError(f"table {self.name}: partitions {self.partition_by} need a partition_values "
                                "function each (the folder value of a row, from its columns)")
        clashing = set(names) & set(self.partition_by)
        if clashing:  # the folder value would hide the column's own value from every reader
            raise ContractError(f"table {self.name}: columns {sorted(clashing)} share a name with a partition column")

    def _check_merge_layout(self) -> None:
        """A merge replaces whole groups, so the key must hold the group; the store merges article tables in
        their article's partition (through the ledger) and other merge tables as one small unpartitioned file."""
        if not self.merge_key or not set(self.merge_key) <= set(self.key):
            raise ContractError(f"table {self.name}: merge key {self.merge_key} is not part of the key {self.key}")
        if self.partition_by and (self.merge_key != ("article_id",) or self.partition_by != ARTICLE_PARTITIONS):
            raise ContractError(f"table {self.name}: a partitioned merge table must merge by article_id "
                                f"in the partitions {ARTICLE_PARTITIONS}")

    @property
    def article_scoped(self) -> bool:
        """Rows belong to an article and follow its fate and partition (decided by the `articles` ledger)."""
        return self.write == "merge" and self.merge_key == ("article_id",) and bool(self.partition_by)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def file_schema(self) -> pa.Schema:
        """Schema of the Parquet files: declared columns with descriptions as field metadata."""
        fields_ = [
            pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.doc})
            for c in self.columns
        ]
        return pa.schema(
            fields_,
            metadata={"table": self.name, "schema_version": str(self.version), "description": self.doc},
        )

    @cached_property
    def file_columns(self) -> tuple[str, ...]:
        """The columns stored in the Parquet files (partition values live in the folder names)."""
        return tuple(c.name for c in self.columns)

    @cached_property
    def record(self) -> type:
        """The typed row of this table: a slotted dataclass with one keyword field per stored column.

        Non-nullable columns are required arguments, nullable ones default to None, and an unknown
        field name is a TypeError: a row cannot be built with a column the contract does not declare.
        """
        stored = self.columns
        fields_ = [(c.name, object, field(default=MISSING if not (c.nullable or c.set_at_commit) else None)) for c in stored]
        name = "".join(part.capitalize() for part in self.name.split("_")) + "Row"
        # Registered in this module under its name, so records pickle between processes like any class.
        cls = make_dataclass(name, fields_, slots=True, kw_only=True, namespace={"__module__": __name__})
        setattr(sys.modules[__name__], name, cls)
        return cls

    def check_rows(self, rows: list) -> None:
        """Raises ContractError unless every row is this table's record, or a dict the record accepts:
        no undeclared column (partition values may ride along for the store), every required one."""
        allowed = frozenset(self.file_columns) | frozenset(self.partition_by)
        required = frozenset(c.name for c in self.columns if not (c.nullable or c.set_at_commit))
        record = self.record
        for row in rows:
            if type(row) is record:
                continue
            if not isinstance(row, dict):
                raise ContractError(f"table {self.name}: a row is a {type(row).__name__}, "
                                    f"not a {record.__name__} or a dict")
            if not required <= row.keys() <= allowed:
                missing, extra = sorted(required - row.keys()), sorted(row.keys() - allowed)
                raise ContractError(f"table {self.name}: row columns differ from the contract"
                                    f"{f'; missing {missing}' if missing else ''}{f'; undeclared {extra}' if extra else ''}")

    def to_arrow(self, rows: "list | pa.Table") -> pa.Table:
        """Rows (records of this table, or dicts with exactly its stored columns) as a table of the file schema."""
        if isinstance(rows, pa.Table):
            return self._conformed(rows)
        self.check_rows(rows)
        columns = {name: [row.get(name) if type(row) is dict else getattr(row, name) for row in rows]
                   for name in self.file_columns}
        return pa.table(columns, schema=self.file_schema())

    def _conformed(self, rows: pa.Table) -> pa.Table:
        """An Arrow table with exactly the stored columns, in the file schema's order and types."""
        missing = set(self.file_columns) - set(rows.column_names)
        extra = set(rows.column_names) - set(self.file_columns)
        if missing or extra:
            raise ContractError(f"table {self.name}: Arrow columns differ from the contract; "
                                f"missing {sorted(missing)}, undeclared {sorted(extra)}")
        schema = self.file_schema()
        if rows.schema.equals(schema):
            return rows
        try:
            return rows.select(list(self.file_columns)).cast(schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ContractError(f"table {self.name}: Arrow column types differ from the contract: {exc}") from exc

    def key_of(self, row) -> tuple:
        """The key values of a row (record or dict)."""
        if type(row) is dict:
            return tuple(row.get(k) for k in self.key)
        return tuple(getattr(row, k) for k in self.key)

    def first_per_key(self, rows: list) -> list:
        """The rows with the first row of each key only (for producers whose rows may repeat one fact)."""
        first: dict[tuple, object] = {}
        for row in rows:
            first.setdefault(self.key_of(row), row)
        return list(first.values())

    def check_unique(self, keys: pa.Table, committed: pa.Table | None = None) -> None:
        """Raises ContractError when the key columns of `keys` repeat a key, among themselves or with `committed`."""
        names = list(self.key)
        both = keys.select(names)
        if committed is not None and committed.num_rows:
            both = pa.concat_tables([committed.select(names).cast(both.schema), both])
        if both.num_rows < 2:
            return
        counts = both.group_by(names, use_threads=False).aggregate([([], "count_all")])
        repeated = counts.filter(pc.greater(counts["count_all"], 1))
        if repeated.num_rows:
            where = "already committed or repeated in the batch" if committed is not None else "repeated in the batch"
            examples = [tuple(r[k] for k in names) for r in repeated.slice(0, 3).to_pylist()]
            raise ContractError(f"table {self.name}: {repeated.num_rows} key value(s) of key {self.key} {where}, "
                                f"e.g. {examples}")


def col(name: str, type_: pa.DataType, doc: str, nullable: bool = True, set_at_commit: bool = False) -> Column:
    return Column(name, type_, doc, nullable, set_at_commit)


# Columns every article-scoped fact table shares; declared once so their docs agree everywhere.
def article_key_columns() -> tuple[Column, ...]:
    return (col("article_id", pa.string(), "Stable id of the article (hash of canonical URL or source path); joins all tables.", False),)


def span_columns() -> tuple[Column, ...]:
    return (
        col("sentence_index", pa.int32(), "0-based index of the sentence in the article (see `sentences`)."),
        col("char_start", pa.int32(), "Start offset of the mention in the article's cleaned text (articles.text).", False),
        col("char_end", pa.int32(), "End offset (exclusive): text[char_start:char_end] == mention.", False),
        col("mention", pa.string(), "The text as written in the article.", False),
    )


def extractor_columns() -> tuple[Column, ...]:
    return (
        col("extractor", pa.string(), "Name of the extractor that produced the row."),
        col("extractor_version", pa.string(), "Version of that extractor; a change marks older rows stale."),
    )
