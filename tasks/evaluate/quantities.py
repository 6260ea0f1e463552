"""Precision, recall and F1 of extracted quantities against hand-checked gold (JSON lines, one article per line).

Lines starting with `#` are comments. Gold line: {"file": "news_business_001.txt", "quantities": [{"char_start": …, "char_end": …,
"mention": …, "normalized_value": …, "normalized_unit": …}, …]}. Offsets are over the Doc built by
`corpus_doc`: the corpus file without its `#` header lines (title first, then one sentence per line).
A prediction matches a gold quantity of the same article when the spans overlap and the normalised
value (relative tolerance 1e-9) and unit are equal; each gold quantity matches at most once.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from tasks.common import VIETNAM_TZ
from tasks.extract.batch import doc_from_text
from tasks.extract.legal_documents import LEGAL_DOCUMENTS
from tasks.extract.periods import PERIODS
from tasks.extract.quantities import QUANTITIES
from tasks.model import Doc
from tasks.settings import SHARED_CORPUS_DIR

CORPUS_DIR = SHARED_CORPUS_DIR / "dantri-unc"
# The families that share the number scan: what the throughput measures.
NUMBER_FAMILIES = (QUANTITIES, PERIODS, LEGAL_DOCUMENTS)


def corpus_text(raw: str) -> tuple[str, datetime | None]:
    """Article text (header lines dropped) and the `# date = YYYYMMDD` as a Vietnam-time datetime."""
    published = None
    lines = []
    for line in raw.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            if key.strip() == "date" and value.strip().isdigit():
                published = datetime.strptime(value.strip(), "%Y%m%d").replace(tzinfo=VIETNAM_TZ)
            continue
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines), published


def corpus_doc(path: Path) -> Doc:
    """The Doc of one dantri-unc corpus file, as the gold offsets are defined."""
    text, published = corpus_text(path.read_text(encoding="utf-8"))
    return doc_from_text(text, published_at=published, article_id=path.name)


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def match_article(gold: list[dict], predicted: list[dict]) -> tuple[int, list[dict], list[dict]]:
    """(true positives, missed gold, spurious predictions) for one article."""
    unmatched = list(gold)
    spurious = []
    for p in predicted:
        hit = next(
            (
                g
                for g in unmatched
                if p["char_start"] < g["char_end"]
                and g["char_start"] < p["char_end"]
                and p["normalized_unit"] == g["normalized_unit"]
                and _same_value(p["normalized_value"], g["normalized_value"])
            ),
            None,
        )
        if hit is None:
            spurious.append(p)
        else:
            unmatched.remove(hit)
    return len(gold) - len(unmatched), unmatched, spurious


def evaluate(gold_path: str | Path, corpus_dir: str | Path | None = None) -> dict:
    """Scores of the quantities family over the articles of a gold file (corpus files in `corpus_dir`)."""
    corpus = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    tp = n_gold = n_pred = 0
    articles = []
    for line in Path(gold_path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue  # blank lines and `#` header comments (how the gold was written)
        entry = json.loads(line)
        doc = corpus_doc(corpus / entry["file"])
        predicted = [asdict(row) for row in QUANTITIES.run(doc)["quantities"]]
        hits, missed, spurious = match_article(entry["quantities"], predicted)
        tp, n_gold, n_pred = tp + hits, n_gold + len(entry["quantities"]), n_pred + len(predicted)
        articles.append({"file": entry["file"], "gold": len(entry["quantities"]), "predicted": len(predicted),
                         "true_positives": hits, "missed": missed, "spurious": spurious})
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"articles": articles, "gold": n_gold, "predicted": n_pred, "true_positives": tp,
            "precision": precision, "recall": recall, "f1": f1}


def format_report(result: dict) -> str:
    """Human-readable report: totals, then per article the misses and spurious extractions."""
    lines = [
        f"quantities: {len(result['articles'])} articles, gold {result['gold']}, predicted {result['predicted']}, "
        f"matched {result['true_positives']}",
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}",
    ]
    for a in result["articles"]:
        lines.append(f"  {a['file']}: gold {a['gold']} predicted {a['predicted']} matched {a['true_positives']}")
        for g in a["missed"]:
            lines.append(f"    missed   [{g['char_start']}:{g['char_end']}] {g['mention']!r} = {g['normalized_value']:g} {g['normalized_unit']}")
        for p in a["spurious"]:
            lines.append(f"    spurious [{p['char_start']}:{p['char_end']}] {p['mention']!r} = {p['normalized_value']:g} {p['normalized_unit']}")
    return "\n".join(lines)


def _number_facts(doc: Doc) -> None:
    """The rows of every family of the number scan, the scan made afresh (not the one shared before)."""
    doc.analyses.clear()
    for family in NUMBER_FAMILIES:
        family.run(doc)


def throughput(corpus_dir: str | Path | None = None, passes: int = 10) -> dict:
    """Articles per second of the number scan and its families' rows (quantities, periods, documents)
    over a corpus folder.

    Docs are built first and one warm-up pass fills the caches; CPU time (time.process_time) is the
    figure to compare on a shared machine, wall time is reported beside it.
    """
    corpus = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    docs = [corpus_doc(path) for path in sorted(corpus.glob("*.txt")) if path.name != "LICENSE"]
    for doc in docs:
        _number_facts(doc)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(passes):
        for doc in docs:
            _number_facts(doc)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = len(docs) * passes
    return {"articles": n, "cpu_s": cpu, "wall_s": wall, "cpu_articles_per_s": n / cpu, "wall_articles_per_s": n / wall}


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--throughput":
        r = throughput(sys.argv[3] if len(sys.argv) > 3 else None, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
        print(f"{r['articles']} articles: CPU {r['cpu_s']:.2f}s = {r['cpu_articles_per_s']:.0f}/s, "
              f"wall {r['wall_s']:.2f}s = {r['wall_articles_per_s']:.0f}/s")
        sys.exit(0)
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tasks.evaluate.quantities GOLD.jsonl [CORPUS_DIR] | --throughput [PASSES] [CORPUS_DIR]")
    print(format_report(evaluate(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
