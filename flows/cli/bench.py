"""The `newsfacts bench` command: the benchmark harness of bench/."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.app import app, console


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "").replace("k", "000")) for part in text.split(",") if part.strip()})
    if not sizes or min(sizes) < 1:
        raise typer.BadParameter("sizes are positive article counts, e.g. 1000,10000")
    return sizes


@app.command()
def bench(
    sizes: str = typer.Option("1000,10000", "--sizes", help="Corpus sizes (articles), comma-separated."),
    source: Optional[Path] = typer.Option(None, "--source", help="Folder of articles to replicate "
                                          "(default: ../shared/corpus/dantri-unc, else tests/fixtures/articles)."),
    out: Path = typer.Option(Path("bench/results"), "--out", help="Where the JSON, Markdown and PNG results go."),
    include_100k: bool = typer.Option(False, "--include-100k", help="Also measure 100,000 articles (slow)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="Inputs per batch (default 400)."),
    scaling: bool = typer.Option(True, "--scaling/--no-scaling", help="1 vs 2 workers at the smallest size."),
    dask: bool = typer.Option(True, "--dask/--no-dask", help="Include a 2-process Dask run in the scaling."),
    peer_sentences: int = typer.Option(200, help="Sentences given to underthesea's NER for the peer baseline."),
):
    """Benchmark bare stages vs the Prefect flow, the no-op rerun, underthesea NER, and 1 vs 2 workers."""
    from bench import harness

    wanted = _sizes(sizes) + ([harness.BIG_SIZE] if include_100k else [])
    results = harness.run_benchmark(sorted(set(wanted)), source, out, batch_size, scaling, dask, peer_sentences)
    console.print(f"wrote {out}/latest.json, latest.md, latest.png")
    for t in results["targets"]:
        mark = {True: "[green]met[/green]", False: "[red]missed[/red]", None: "n/a"}[t["met"]]
        console.print(f"{mark} {t['target']}: {t['measured']} (wanted {t['wanted']}) {t['gap']}")
