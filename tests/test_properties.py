"""Property tests: text normalisation, span offsets of every extractor, and idempotent commits, over generated text."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.extract.batch import doc_from_text, extract_batch, extract_facts, facts_as_dicts
from tasks.load.batch import load_batch
from tasks.model import Article, Paragraph
from tasks.clean.textnorm import clean_text
from warehouse.store import Warehouse
from warehouse.tables import TABLES

# Words that make the extractors fire (numbers, units, periods, documents, titles, places), so generated
# texts produce spans to check, mixed with arbitrary Unicode between them.
VIETNAMESE_PIECES = (
    "Năm 2020", "tỉnh Quảng Ninh", "thu hút", "120", "1.500", "3,5", "½", "10^9", "1.2.3.4", "tỷ đồng", "triệu USD",
    "doanh nghiệp", "dự án", "tăng 15%", "so với cùng kỳ", "quý I/2021", "6 tháng đầu năm", "ngày 11/10/2018",
    "Nghị quyết số 19-NQ/TU", "Quyết định 123/QĐ-UBND", "ông Nguyễn Văn An", "Chủ tịch UBND", "Bí thư Thành ủy",
    "TP Hồ Chí Minh", "Hà Nội", "khoảng", "hơn", "gần", "ha", "km", "người", ".", ",", ";", ":", "\n", " ", "(", ")",
    "Cẩm Phả", "Đà Nẵng", "Thứ Năm,", "17:00", "[GMT+7]", "“", "”", "-", "–", "\u0301", "\u00a0", "\t",
)
unicode_text = st.text(max_size=400)
newsy_text = st.lists(st.one_of(st.sampled_from(VIETNAMESE_PIECES), st.text(max_size=6)), max_size=60).map(" ".join)
any_text = st.one_of(unicode_text, newsy_text)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_clean_text_never_raises_and_is_idempotent(text):
    once = clean_text(text)
    assert isinstance(once, str)
    assert clean_text(once) == once


def span_rows(facts: dict[str, list[dict]]):
    for table, rows in facts.items():
        for row in rows:
            if {"char_start", "char_end", "mention"} <= row.keys():
                yield table, row


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.booleans())
def test_every_extracted_span_is_its_mention_and_lies_in_its_sentence(text, cleaned):
    text = clean_text(text) if cleaned else text
    doc = doc_from_text(text)
    for table, row in span_rows(facts_as_dicts(extract_facts(doc))):
        start, end = row["char_start"], row["char_end"]
        assert 0 <= start <= end <= len(text), (table, row)
        assert text[start:end] == row["mention"], (table, row)
        if row.get("sentence_index") is not None:
            sentence = doc.sentences[row["sentence_index"]]
            assert sentence.start <= start and end <= sentence.end, (table, row, sentence)


VN = timezone(timedelta(hours=7))


def article_from(i: int, title: str, body: list[str], day: int) -> Article:
    return Article(source="thu-nghiem", uri=f"/tmp/thu-nghiem/bai-{i}.txt", title=title,
                   paragraphs=[Paragraph(0, "title", title), *(Paragraph(0, "body", p) for p in body)],
                   published_at=datetime(2020, 1 + day % 12, 1 + day % 28, 8, tzinfo=VN)).assemble()


articles_strategy = st.lists(
    st.tuples(newsy_text.map(clean_text).filter(str.strip), st.lists(newsy_text.map(clean_text), max_size=4),
              st.integers(0, 400)),
    min_size=1, max_size=4)


def snapshot(wh: Warehouse) -> dict[str, list[str]]:
    return {name: sorted(json.dumps(r, sort_keys=True, default=str) for r in wh.read_table(name).to_pylist())
            for name in TABLES if name != "runs"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles_strategy)
def test_committing_the_same_batch_twice_leaves_every_table_unchanged(specs):
    articles = [article_from(i, title, body, day) for i, (title, body, day) in enumerate(specs)]
    with tempfile.TemporaryDirectory() as folder:
        wh = Warehouse(folder)
        first = load_batch(wh, extract_batch(articles, "run-1"), "run-1", "b1")
        assert first.new == len(articles)
        before = snapshot(wh)
        again = load_batch(wh, extract_batch(articles, "run-2"), "run-2", "b2")
        assert (again.new, again.changed, again.unchanged) == (0, 0, len(articles))
        assert snapshot(wh) == before
