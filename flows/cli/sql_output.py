"""How `newsfacts sql` shows a result: a table when it fits the screen, else one block per record; csv, json, markdown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table as RichTable

FORMATS = ("table", "csv", "json", "markdown")
# Machine formats keep every value whole; the formats people read cut long text at this many characters.
CELL_CHARS = 60
BLOCK_CHARS = 300
NULL = "NULL"
ELLIPSIS = "…"


def cell(value: Any, limit: int | None) -> str:
    """A value as text for people: NULL for a missing value, one line, cut with an ellipsis past `limit`."""
    if value is None:
        return NULL
    text = " ".join(str(value).split()) if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + ELLIPSIS
    return text


def table_width(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """Characters a box table needs: each column as wide as its widest cell, plus borders and padding."""
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(columns)]
    return sum(widths) + 3 * len(columns) + 1


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], console: Console, full: bool) -> None:
    """A box table when it fits the console's width, else one block per record (column: value)."""
    limit = None if full else CELL_CHARS
    cells = [[cell(v, limit) for v in row] for row in rows]
    if table_width(columns, cells) <= console.width:
        table = RichTable(show_header=True)
        for name in columns:
            table.add_column(name, overflow="fold")
        for row in cells:
            table.add_row(*row)
        console.print(table)
        return
    console.print(render_blocks(columns, rows, full), end="", markup=False, highlight=False, soft_wrap=True)


def render_blocks(columns: Sequence[str], rows: Sequence[Sequence[Any]], full: bool) -> str:
    """Each record as a block of `column: value` lines, columns aligned, blocks numbered."""
    limit = None if full else BLOCK_CHARS
    pad = max((len(name) for name in columns), default=0)
    out = []
    for number, row in enumerate(rows, start=1):
        out.append(f"-[ record {number} ]" + "-" * max(0, pad - 8))
        out += [f"{name.ljust(pad)} | {cell(value, limit)}" for name, value in zip(columns, row)]
    if not rows:
        out.append("(no rows)")
    return "\n".join(out) + "\n"


def render_markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]], full: bool) -> str:
    """A pipe table (GitHub markdown); '|' inside values escaped."""
    limit = None if full else CELL_CHARS
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v, limit).replace("|", "\\|") for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


def render_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A JSON array of objects, one record per line; dates and decimals as strings."""
    records = [json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str) for row in rows]
    return "[\n" + ",\n".join(records) + ("\n]\n" if records else "]\n")


def out_format(path: Path) -> str | None:
    """csv, json or parquet by the file's suffix; None for another suffix."""
    return {".csv": "csv", ".json": "json", ".parquet": "parquet"}.get(path.suffix.lower())
