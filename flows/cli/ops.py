"""`newsfacts serve` and `reprocess`: serve (scheduled deployments) and reprocess (stale articles)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.app import WarehouseOption, app, console, print_summary, warehouse_root
from tasks.settings import load_settings

DEFAULT_CONFIG = Path("sources.toml")


@app.command()
def serve(
    config: Path = typer.Option(DEFAULT_CONFIG, "--config", "-c", help="Sources config (see sources.example.toml)."),
    warehouse: Optional[str] = WarehouseOption,
    interval_seconds: Optional[float] = typer.Option(
        None, "--interval-seconds", help="Run every source every N seconds instead of its own schedule (tests, demos)."),
    reconcile_cron: str = typer.Option("0 2 * * *", help="Cron of the nightly reconcile (re-extract stale articles)."),
    limit: Optional[int] = typer.Option(None, help="Most flow runs at once (default: no limit; 1 for a store run "
                                        "with NEWSFACTS_WAREHOUSE_SINGLE_WRITER)."),
):
    """Serve one scheduled deployment per named source, plus the nightly reconcile, until SIGTERM / Ctrl-C."""
    from flows.serve import deployment_specs, serve as serve_deployments
    from tasks.fetch.sources import SourceConfigError

    target = warehouse_root(warehouse)
    try:
        specs = deployment_specs(str(config.resolve()), target, interval_seconds, reconcile_cron)
    except (OSError, SourceConfigError) as exc:
        console.print(f"[red]cannot read sources config:[/red] {exc}")
        raise typer.Exit(2)
    for spec in specs:
        when = spec.cron or (f"every {spec.interval_s:g} s" if spec.interval_s else "on demand")
        console.print(f"deployment [bold]ingest/{spec.name}[/bold]  {when}  tags={','.join(spec.tags)}")
    # Writers serialise on the warehouse's lock (warehouse/README.md); only a store declared single-writer
    # (no conditional writes) needs its runs one at a time.
    single = "://" in target and load_settings().warehouse_single_writer
    serve_deployments(specs, limit=limit if limit is not None else (1 if single else None))


@app.command()
def reprocess(warehouse: Optional[str] = WarehouseOption):
    """Re-extract the articles loaded by older extractor versions, from their stored raw inputs (no refetch)."""
    from prefect import tags

    from flows.ingest import ingest

    try:
        with tags("reprocess"):
            summary = ingest(warehouse=warehouse_root(warehouse), reprocess=True)
    except Exception as exc:  # noqa: BLE001 - the CLI reports a failed run and exits non-zero
        console.print(f"[red]reprocess failed:[/red] {exc}")
        raise typer.Exit(1)
    print_summary(summary)
