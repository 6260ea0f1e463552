"""The quantities of a sentence: each candidate number read with its unit, comparator, direction, counted object and metric."""

from __future__ import annotations

import re
from operator import attrgetter
from typing import NamedTuple

from tasks.extract.numbers import GROUPED, parse_number
from tasks.extract.quantity_candidates import (Candidate, dashed_unit_candidates, fraction_candidates,
                                               number_candidates, word_candidates)
from tasks.extract.quantity_context import (comparators_before, direction_before, following_phrase,
                                            following_phrase_span, implied_currency, is_identifier_context,
                                            overlaps, prefix_unit, read_tail, stripped_end)
from tasks.extract.quantity_lexicon import COUNT_UNITS, CURRENCIES, MEASURED, TIME_UNITS, phrase_key, quantity_lexicon
from tasks.extract.quantity_metric import metric as metric_of
from tasks.extract.quantity_patterns import NUM, quantity_patterns

_START = attrgetter("start")  # sort key of candidates and quantities


class Quantity(NamedTuple):  # a tuple: immutable, and quicker to make than a dataclass
    start: int
    end: int
    value: float
    unit_written: str | None
    normalized_value: float
    normalized_unit: str
    comparator: str
    approximate: bool
    direction: str | None
    counted_object: str | None
    metric: str | None
    number_start: int  # where the number itself starts (after comparators)


def sentence_quantities(text: str, low: str, lo: int, hi: int, claimed: list[tuple[int, int]],
                        first_digit: int, word_starts: list[int] | None = None) -> list[Quantity]:
    """Quantities of text[lo:hi], none overlapping `claimed` (dates, documents, clock times);
    `first_digit` is where its first digit is (-1: none), `word_starts` (see word_candidates) when known."""
    found: list[Quantity] = []
    candidates = word_candidates(text, low, lo, hi, word_starts) if word_starts != [] else []
    if first_digit >= 0:
        # (a candidate overlapping a claimed span is passed over below: those are not made)
        candidates += number_candidates(text, first_digit, hi, claimed)
        candidates += fraction_candidates(text, low, lo, hi, first_digit, claimed)
        candidates += dashed_unit_candidates(text, lo, hi, first_digit)
    if not candidates:
        return found
    taken = list(claimed)
    for c in sorted(candidates, key=_START):
        if overlaps(taken, c.start, c.end):
            continue
        q = read_quantity(text, low, lo, hi, c, claimed)
        if not q:
            continue
        q_start, q_end = (q[0].start, q[0].end) if len(q) == 1 else (min(x.start for x in q), max(x.end for x in q))
        if overlaps(claimed, c.start, q_end):
            continue  # "884 năm 1993": the unit word belongs to a date
        found.extend(q)
        taken.append((q_start, q_end))
    return sorted(found, key=_START)


def read_quantity(text: str, low: str, lo: int, hi: int, c: Candidate, claimed: list[tuple[int, int]],
                  allow_shared: bool = True) -> list[Quantity]:
    """The quantity (two for a range or a shared-unit pair) read at candidate `c`, or none."""
    if c.kind == "fraction":
        return [_fraction_quantity(text, low, lo, hi, c)]
    start, end, values = c.start, c.end, c.values
    mult, mult_text, unit, per, unit_end, obj, q_end = read_tail(text, lo, hi, end)
    if c.kind == "mult_words" and (unit is None or unit.normalized not in CURRENCIES):
        return []
    stripped = stripped_end(low, lo, start)  # where the words before the number end
    bare = unit is None and obj is None and mult_text is None
    prefix = prefix_unit(low, lo, start, stripped) if bare else None
    if prefix:
        unit, unit_end = prefix[0], end
    shared = _shared_tail(text, low, lo, hi, end, claimed) if bare and not prefix and len(values) == 1 and allow_shared else None
    if shared is None and unit is None and obj is None:
        if mult_text is None:
            return _bare_number(text, low, lo, hi, c, stripped, claimed)
        normalized_unit, factor = implied_currency(text, low, lo, hi, end) or "count", 1.0
    elif shared is not None:
        normalized_unit, factor, obj = shared[1].normalized_unit, _shared_factor(values[0], shared[1]), shared[1].counted_object
    else:
        normalized_unit = unit.normalized if unit else "count"
        factor = unit.factor if unit else 1.0
        if per:
            normalized_unit = f"{normalized_unit}/{per}"
    if normalized_unit.split("/")[0] not in MEASURED and prefix is None and is_identifier_context(text, low, lo, start, stripped):
        return []  # "Điều 5", "số 2": an identifier, unless it measures money or a share
    v = values[0]
    if len(values) == 1 and 1900 <= v <= 2100 and v == int(v) and unit is None and mult_text is None and text[start:end].isdigit():
        return []  # a bare year next to a noun ("2020 thương hiệu" is rare; "Vinamilk 2020 …" is not)
    comp_start, comparator, approx, direction, dir_start = _comparison(low, lo, hi, c, q_end, stripped, prefix)
    # as written between the number and the end of the unit: "tỷ đồng", "đồng/lít", "%"
    unit_written = unit.written if prefix else " ".join(text[end:unit_end].split()) or None
    counted = obj is not None or normalized_unit in COUNT_UNITS or (normalized_unit in TIME_UNITS and direction is None)
    metric = metric_of(text, low, lo, dir_start if direction else comp_start, direction is not None, counted, claimed)
    if metric is None and normalized_unit == "percent":
        metric = following_phrase(text, q_end, hi)
    if shared is not None:
        kind, second = shared
        first_comp, second_comp = ("≥", "≤") if kind == "range" else (comparator, second.comparator)
        return [Quantity(comp_start, end, values[0], second.unit_written, values[0] * factor, normalized_unit,
                         first_comp, approx or first_comp == "≈", direction, obj, metric, start),
                second._replace(comparator=second_comp, direction=direction or second.direction, metric=metric or second.metric)]
    if len(values) == 2:
        first_end = start + len(re.match(NUM, text[start:end]).group(0))  # the first number of a range ends before its dash
        return [Quantity(s_, e_, n, unit_written, n * mult * factor, normalized_unit, comp, approx, direction, obj, metric, s_)
                for s_, e_, n, comp in ((comp_start, first_end, values[0], "≥"), (c.b_start, q_end, values[1], "≤"))]
    return [Quantity(comp_start, q_end, v, unit_written, v * mult * factor, normalized_unit, comparator,
                     approx or comparator == "≈", direction, obj, metric, start)]


def _bare_number(text: str, low: str, lo: int, hi: int, c: Candidate, stripped: int,
                 claimed: list[tuple[int, int]]) -> list[Quantity]:
    """A number with no unit, counted object or multiplier: a statistic listed after its label, an amount
    written in thousands groups, or none."""
    pats = quantity_patterns()
    start, end, values = c.start, c.end, c.values
    # the label pattern backtracks over the whole clause, so run it only when a colon ends the text before
    colon = stripped > lo and text[stripped - 1] == ":"
    label = pats["colon_label"].search(text[lo:start]) if colon else None
    if label and pats["list_end"].match(text, end, hi):
        # "Cách ly tập trung tại bệnh viện: 266" — a statistic listed after its label
        metric = re.sub(r"^[\s\-+•]+", "", label.group("label")).strip() or None
        return [Quantity(start, end, values[0], None, values[0], "count", "=", False, None, None, metric, start)]
    if len(values) == 1 and GROUPED.fullmatch(text, start, end) and not is_identifier_context(text, low, lo, start, stripped):
        # "2.000 báo đen", "tổng số thí sinh là 642.945": a number written with thousands groups is an amount
        comp_start, comparator, approx = comparators_before(low, lo, start, stripped)
        # the counted phrase stops before a date or document ("10.704 phiếu hồi năm 2016")
        limit = min((a for a, _ in claimed if a >= end), default=hi)
        what, what_end = following_phrase_span(text, end, limit)
        metric = metric_of(text, low, lo, comp_start, False, what is not None, claimed)
        return [Quantity(comp_start, what_end, values[0], None, values[0], "count", comparator,
                         approx or comparator == "≈", None, what, metric, start)]
    return []


def _comparison(low: str, lo: int, hi: int, c: Candidate, q_end: int, stripped: int,
                prefix: tuple | None) -> tuple[int, str, bool, str | None, int]:
    """(start with the comparators, comparator, approximate, direction, where the direction starts)."""
    pats, start = quantity_patterns(), c.start
    if prefix:
        comp_start, comparator, approx = prefix[1], prefix[2], False
    elif pats["comp_before"].may_match(low, max(lo, start - 40), start, stripped):
        comp_start, comparator, approx = comparators_before(low, lo, start, stripped)
    else:  # (what comparators_before finds with no comparator before the number)
        comp_start, comparator, approx = start, "=", False
    direction, dir_start = direction_before(low, lo, comp_start, stripped if comp_start == start else None)
    # "trở lên" after the number: its first word must follow the spaces there
    after_word = q_end
    while after_word < hi and low[after_word].isspace():
        after_word += 1
    lex = quantity_lexicon()
    after = pats["comp_after"].match(low, q_end, hi) if low.startswith(lex.comp_after_firsts, after_word) else None
    if after:
        comparator = lex.comparators[phrase_key(after.group("c"))][0]
    approx = approx or c.approx_words
    if c.approx_words and comparator == "=":
        comparator = "≈"  # "hàng trăm người"
    return comp_start, comparator, approx, direction, dir_start


def _fraction_quantity(text: str, low: str, lo: int, hi: int, c: Candidate) -> Quantity:
    comp_start, comparator, approx = comparators_before(low, lo, c.start)
    v = c.values[0]
    return Quantity(comp_start, c.end, v, None, v, "ratio", comparator, approx or comparator == "≈", None, None,
                    following_phrase(text, c.end, hi), c.start)


def _shared_tail(text: str, low: str, lo: int, hi: int, end: int, claimed: list[tuple[int, int]]):
    """ "24 đến 48 giờ", "2 và 3 tháng": (link kind, the second number's quantity) when it has a unit or object."""
    pats = quantity_patterns()
    link = pats["range_link"].match(low, end, hi)
    if not link:
        return None
    nm = pats["number"].match(text, link.end(), hi)
    if not nm or nm.group("b"):
        return None
    vb = parse_number(nm.group("a"))
    if vb is None:
        return None
    second = read_quantity(text, low, lo, hi, Candidate(nm.start(), nm.end(), [vb], False, None, "digits"), claimed,
                           allow_shared=False)
    if len(second) != 1 or second[0].start != nm.start() or overlaps(claimed, second[0].start, second[0].end):
        return None  # the second number carries no unit, or its unit word belongs to a date
    return quantity_lexicon().range_links[phrase_key(link.group("l"))], second[0]


def _shared_factor(first: float, second: Quantity) -> float:
    """What the first number of "1,2 đến 5 triệu đồng" is multiplied by to share the second's unit.

    A first number a thousand times the second is already whole ("500.000 đến 50 triệu đồng");
    money written "400 đến 600.000 đồng" drops the thousands of the first number, so it gets them back.
    """
    if first >= 1000 * second.value:
        return 1.0
    factor = second.normalized_value / second.value if second.value else 1.0
    if second.normalized_unit in CURRENCIES and factor == 1.0 and first * 100 < second.value:
        while first * factor * 1000 <= second.value:
            factor *= 1000
    return factor
