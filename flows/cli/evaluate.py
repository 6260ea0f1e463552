"""`newsfacts eval …`: the extractors scored against the hand-made gold files."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.app import eval_app


@eval_app.command("quantities")
def eval_quantities(gold: Path = typer.Argument(Path("tests/gold/quantities_dantri.jsonl"))):
    """Precision / recall of quantities against a gold file."""
    from tasks.evaluate.quantities import evaluate, format_report

    typer.echo(format_report(evaluate(gold)))


@eval_app.command("entities")
def eval_entities(
    gold: Path = typer.Argument(Path("tests/gold/entities_dantri.jsonl")),
    sample: Optional[int] = typer.Option(None, help="Score underthesea on this many sentences only (it is slow)."),
):
    """Entity span scores (exact and overlap, per type), with underthesea's NER as the baseline."""
    from tasks.evaluate.entities import evaluate, format_report

    typer.echo(format_report(evaluate(gold, sample=sample)))
