"""`newsfacts report`: the warehouse as one self-contained HTML page of charts, a map and the evidence behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.app import WarehouseOption, app, console, warehouse_root


@app.command()
def report(
    warehouse: Optional[str] = WarehouseOption,
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Write the page here (default: <warehouse>/_report/index.html)."),
):
    """Write the analyst's report: one HTML file with every script inside, that opens offline and can be mailed."""
    from warehouse.report import write_report
    from warehouse.store import Warehouse

    result = write_report(Warehouse(warehouse_root(warehouse)), out)
    console.print(f"wrote {result.location} ({result.size_bytes / 1e6:.1f} MB in {result.seconds:.1f} s)")
