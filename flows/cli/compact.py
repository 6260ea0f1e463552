"""`newsfacts compact`: rewrite the small part files of every partition as one (see warehouse/README.md)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

from flows.cli.app import WarehouseOption, app, warehouse_root


@app.command()
def compact(
    warehouse: Optional[str] = WarehouseOption,
    min_files: int = typer.Option(2, "--min-files", help="Compact a partition holding at least this many small files."),
    small_mb: Optional[float] = typer.Option(None, "--small-mb", help="Files smaller than this are small "
                                             "(default: the compact_small_bytes setting, 32 MiB)."),
):
    """Compact the warehouse under its writer lock: safe beside running writers and readers."""
    from tasks.load.batch import open_warehouse

    wh = open_warehouse(warehouse_root(warehouse))
    result = wh.compact(min_files, int(small_mb * 1024 * 1024) if small_mb else None)
    table = RichTable(title=f"newsfacts compact — {len(result.partitions)} partition(s) rewritten")
    table.add_column("table")
    table.add_column("files before", justify="right")
    table.add_column("files after", justify="right")
    for name, before in result.files_before.items():
        if before:
            table.add_row(name, str(before), str(result.files_after.get(name, 0)))
    Console().print(table)
