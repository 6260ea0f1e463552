"""The `newsfacts` command line: run the flow, extract facts from JSON Lines, query the warehouse, evaluate."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

import tasks  # noqa: F401  (offline Prefect defaults before prefect is imported)
from tasks.settings import load_settings

app = typer.Typer(help="Vietnamese news -> analyst-ready Parquet fact tables, orchestrated by Prefect.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True)

WarehouseOption = typer.Option(None, "--warehouse", "-w", help="Warehouse folder or s3:// URL (default: warehouse/data).")


def _warehouse(path: Optional[str]) -> str:
    return load_settings(warehouse=path).warehouse


def _date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


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
                summary = flow(sources=sources or None, warehouse=_warehouse(warehouse), batch_size=batch_size,
                               full_refresh=full_refresh, since=_date(since), until=_date(until))
        except Exception as exc:  # noqa: BLE001 - the CLI reports a failed run and exits non-zero
            console.print(f"[red]ingest failed:[/red] {exc}")
            raise typer.Exit(1)
        finally:
            ingest_module.batch_listeners.clear()
    print_summary(summary)


def source_tags(sources: list[str]) -> list[str]:
    """Prefect tags naming each source ("source:seeds"), so runs can be filtered per source in the UI."""
    from tasks.sources import display_name

    return [f"source:{display_name(s)}"[:100] for s in sources or ["seeds"]]


def print_summary(summary: dict) -> None:
    from flows.report import example_query

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
    out.print("Example query:")
    out.print("  " + example_query(summary["warehouse"]), soft_wrap=True, highlight=False)


@app.command()
def extract(
    output_text: bool = typer.Option(False, "--with-text", help="Echo the input text in each output line."),
):
    """Filter: JSON Lines {"id","text"[,"published_at"]} on stdin -> one JSON line of facts per input."""
    from tasks.extract import doc_from_text, extract_facts, extractor_versions
    from tasks.textnorm import clean_text

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
    out: Optional[Path] = typer.Option(None, "--out", help="Write the result to .csv or .parquet instead of printing."),
):
    """Run DuckDB SQL over the warehouse, with one view per table already defined."""
    from warehouse.query import connect
    from warehouse.store import Warehouse

    con = connect(Warehouse(_warehouse(warehouse)))
    try:
        result = con.sql(query)
    except Exception as exc:  # noqa: BLE001 - show DuckDB's message, not a traceback
        console.print(f"[red]query failed:[/red] {exc}")
        raise typer.Exit(1)
    if result is None:
        return
    if out:
        if out.suffix == ".parquet":
            result.write_parquet(str(out))
        else:
            result.write_csv(str(out))
        console.print(f"wrote {out}")
        return
    table = RichTable(show_header=True)
    for name in result.columns:
        table.add_column(name)
    for row in result.fetchall():
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=200).print(table)


@app.command()
def dictionary(out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout.")):
    """Print the data dictionary generated from the table contracts."""
    from warehouse.dictionary import render

    text = render()
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


eval_app = typer.Typer(help="Score the extractors against hand-made gold files.")
app.add_typer(eval_app, name="eval")


@eval_app.command("quantities")
def eval_quantities(gold: Path = typer.Argument(Path("tests/gold/quantities_dantri.jsonl"))):
    """Precision / recall of quantities against a gold file."""
    from tasks.eval_quantities import evaluate, format_report

    typer.echo(format_report(evaluate(gold)))


@eval_app.command("entities")
def eval_entities(
    gold: Path = typer.Argument(Path("tests/gold/entities_dantri.jsonl")),
    sample: Optional[int] = typer.Option(None, help="Score underthesea on this many sentences only (it is slow)."),
):
    """Entity span scores (exact and overlap, per type), with underthesea's NER as the baseline."""
    from tasks.eval_entities import evaluate, format_report

    typer.echo(format_report(evaluate(gold, sample=sample)))


# Operations (serve, reprocess) and the benchmark register their commands on `app` when imported.
from flows import cli_bench, cli_ops  # noqa: E402,F401

if __name__ == "__main__":
    app()
