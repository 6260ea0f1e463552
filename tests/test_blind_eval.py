"""The blind gold sets are well formed, refer to real corpus spans, and are scored by the rules they were written for."""

from __future__ import annotations

import pytest

from conftest import CORPUS_V2, needs_corpus
from tasks.evaluate.blind import BLIND_DEV, BLIND_TEST, FAMILIES, Score, format_report, load_gold, match, same_phrase
from tasks.evaluate.quantities import corpus_text
from tasks.settings import GOLD_DIR

GOLD_FILES = (BLIND_DEV, BLIND_TEST, GOLD_DIR / "events_v2.jsonl")


def test_splits_are_disjoint_and_large_enough():
    dev, test = ({e["file"] for e in load_gold(p)} for p in (BLIND_DEV, BLIND_TEST))
    assert len(dev) == 20 and len(test) == 40 and not dev & test
    assert {e["split"] for e in load_gold(BLIND_TEST)} == {"test"}
    assert {e["split"] for e in load_gold(BLIND_DEV)} == {"dev"}


def test_gold_keeps_no_article_text():
    for path in GOLD_FILES:
        for entry in load_gold(path):
            for family, items in entry.items():
                if isinstance(items, list):
                    assert all("mention" not in it and "text" not in it for it in items), (path.name, family)


@needs_corpus
@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_every_gold_span_is_inside_its_line_of_the_corpus_file(path):
    for entry in load_gold(path):
        text, _ = corpus_text((CORPUS_V2 / entry["file"]).read_text(encoding="utf-8"))
        lines = text.split("\n")
        for family, items in entry.items():
            if not isinstance(items, list):
                continue
            for it in items:
                start, end = it["char_start"], it["char_end"]
                assert 0 <= start < end <= len(text) and "\n" not in text[start:end], (entry["file"], family, it)
                line_start = sum(len(line) + 1 for line in lines[: it["line"] - 1])
                assert line_start <= start and end <= line_start + len(lines[it["line"] - 1])
                for part in it.get("participants", []):
                    assert text[part["char_start"]:part["char_end"]].strip()


def _item(start, end, **fields):
    return {"char_start": start, "char_end": end, "mention": "x", **fields}


def test_unsure_gold_is_optional_and_a_considered_post_must_not_be_stated():
    score = Score("t")
    gold = [_item(0, 5), _item(10, 15, unsure=True), _item(20, 25, negative=True, status="candidate"), _item(30, 35)]
    predicted = [_item(0, 4), _item(11, 14), _item(21, 22), _item(40, 45)]
    match(score, predicted, gold, lambda p, g: p["char_start"] < g["char_end"] and g["char_start"] < p["char_end"])
    assert (score.gold, score.true_positives, score.false_positives, score.optional_hits) == (3, 1, 2, 1)
    assert score.recall == pytest.approx(1 / 3) and score.precision == pytest.approx(1 / 3)


def test_phrases_match_when_one_contains_the_other_at_word_boundaries():
    assert same_phrase("tổng vốn đầu tư", "tổng vốn") and same_phrase(None, None)
    assert not same_phrase("vốn", None) and not same_phrase("tổng vốn", "vốn điều lệ")
    assert same_phrase("dân", "dân số") and not same_phrase("dâ", "dân số")  # whole words only


def test_errors_of_the_test_split_are_never_printed():
    scores = {f: Score(f) for f in FAMILIES}
    with pytest.raises(ValueError, match="dev split only"):
        format_report(scores, BLIND_TEST, show_errors=True)
    assert "roles" in format_report(scores, BLIND_DEV, show_errors=True)
