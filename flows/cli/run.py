"""`newsfacts run`: the ingest flow on the given sources, with a progress bar and a summary."""

from __future__ import annotations

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
    with Progress(TextColumn("[bold]ingest"), BarColumn(), TextColumn("{task.completed}/{task.total} batches"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        bar = progress.add_task("ingest", total=None)
        ingest_module.batch_listeners.append(lambda done, total: progress.update(bar, completed=done, total=total))
        try:
            with prefect_tags(*source_tags(sources or [])), embedded_run_settings():
                summary = flow(sources=sources or None, warehouse=warehouse_root(warehouse), batch_size=batch_size,
                               full_refresh=full_refresh, since=parse_date(since), until=parse_date(until))
        except Exception as exc:  # noqa: BLE001 - the CLI reports a failed run and exits non-zero
            console.print(f"[red]ingest failed:[/red] {exc}")
            raise typer.Exit(1)
        finally:
            ingest_module.batch_listeners.clear()
    print_summary(summary)


def source_tags(sources: list[str]) -> list[str]:
    """Prefect tags naming each source ("source:seeds"), so runs can be filtered per source in the UI."""
    from tasks.fetch.sources import display_name

    return [f"source:{display_name(s)}"[:100] for s in sources or ["seeds"]]
