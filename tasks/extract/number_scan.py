"""The number scan: one pass over a document's sentences finding its periods, legal documents and quantities.

The three share the pass because they claim spans from one another: a date or a document number is
never a quantity ("ngày 11/10/2018", "Nghị quyết số 19"), and a quantity is dated by the periods
of its sentence or its paragraph. The quantities, periods and legal_documents families each turn
their part of the scan into rows (`number_scan`, computed once per document).
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from tasks.extract.document_refs import DocumentRef, find_documents_in
from tasks.extract.period_dates import Period, published_date
from tasks.extract.period_finder import find_periods_in, time_of_day_spans
from tasks.extract.period_patterns import time_lexicon
from tasks.extract.quantity_lexicon import quantity_lexicon
from tasks.extract.quantity_reader import Quantity, sentence_quantities
from tasks.extract.textscan import DIGIT, WordStarts, lower_view
from tasks.model import Doc, Sentence

# How close to the sentence start a period must be to frame the following sentences of the paragraph.
_FRAME_OFFSET = 8
# A sentence that takes the scan through every reader: dates, a document, words, digits, units, comparators.
_WARM_UP_TEXT = ("Từ đầu năm đến ngày 11/10/2018, theo Nghị định 15/2020/NĐ-CP, hai dự án của tỉnh đạt "
                 "khoảng 1,5 tỷ đồng, tăng 10% so với năm nay, lúc 17:00.")


class NumberScan(NamedTuple):
    """What the scan found in one document, each with the index of its sentence."""

    periods: list[tuple[int, Period]]
    documents: list[tuple[int, DocumentRef]]
    quantities: list[tuple[int, Quantity, Period | None]]  # with the period each quantity refers to


def number_scan(doc: Doc) -> NumberScan:
    """The document's number scan, made by the first family that asks and shared by the others."""
    return doc.computed("number_scan", scan_numbers)


@cache
def scanned_words() -> frozenset[str]:
    """Number words and the words period patterns start with: where these start a word is found once per document."""
    return quantity_lexicon().counting_words | time_lexicon().scan_words


def warm_up() -> None:
    """Read the lexicons and build the patterns now, so that the first document does not pay for them."""
    text = _WARM_UP_TEXT
    scan_numbers(Doc("warm-up", text, [Sentence(0, 0, 0, len(text))], []))


def scan_numbers(doc: Doc) -> NumberScan:
    """Periods, legal documents and quantities of every sentence, in one pass."""
    text = doc.text
    published = published_date(doc.published_at)
    low = lower_view(text)
    # number words and the words periods start with, found in one scan of the article (not one per pattern and sentence)
    words = WordStarts(low, scanned_words())
    period_words, counting_words = time_lexicon().scan_words, quantity_lexicon().counting_words
    scan = NumberScan([], [], [])
    frame: Period | None = None  # the period that dates the rest of the paragraph
    frame_paragraph = -1
    # the first digit at or after `searched_from` (len(text) when there is none): one search serves the
    # sentences up to it, which have no digit
    searched_from, next_digit = len(text) + 1, -1
    for s in doc.sentences:
        if s.paragraph_index != frame_paragraph:
            frame, frame_paragraph = None, s.paragraph_index
        lo, hi = s.start, s.end
        if not searched_from <= lo <= next_digit:
            digit = DIGIT.search(text, lo)
            searched_from, next_digit = lo, digit.start() if digit else len(text)
        first_digit = next_digit if next_digit < hi else -1
        starts = words.within(lo, hi)
        if first_digit < 0 and not starts.positions:
            continue  # no digit and none of the words periods and numbers in words start with
        # without digits, a period needs one of its words, a quantity a number word
        periods = find_periods_in(text, lo, hi, published, low, first_digit, starts) if (
            first_digit >= 0 or not starts.present.isdisjoint(period_words)) else []
        claimed = []
        if periods:
            scan.periods.extend([(s.index, p) for p in periods])
            claimed = [(p.start, p.end) for p in periods]
        if first_digit >= 0:  # documents and clock times all have digits
            documents = find_documents_in(text, lo, hi, low, first_digit)
            if documents:
                scan.documents.extend([(s.index, d) for d in documents])
                claimed += [(d.start, d.end) for d in documents]
            claimed += time_of_day_spans(text, lo, hi, low, first_digit)
        numbers_in_words = not starts.present.isdisjoint(counting_words)
        found = sentence_quantities(
            text, low, lo, hi, claimed, first_digit, starts.positions if numbers_in_words else []
        ) if first_digit >= 0 or numbers_in_words else []
        if found:
            own = [p for p in periods if p.recurrence is None] if periods else []
            scan.quantities.extend([(s.index, q, _linked_period(q, own, frame)) for q in found])
        if periods:
            framing = [p for p in periods if p.recurrence is None and p.start - lo <= _FRAME_OFFSET]
            if framing:
                frame = framing[0]
    return scan


def _linked_period(q: Quantity, own: list[Period], frame: Period | None) -> Period | None:
    """Period of a quantity: nearest earlier one in its sentence, else a later one, else the paragraph frame.

    `own`: the sentence's periods that are not recurrences ("hằng năm" dates nothing), in order.
    """
    before = None
    for p in own:
        if p.end <= q.number_start:
            before = p
    if before is not None:
        return before
    for p in own:
        if p.start >= q.end:
            return p
    return frame
