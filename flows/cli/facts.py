"""`newsfacts extract`, `sql` and `dictionary`: facts of free text, queries over the tables, their documentation."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from flows.cli.app import WarehouseOption, app, console, warehouse_root


@app.command()
def extract(
    output_text: bool = typer.Option(False, "--with-text", help="Echo the input text in each output line."),
):
    """Filter: JSON Lines {"id","text"[,"published_at"]} on stdin -> one JSON line of facts per input."""
    from tasks.extract.batch import doc_from_text, extract_facts, extractor_versions
    from tasks.clean.textnorm import clean_text

    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = clean_text(str(record["text"]))
            published = record.get("published_at")
            doc = doc_from_text(text, datetime.fromisoformat(published) if published else None,
                                str(record.get("id", number)))
            facts = extract_facts(doc)
            out = {"id": record.get("id", number), "extractor_versions": extractor_versions(), "facts": facts}
            if output_text:
                out["text"] = text
        except Exception as exc:  # noqa: BLE001 - one bad line yields an error line, the stream goes on
            out = {"id": None, "line": number, "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")


@app.command()
def sql(
    query: str = typer.Argument(..., help="SQL over the views articles, paragraphs, quantities, entities, …"),
    warehouse: Optional[str] = WarehouseOption,
    out: Optional[Path] = typer.Option(None, "--out", help="Write the result to a .csv, .json or .parquet file instead of printing."),
    output_format: str = typer.Option("table", "--format", "-f",
                                      help="table (one block per record when too wide for the screen), csv, json or markdown."),
    full: bool = typer.Option(False, "--full", help="Show long text whole instead of cut with an ellipsis."),
):
    """Run DuckDB SQL over the warehouse, with one view per table already defined."""
    from flows.cli import sql_output
    from warehouse.query import connect
    from warehouse.store import Warehouse

    if output_format not in sql_output.FORMATS:
        console.print(f"[red]unknown --format {output_format!r}:[/red] use one of {', '.join(sql_output.FORMATS)}")
        raise typer.Exit(2)
    if out and not sql_output.out_format(out):
        console.print(f"[red]--out {out}:[/red] name a .csv, .json or .parquet file")
        raise typer.Exit(2)
    con = connect(Warehouse(warehouse_root(warehouse)))
    try:
        result = con.sql(query)
    except Exception as exc:  # noqa: BLE001 - show DuckDB's message, not a traceback
        console.print(f"[red]query failed:[/red] {exc}")
        raise typer.Exit(1)
    if result is None:
        return
    if out:
        _write_result(result, out, sql_output.out_format(out))
        console.print(f"wrote {out}")
        return
    columns, rows = result.columns, result.fetchall()
    if output_format == "table":
        sql_output.render_table(columns, rows, Console(), full)
    elif output_format == "markdown":
        sys.stdout.write(sql_output.render_markdown(columns, rows, full))
    elif output_format == "csv":
        sys.stdout.write(sql_output.render_csv(columns, rows))
    else:
        sys.stdout.write(sql_output.render_json(columns, rows))


def _write_result(result, out: Path, kind: str) -> None:
    """The whole result (never cut) to a file: Parquet keeps the types, CSV and JSON are text."""
    from flows.cli import sql_output

    if kind == "parquet":
        result.write_parquet(str(out))
    elif kind == "csv":
        result.write_csv(str(out))
    else:
        out.write_text(sql_output.render_json(result.columns, result.fetchall()), encoding="utf-8")


@app.command()
def dictionary(out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout.")):
    """Print the data dictionary generated from the table contracts."""
    from warehouse.dictionary import render

    text = render()
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
