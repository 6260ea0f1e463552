"""`newsfacts eval …`: the extractors scored against the hand-made gold files."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.app import eval_app
from tasks.settings import GOLD_DIR

BLIND_TEST = GOLD_DIR / "trust_v2_test.jsonl"
GoldArgument = typer.Argument(BLIND_TEST, help="Gold file (default: the blind test split on dantri-unc-v2).")
CorpusOption = typer.Option(None, "--corpus", help="Folder of the corpus files the gold refers to.")
ErrorsOption = typer.Option(False, "--errors", help="List missed and spurious items (dev split only).")


def _is_blind(gold: Path) -> bool:
    from tasks.evaluate.blind import load_gold

    entries = load_gold(gold)
    return bool(entries) and "split" in entries[0]


def _blind(families: tuple[str, ...], gold: Path, corpus: Optional[Path], errors: bool) -> None:
    from tasks.evaluate.blind import BLIND_CORPUS, evaluate, format_report

    scores = evaluate(gold, corpus or BLIND_CORPUS, families)
    try:
        typer.echo(format_report(scores, gold, show_errors=errors))
    except ValueError as exc:
        raise typer.BadParameter(str(exc))


@eval_app.command("all")
def eval_all(gold: Path = GoldArgument, corpus: Optional[Path] = CorpusOption, errors: bool = ErrorsOption):
    """Every fact family on a blind gold file: office holders, dates, quantities, organisations, documents."""
    from tasks.evaluate.blind import FAMILIES

    _blind(FAMILIES, gold, corpus, errors)


@eval_app.command("roles")
def eval_roles(gold: Path = GoldArgument, corpus: Optional[Path] = CorpusOption, errors: bool = ErrorsOption):
    """Office holders (person, role; organisation accuracy of the matched) on a blind gold file."""
    _blind(("roles",), gold, corpus, errors)


@eval_app.command("dates")
def eval_dates(gold: Path = GoldArgument, corpus: Optional[Path] = CorpusOption, errors: bool = ErrorsOption):
    """Dates and periods (spans, and how many were resolved to the right days) on a blind gold file."""
    _blind(("dates",), gold, corpus, errors)


@eval_app.command("documents")
def eval_documents(gold: Path = GoldArgument, corpus: Optional[Path] = CorpusOption, errors: bool = ErrorsOption):
    """Legal document references on a blind gold file."""
    _blind(("documents",), gold, corpus, errors)


@eval_app.command("quantities")
def eval_quantities(gold: Path = GoldArgument, corpus: Optional[Path] = CorpusOption, errors: bool = ErrorsOption):
    """Quantities (value, unit, and each field of the matched) on a blind gold file, or an older quantities gold."""
    if _is_blind(gold):
        _blind(("quantities",), gold, corpus, errors)
        return
    from tasks.evaluate.quantities import evaluate, format_report

    typer.echo(format_report(evaluate(gold, corpus)))


@eval_app.command("entities")
def eval_entities(
    gold: Path = GoldArgument,
    corpus: Optional[Path] = CorpusOption,
    errors: bool = ErrorsOption,
    sample: Optional[int] = typer.Option(None, help="BIO gold: score underthesea on this many sentences only (slow)."),
):
    """Organisations on a blind gold file; or, on a BIO-tagged gold, spans per type against underthesea's NER."""
    if _is_blind(gold):
        _blind(("organisations",), gold, corpus, errors)
        return
    from tasks.evaluate.entities import evaluate, format_report

    typer.echo(format_report(evaluate(gold, sample=sample)))
