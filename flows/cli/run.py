"""`newsfacts run`: the ingest flow on the given sources, with a progress bar and a summary."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import typer

from flows.cli.app import WarehouseOption, app, console, parse_date, print_summary, warehouse_root


@app.command()
def run(
    sources: list[str] = typer.Argument(None, help="Files, folders, URLs, feeds, sitemaps, or a sources .toml (default: seeds/)."),
    warehouse: Optional[str] = WarehouseOption,
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="Inputs per batch (default 400)."),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Reprocess every input, changed or not."),
    since: Optional[str] = typer.Option(None, help="Only articles published on or after this date (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Only articles published on or before this date (YYYY-MM-DD)."),
    task_runner: str = typer.Option("threads", help="threads (default) or dask."),
    dask_address: Optional[str] = typer.Option(None, help="tcp://scheduler:8786 of a running Dask cluster."),
    workers: Optional[int] = typer.Option(None, help="Processes for the CPU-bound stages (default: one per core), or "
                                "LocalCluster workers for --task-runner dask."),
):
    """Run the ingest flow (embedded Prefect unless PREFECT_API_URL is set) and print a summary."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from prefect import tags as prefect_tags

    from flows import ingest as ingest_module
    from flows.runners import embedded_run_settings, flow_with_runner

    flow = flow_with_runner(task_runner, workers, dask_address)
    sources = sources or []
    with Progress(TextColumn("[bold]ingest"), BarColumn(), TextColumn("{task.completed}/{task.total} batches"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        bar = progress.add_task("ingest", total=None)
        ingest_module.batch_listeners.append(lambda done, total: progress.update(bar, completed=done, total=total))
        try:
            with prefect_tags(*ingest_module.source_tags(sources)), embedded_run_settings(), \
                    handed_over(sources, ingest_module.MAX_PARAMETER_SOURCES) as given:
                summary = flow(**given, warehouse=warehouse_root(warehouse), batch_size=batch_size,
                               full_refresh=full_refresh, since=parse_date(since), until=parse_date(until))
        except Exception as exc:  # noqa: BLE001 - the CLI reports a failed run and exits non-zero
            console.print(f"[red]ingest failed:[/red] {exc}")
            raise typer.Exit(1)
        finally:
            ingest_module.batch_listeners.clear()
    print_summary(summary)


@contextlib.contextmanager
def handed_over(sources: list[str], most: int) -> Iterator[dict]:
    """The flow's source parameters: the list itself when short, else a temporary file listing it (a scheduler
    or `xargs` may hand over thousands of paths; the flow run's parameters stay small)."""
    if len(sources) <= most:
        yield {"sources": sources or None}
        return
    with tempfile.TemporaryDirectory(prefix="newsfacts-sources-") as folder:
        listing = Path(folder) / "sources.txt"
        listing.write_text("".join(f"{s}\n" for s in sources), encoding="utf-8")
        yield {"sources_file": str(listing)}
