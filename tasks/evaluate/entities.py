"""Score entity spans (PER/ORG/LOC, exact and overlap match) against BIO gold, with underthesea NER as the baseline."""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from tasks.settings import GOLD_DIR, SHARED_CORPUS_DIR

TYPES = ("PER", "ORG", "LOC")
Span = tuple[int, int, str]  # first word, last word (exclusive), type


# Gold files annotate sentences of the shared corpus by reference ("<file stem>:<line number>") and keep
# only the tags: the corpus text stays in the corpus. Words are rebuilt with this tokenizer.
CORPUS_DIR = SHARED_CORPUS_DIR / "dantri-unc"
_GOLD_TOKEN = re.compile(r"\w+(?:[./\-&]\w+)*|[^\w\s]")


def corpus_words(ref: str, expected: int, corpus: Path = CORPUS_DIR) -> list[str]:
    """The tokens of corpus line `ref` ("news_business_002:4" = file news_business_002.txt, line 4)."""
    name, line = ref.rsplit(":", 1)
    text = (corpus / f"{name}.txt").read_text(encoding="utf-8").splitlines()[int(line) - 1]
    words = _GOLD_TOKEN.findall(unicodedata.normalize("NFC", text))
    if len(words) != expected:
        raise ValueError(f"gold {ref}: {len(words)} tokens in the corpus line, {expected} tags in the gold")
    return words


def load_gold(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """(words, tags) per sentence from JSON Lines ({"words", "tags"}) or CoNLL (token … tag, blank line between)."""
    return [(words, tags) for _, words, tags in load_gold_with_ids(path)]


def load_gold_with_ids(path: str | Path) -> list[tuple[str, list[str], list[str]]]:
    """(article id, words, tags) per sentence; the id is the part of a JSON "id" before ":" (else a
    per-sentence id), so that consecutive sentences of one article are read together, as in a Doc."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".jsonl", ".json"):
        rows = [json.loads(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return [(str(r.get("id", k)).split(":")[0], r["words"] if "words" in r else corpus_words(r["id"], len(r["tags"])),
                 r["tags"]) for k, r in enumerate(rows)]
    return [(str(k), words, tags) for k, (words, tags) in enumerate(_load_conll(text))]


def _load_conll(text: str) -> list[tuple[list[str], list[str]]]:
    sentences, words, tags = [], [], []
    for line in text.splitlines() + [""]:
        if not line.strip():
            if words:
                sentences.append((words, tags))
            words, tags = [], []
            continue
        if line.startswith("#"):
            continue
        parts = line.split()
        words.append(parts[0])
        tags.append(parts[-1])
    return sentences


def spans_from_bio(tags: list[str]) -> list[Span]:
    """Entity spans of a BIO sequence; an I- without a matching B- starts a new span."""
    spans, start, kind = [], None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, label = tag.partition("-")
        if start is not None and (prefix != "I" or label != kind):
            spans.append((start, i, kind))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and start is None and label):
            start, kind = i, label
    return [s for s in spans if s[2] in TYPES]


def word_offsets(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The words joined by single spaces, and each word's (start, end) in that text."""
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    return " ".join(words), offsets


def chars_to_words(spans: list[tuple[int, int, str]], offsets: list[tuple[int, int]]) -> list[Span]:
    """Character spans → word spans covering every word the span touches."""
    out = []
    for a, b, kind in spans:
        covered = [i for i, (s, e) in enumerate(offsets) if s < b and a < e]
        if covered and kind in TYPES:
            out.append((covered[0], covered[-1] + 1, kind))
    return out


def ours(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """This extractor over the sentences of one article (names typed once are recalled later)."""
    from tasks.extract.entities import extract_article_spans

    return extract_article_spans(texts)


def underthesea_system(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """underthesea NER, sentence by sentence."""
    return [underthesea_spans(t) for t in texts]


def underthesea_spans(text: str) -> list[tuple[int, int, str]]:
    """Char spans of underthesea.ner's B-/I- PER/ORG/LOC tags on `text`."""
    from underthesea import ner

    spans, pos, current = [], 0, None
    for token, *_, tag in ner(text):
        at = text.find(token, pos)
        if at < 0:
            continue
        pos = at + len(token)
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current and current[2] == label:
            current[1] = pos
            continue
        if current:
            spans.append(tuple(current))
            current = None
        if prefix in ("B", "I") and label in TYPES:
            current = [at, pos, label]
    if current:
        spans.append(tuple(current))
    return spans


def _match_count(pred: list[Span], gold: list[Span], overlap: bool) -> int:
    """One-to-one matches of the same type (exact boundaries, or any overlap)."""
    used, hits = set(), 0
    for p in pred:
        for gi, g in enumerate(gold):
            if gi in used or g[2] != p[2]:
                continue
            if (p[0] < g[1] and g[0] < p[1]) if overlap else (p[0], p[1]) == (g[0], g[1]):
                used.add(gi)
                hits += 1
                break
    return hits


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "tp": tp, "pred": n_pred, "gold": n_gold}


def score(pairs: list[tuple[list[Span], list[Span]]]) -> dict:
    """{match: {type|"ALL": P/R/F1}} for match in exact, overlap."""
    out = {}
    for match in ("exact", "overlap"):
        per_type = {}
        for kind in (*TYPES, "ALL"):
            tp = n_pred = n_gold = 0
            for pred, gold in pairs:
                p = [s for s in pred if kind in ("ALL", s[2])]
                g = [s for s in gold if kind in ("ALL", s[2])]
                tp += _match_count(p, g, match == "overlap")
                n_pred, n_gold = n_pred + len(p), n_gold + len(g)
            per_type[kind] = _prf(tp, n_pred, n_gold)
        out[match] = per_type
    return out


def _articles(sentences: list[tuple[str, list[str], list[str]]]) -> list[list[int]]:
    """Indices of consecutive sentences sharing an article id."""
    groups: list[list[int]] = []
    for k, (article, _, _) in enumerate(sentences):
        if groups and sentences[groups[-1][-1]][0] == article:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def _run(system, sentences) -> tuple[list[list[Span]], float]:
    preds: list[list[Span]] = [[] for _ in sentences]
    started = time.perf_counter()
    for group in _articles(sentences):
        joined = [word_offsets(sentences[k][1]) for k in group]
        for k, (text, offsets), spans in zip(group, joined, system([t for t, _ in joined])):
            preds[k] = chars_to_words(spans, offsets)
    return preds, time.perf_counter() - started


def evaluate(gold_path: str | Path, sample: int | None = None, baseline: bool = True, repeat: int = 1) -> dict:
    """Scores and throughput of this extractor (and underthesea NER when `baseline`) on a gold file.

    Throughput is the best of `repeat` timed passes per system, which damps the noise of a busy machine."""
    sentences = load_gold_with_ids(gold_path)
    sentences = sentences[:sample] if sample else sentences
    gold = [spans_from_bio(tags) for _, _, tags in sentences]
    from tasks.extract.entities import warm_up

    warm_up()  # load lexicons before timing
    systems = {"newsfacts": ours}
    if baseline:
        underthesea_spans("Khởi động Hà Nội.")
        systems["underthesea"] = underthesea_system
    result = {"gold": str(gold_path), "sentences": len(sentences), "repeat": repeat, "systems": {}}
    for name, system in systems.items():
        preds, seconds = _run(system, sentences)
        for _ in range(repeat - 1):
            seconds = min(seconds, _run(system, sentences)[1])
        result["systems"][name] = {
            "scores": score(list(zip(preds, gold))),
            "seconds": seconds,
            "sentences_per_s": len(sentences) / seconds if seconds else float("inf"),
        }
    if baseline:
        ratio = result["systems"]["newsfacts"]["sentences_per_s"] / result["systems"]["underthesea"]["sentences_per_s"]
        result["speedup"] = ratio
    return result


def format_report(result: dict) -> str:
    """Plain-text table of the evaluation."""
    lines = [f"gold: {result['gold']}  sentences: {result['sentences']}  timing: best of {result.get('repeat', 1)}"]
    for name, r in result["systems"].items():
        lines.append(f"\n{name}: {r['sentences_per_s']:.0f} sentences/s ({r['seconds']:.2f} s)")
        lines.append(f"  {'type':<5} {'match':<8} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'pred':>5} {'gold':>5}")
        for match in ("exact", "overlap"):
            for kind, s in r["scores"][match].items():
                lines.append(f"  {kind:<5} {match:<8} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}"
                             f" {s['tp']:5d} {s['pred']:5d} {s['gold']:5d}")
    if "speedup" in result:
        lines.append(f"\nthroughput: newsfacts is {result['speedup']:.0f}x underthesea")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """python -m tasks.evaluate.entities [GOLD] [SAMPLE] [--no-baseline] [--repeat=N]"""
    args = [a for a in argv if not a.startswith("--")]
    gold_file = args[0] if args else str(GOLD_DIR / "entities_dantri.jsonl")
    sample = int(args[1]) if len(args) > 1 else None
    repeat = next((int(a.split("=", 1)[1]) for a in argv if a.startswith("--repeat=")), 1)
    print(format_report(evaluate(gold_file, sample, baseline="--no-baseline" not in argv, repeat=repeat)))


if __name__ == "__main__":
    main(sys.argv[1:])
