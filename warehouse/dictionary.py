"""The data dictionary, generated from the declared table contracts (never written by hand)."""

from __future__ import annotations

from warehouse.tables import TABLES

HEADER = """# Data dictionary

Generated from the table contracts in `warehouse/` by `newsfacts dictionary` — do not edit by hand.
Every table is a folder of Parquet files under the warehouse root (`<warehouse>/<table>/`), hive-partitioned
where partitions are listed. Column descriptions are also stored in each Parquet file as field metadata
(`description`), and the schema version as file metadata (`schema_version`). `write` is how a commit writes the
table: `merge` (a batch replaces the committed rows of the groups it brings, by the column named), `append` (rows
only added) or `replace` (rewritten whole); see warehouse/README.md.
"""


def render() -> str:
    parts = [HEADER]
    for table in TABLES.values():
        parts.append(f"## `{table.name}` (schema version {table.version})\n")
        parts.append(f"{table.doc}\n")
        parts.append(f"- key: {', '.join(f'`{k}`' for k in table.key)}")
        merged_by = f" by {', '.join(f'`{k}`' for k in table.merge_key)}" if table.write == "merge" else ""
        parts.append(f"- write: `{table.write}`{merged_by}")
        if table.partition_by:
            parts.append(f"- partitions: {'/'.join(f'`{p}=…`' for p in table.partition_by)}")
        parts.append("")
        parts.append("| column | type | null | description |")
        parts.append("|---|---|---|---|")
        for p in table.partition_by:
            parts.append(f"| `{p}` | partition | no | {table.partition_docs.get(p, 'Partition column.')} |")
        for c in table.columns:
            parts.append(f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {c.doc} |")
        parts.append("")
    return "\n".join(parts)
