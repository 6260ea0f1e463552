"""The one `app` every command module registers on, with what several commands share."""

from __future__ import annotations

from datetime import date
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

import tasks.prefect_edge  # noqa: F401  (offline Prefect defaults before prefect is imported)
from tasks.settings import load_settings

app = typer.Typer(help="Vietnamese news -> analyst-ready Parquet fact tables, orchestrated by Prefect.",
                  no_args_is_help=True, add_completion=False)
eval_app = typer.Typer(help="Score the extractors against hand-made gold files.")
app.add_typer(eval_app, name="eval")
console = Console(stderr=True)

WarehouseOption = typer.Option(None, "--warehouse", "-w", help="Warehouse folder or s3:// URL (default: warehouse/data).")


def warehouse_root(path: Optional[str]) -> str:
    """The warehouse a command works on: the option's value, else the configured default."""
    return load_settings(warehouse=path).warehouse


def parse_date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


def print_summary(summary: dict) -> None:
    from flows.run_summary import example_query

    out = Console()
    counts = RichTable(title=f"newsfacts run — {summary['status']}", show_header=True)
    counts.add_column("articles")
    counts.add_column("count", justify="right")
    for key in ("discovered", "loaded", "new", "changed", "unchanged", "skipped", "rejected", "undated"):
        counts.add_row(key, str(summary[key]))
    out.print(counts)
    tables = RichTable(title="tables", show_header=True)
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    tables.add_column("written now", justify="right")
    for name, rows in summary["table_rows"].items():
        tables.add_row(name, str(rows), str(summary["rows_written"].get(name, 0)))
    out.print(tables)
    for uri, stage, reason in summary["rejects"][:20]:
        out.print(f"[yellow]rejected[/yellow] ({stage}) {uri}: {reason}")
    out.print(f"Tables are in [bold]{summary['warehouse']}[/bold]  (every input accounted for: {summary['balanced']})")
    if summary.get("report"):
        out.print(f"Report (open in a browser): {summary['report']}", soft_wrap=True, highlight=False)
    out.print("Example query:")
    out.print("  " + example_query(summary["warehouse"]), soft_wrap=True, highlight=False)
