"""The table contract: declared columns with documentation, keys, partitions and write disposition."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# How a table is written, declared per table (dlt-style) rather than decided at write time:
#   merge  - rows belong to an article; a changed article replaces all its rows, an unchanged one keeps them
#   append - every run adds rows and nothing is rewritten (the `runs` log, `rejects`)
WRITE_DISPOSITIONS = ("merge", "append")

# Hive partition columns of article-scoped tables; they live in the folder names, not in the files.
ARTICLE_PARTITIONS = ("source", "year", "month")
ARTICLE_PARTITION_DOCS = {
    "source": "Partition: slug of the source the article came from (folder name, feed, config source).",
    "year": "Partition: year of published_at in Vietnam time (fetch date when the article has no date).",
    "month": "Partition: month (1-12) of published_at in Vietnam time (fetch date when undated).",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique per row within the table
    write: str = "merge"
    partition_by: tuple[str, ...] = ARTICLE_PARTITIONS
    version: int = 1
    partition_docs: dict = field(default_factory=lambda: dict(ARTICLE_PARTITION_DOCS))

    def __post_init__(self):
        assert self.write in WRITE_DISPOSITIONS, self.write
        names = [c.name for c in self.columns]
        assert len(names) == len(set(names)), f"duplicate column in {self.name}"
        assert set(self.key) <= set(names) | set(self.partition_by), f"key of {self.name} not in columns"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def file_schema(self) -> pa.Schema:
        """Schema of the Parquet files: declared columns with descriptions as field metadata."""
        fields_ = [
            pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.doc})
            for c in self.columns
            if c.name not in self.partition_by
        ]
        return pa.schema(
            fields_,
            metadata={"table": self.name, "schema_version": str(self.version), "description": self.doc},
        )

    def to_arrow(self, rows: "list[dict] | pa.Table") -> pa.Table:
        """Rows (dicts; keys beyond the declared columns are ignored) as a table of the file schema."""
        if isinstance(rows, pa.Table):
            return rows
        return pa.Table.from_pylist(rows, schema=self.file_schema())


def col(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> Column:
    return Column(name, type_, doc, nullable)


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
