"""Precision and recall of office holders, dates, quantities, organisations and legal documents on blind gold.

The gold (tests/gold/trust_v2_*.jsonl, written by reading before any extractor ran on its
articles; protocol in docs/gold-guidelines.md) refers to corpus files by name and to spans by
offsets into the file's text without its `#` header lines. The extractors run on that same text
through `extract_text`, the Python face of `newsfacts extract`, so their offsets are comparable.

Gold items marked `unsure` are optional: a prediction that matches one is neither right nor
wrong, and missing one is not a miss. Errors (which items were missed or spurious) are printed
only for the `dev` split: the `test` split is scored in aggregate and never read item by item.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from tasks.clean.textnorm import canonical_key, normalize_tone_marks, to_nfc
from tasks.common import VIETNAM_TZ
from tasks.evaluate.quantities import corpus_text
from tasks.lexicon import table
from tasks.settings import GOLD_DIR, SHARED_CORPUS_DIR

BLIND_TEST = GOLD_DIR / "trust_v2_test.jsonl"
BLIND_DEV = GOLD_DIR / "trust_v2_dev.jsonl"
BLIND_CORPUS = SHARED_CORPUS_DIR / "dantri-unc-v2"
FAMILIES = ("roles", "dates", "quantities", "organisations", "documents")


@dataclass
class Score:
    """Counts of one fact family; `extra` holds per-field accuracies among the matched items."""

    family: str
    gold: int = 0  # gold items that count (not unsure)
    predicted: int = 0
    true_positives: int = 0
    false_positives: int = 0
    optional_hits: int = 0  # predictions that matched an `unsure` gold item
    extra: dict[str, list[int]] = field(default_factory=dict)  # name -> [right, judged]
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        judged = self.true_positives + self.false_positives
        return self.true_positives / judged if judged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    def tally(self, name: str, right: bool) -> None:
        counts = self.extra.setdefault(name, [0, 0])
        counts[0] += right
        counts[1] += 1


def person_key(name: str | None) -> str:
    """A person's name as a table should hold it: case kept (all capitals is an error), tone placement unified."""
    return " ".join(normalize_tone_marks(to_nfc(name or "")).split())


def phrase_key(text: str | None) -> str:
    return canonical_key(text or "")


def same_phrase(predicted: str | None, gold: str | None) -> bool:
    """Both absent, or the same words, or one phrase contained in the other at word boundaries."""
    if not predicted or not gold:
        return not predicted and not gold
    a, b = f" {phrase_key(predicted)} ", f" {phrase_key(gold)} "
    return a in b or b in a


def overlaps(p: dict, g: dict) -> bool:
    return p["char_start"] < g["char_end"] and g["char_start"] < p["char_end"]


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _byline_roles() -> frozenset[str]:
    """Roles of bylines and photo credits (the author, reporters, credit tags): not office holders."""
    tags = {w for row in table("readers/credit_roles.tsv") for w in row[:2]}
    return frozenset(phrase_key(r) for r in tags | {"tác giả", "phóng viên", "cộng tác viên", "tư liệu"})


def match(score: Score, predicted: list[dict], gold: list[dict], same: Callable[[dict, dict], bool],
          judge: Callable[[Score, dict, dict], None] | None = None, describe: Callable[[dict], str] = str) -> None:
    """One-to-one greedy matching of predictions to gold items, in text order."""
    unmatched = sorted(gold, key=lambda g: g["char_start"])
    score.gold += sum(not g.get("unsure") for g in gold)
    score.predicted += len(predicted)
    for p in sorted(predicted, key=lambda p: p["char_start"]):
        hit = next((g for g in unmatched if same(p, g)), None)
        if hit is None:
            score.false_positives += 1
            score.errors.append(f"spurious {describe(p)}")
            continue
        unmatched.remove(hit)
        if hit.get("unsure"):
            score.optional_hits += 1
            continue
        if hit.get("negative"):  # the gold says this must not be stated as a fact (a post only considered)
            score.false_positives += 1
            score.errors.append(f"stated although only {hit.get('status')}: {describe(p)}")
            continue
        score.true_positives += 1
        if judge:
            judge(score, p, hit)
    for g in unmatched:
        if not g.get("unsure") and not g.get("negative"):
            score.errors.append(f"missed   {describe(g)}")


def _score_roles(score: Score, facts: dict, entry: dict) -> None:
    bylines = _byline_roles()
    predicted = [r for r in facts.get("roles", []) if phrase_key(r["role"]) not in bylines]
    gold = [dict(g, negative=g.get("status") == "candidate") for g in entry.get("roles", [])]

    def same(p: dict, g: dict) -> bool:
        return person_key(p["person"]) == person_key(g["person"]) and phrase_key(p["role"]) == phrase_key(g["role"])

    def judge(s: Score, p: dict, g: dict) -> None:
        s.tally("organisation", same_phrase(p.get("organisation"), g.get("organisation")))

    # A post stated as only considered ("status" candidate) is not claimed as held: nothing to judge.
    claimed = [p for p in predicted if p.get("status") != "candidate"]
    match(score, claimed, gold, same, judge,
          lambda r: f"{r['person']!r} — {r['role']!r} ({r.get('organisation')!r})")


def _score_dates(score: Score, facts: dict, entry: dict) -> None:
    predicted = [p for p in facts.get("periods", []) if p.get("recurrence") is None]

    def judge(s: Score, p: dict, g: dict) -> None:
        s.tally("dates resolved", (_iso(p.get("start_date")), _iso(p.get("end_date"))) == (g.get("start"), g.get("end")))

    match(score, predicted, entry.get("dates", []), overlaps, judge,
          lambda r: f"[{r['char_start']}:{r['char_end']}] {r.get('mention', '')!r}")


def _same_number(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _score_quantities(score: Score, facts: dict, entry: dict) -> None:
    def same(p: dict, g: dict) -> bool:
        return (overlaps(p, g) and p["normalized_unit"] == g["normalized_unit"]
                and _same_number(p["normalized_value"], g["normalized_value"]))

    def judge(s: Score, p: dict, g: dict) -> None:
        checks = {"comparator": p.get("comparator") == g.get("comparator", p.get("comparator")),
                  "counted_object": "counted_object" not in g or same_phrase(p.get("counted_object"), g["counted_object"]),
                  "metric": "metric" not in g or same_phrase(p.get("metric"), g["metric"]),
                  "period": "period_start" not in g or (_iso(p.get("period_start")), _iso(p.get("period_end")))
                  == (g.get("period_start"), g.get("period_end"))}
        for name, right in checks.items():
            s.tally(name, right)
        s.tally("every field", all(checks.values()))
        if not all(checks.values()):
            wrong = [n for n, ok in checks.items() if not ok]
            s.errors.append(f"fields   [{p['char_start']}:{p['char_end']}] {p['mention']!r}: {', '.join(wrong)} "
                            + ", ".join(f"{n}={p.get(n)!r}/{g.get(n)!r}" for n in wrong if n != "period"))

    match(score, facts.get("quantities", []), entry.get("quantities", []), same, judge,
          lambda r: f"[{r['char_start']}:{r['char_end']}] {r.get('mention', '')!r} = {r['normalized_value']} {r['normalized_unit']}")


def _score_spans(score: Score, predicted: list[dict], gold: list[dict]) -> None:
    match(score, predicted, gold, overlaps, None, lambda r: f"[{r['char_start']}:{r['char_end']}] {r.get('mention', '')!r}")


SCORERS = {
    "roles": _score_roles,
    "dates": _score_dates,
    "quantities": _score_quantities,
    "organisations": lambda s, facts, entry: _score_spans(
        s, [e for e in facts.get("entities", []) if e["type"] == "ORG"], entry.get("organisations", [])),
    "documents": lambda s, facts, entry: _score_spans(s, facts.get("documents", []), entry.get("documents", [])),
}


def load_gold(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def _with_mentions(items: list[dict], text: str) -> list[dict]:
    return [dict(it, mention=text[it["char_start"]:it["char_end"]]) for it in items]


def evaluate(gold_path: str | Path = BLIND_TEST, corpus_dir: str | Path = BLIND_CORPUS,
             families: tuple[str, ...] = FAMILIES) -> dict[str, Score]:
    """Scores per fact family over every article of a blind gold file."""
    from tasks.extract.batch import extract_text

    scores = {f: Score(f) for f in families}
    for entry in load_gold(gold_path):
        raw = (Path(corpus_dir) / entry["file"]).read_text(encoding="utf-8")
        text, _ = corpus_text(raw)
        published = datetime.fromisoformat(entry["published"]).replace(tzinfo=VIETNAM_TZ)
        facts = extract_text(text, published_at=published, article_id=entry["file"])
        entry = {k: _with_mentions(v, text) if isinstance(v, list) else v for k, v in entry.items()}
        for family in families:
            before = len(scores[family].errors)
            SCORERS[family](scores[family], facts, entry)
            scores[family].errors[before:] = [f"{entry['file']}: {e}" for e in scores[family].errors[before:]]
    return scores


def format_report(scores: dict[str, Score], gold_path: str | Path, show_errors: bool = False) -> str:
    split = {e.get("split") for e in load_gold(gold_path)}
    lines = [f"blind gold {Path(gold_path).name} (split {', '.join(sorted(s or '?' for s in split))})"]
    for s in scores.values():
        lines.append(f"{s.family:13s} precision {s.precision:.3f}  recall {s.recall:.3f}   gold {s.gold}, predicted "
                     f"{s.predicted}, right {s.true_positives}, wrong {s.false_positives}, optional {s.optional_hits}")
        for name, (right, judged) in s.extra.items():
            lines.append(f"{'':13s}   {name}: {right}/{judged} = {right / judged if judged else 1:.3f} of the matched")
        if s.family == "quantities" and "every field" in s.extra:
            right = s.extra["every field"][0]
            judged = s.true_positives + s.false_positives
            lines.append(f"{'':13s}   precision with every field right: {right / judged if judged else 1:.3f}")
    if show_errors:
        if split != {"dev"}:
            raise ValueError("errors are shown for the dev split only: the test split stays blind")
        for s in scores.values():
            lines.extend(f"  {s.family}: {e}" for e in s.errors)
    return "\n".join(lines)
