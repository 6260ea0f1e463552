"""Quantities in Vietnamese news ("trên 778 tỷ đồng", "74 dự án", "13,15%") with unit, comparator, metric and period.

Money written with a multiplier but no currency ("tổng đầu tư trên 64 tỷ") is read as đồng when the
same sentence names a currency after it or talks about money (qty_money_context.txt); otherwise the
number stays a plain count ("1,7 triệu ly sữa" is a count of "ly sữa"). Numbers inside dates, clock
times, time zones, document numbers, codes, versions, ordinals and identifiers are not quantities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.documents import DocumentRef, document_rows, find_documents_in
from tasks.lexicon import table, word_list
from tasks.model import Doc, Sentence
from tasks.numbers import multipliers, number_words, parse_number, parse_number_words, words_not_alone
from tasks.periods import Period, find_periods_in, period_rows, published_date, time_of_day_spans

EXTRACTOR_NAME = "quantities"
EXTRACTOR_VERSION = "1.0.0"

# Units whose numbers stay quantities even after an identifier word ("ở mức 50%", "số 5 tỷ đồng").
_MEASURED = {"percent", "percentage_point", "VND", "USD", "EUR", "GBP", "JPY", "CNY", "KRW", "THB", "SGD", "AUD"}
_COUNT_UNITS = {"count", "person"}
_CURRENCIES = _MEASURED - {"percent", "percentage_point"}
# Durations and ratios: a bare clause before them is rarely the thing measured ("thấp nhất 10 năm").
_TIME_UNITS = {"year", "month", "week", "day", "hour", "minute", "second", "decade", "times", "year_of_age"}
# How close to the sentence start a period must be to frame the following sentences of the paragraph.
_FRAME_OFFSET = 8


@dataclass(frozen=True)
class Unit:
    written: str
    normalized: str
    factor: float


@dataclass
class Quantity:
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


def _alternation(phrases) -> str:
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(set(phrases), key=len, reverse=True))


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower())


@cache
def _units() -> dict[str, Unit]:
    return {row[0]: Unit(row[0], row[1], float(row[2])) for row in table("qty_units.tsv")}


@cache
def _count_nouns() -> dict[str, bool]:
    """Count noun → takes a modifying phrase into the counted object."""
    return {row[0]: len(row) > 1 and row[1] == "+" for row in table("qty_count_nouns.txt")}


@cache
def _comparators() -> dict[str, tuple[str, str]]:
    return {_key(row[0]): (row[1], row[2]) for row in table("qty_comparators.tsv")}


@cache
def _directions() -> dict[str, str]:
    return {_key(row[0]): row[1] for row in table("qty_directions.tsv")}


@cache
def _stops() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_object_stops.txt"))


@cache
def _id_markers() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_id_markers.txt"))


@cache
def _trailing() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_metric_trailing.txt"))


@cache
def _openers() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_clause_openers.txt"))


_NUM = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
_WORD = r"[^\W\d_]+"


@cache
def _patterns() -> dict[str, re.Pattern]:
    units = _units()
    unit_alt = _alternation(units)
    mult_alt = _alternation(multipliers())
    nw = number_words()
    word_alt = _alternation(w for w in nw)
    comps_before = [p for p, (_, pos) in _comparators().items() if pos == "before"]
    comps_after = [p for p, (_, pos) in _comparators().items() if pos == "after"]
    return {
        # a digit number, or a dash range of two ("20-30%"); not inside codes, dates, versions, 10^9
        "number": re.compile(
            rf"(?<![\w.,/:+\-^])(?P<a>{_NUM})(?:\s*[-–]\s*(?P<b>{_NUM}))?(?![\d^]|[.,/:\-]\d|\.\w)"
        ),
        "words": re.compile(rf"(?<![\w])(?:{word_alt})(?:\s+(?:{word_alt}))*(?![\w])", re.IGNORECASE),
        "mult": re.compile(rf"\s*(?P<m>(?:{mult_alt})(?:\s+(?:{mult_alt}))*)(?![\w])"),
        "unit": re.compile(rf"(?:\s*|-)(?P<u>{unit_alt})(?:/(?P<per>{unit_alt}))?(?:(?<=[^\w])|(?![\w]))"),
        "count": re.compile(rf"\s+(?P<c>{_alternation(_count_nouns())})(?![\w])"),
        "word": re.compile(rf"\s+({_WORD})"),
        "comp_before": re.compile(rf"(?:^|(?<=[\s(]))(?P<c>{_alternation(comps_before)})\s+$", re.IGNORECASE),
        "comp_after": re.compile(rf"\s+(?P<c>{_alternation(comps_after)})(?![\w])", re.IGNORECASE),
        "direction": re.compile(rf"(?:^|(?<=[\s(]))(?P<d>{_alternation(_directions())})\s+$", re.IGNORECASE),
        "link": re.compile(rf"(?:^|\s)(?P<l>{_alternation(word_list('qty_metric_links.txt'))})\s*$", re.IGNORECASE),
        "prev_word": re.compile(rf"(?:^|[\s(])(?P<w>{_WORD}(?:\s+{_WORD})?)\s+$"),
        "fixed": re.compile(rf"(?:{_alternation(word_list('qty_fixed_expressions.txt'))})(?![\w])", re.IGNORECASE),
        "money": re.compile(rf"(?<![\w])(?:{_alternation(word_list('qty_money_context.txt'))})(?![\w])", re.IGNORECASE),
        "colon_label": re.compile(r"(?P<label>[^:;\n]{2,}):\s+$"),
        "list_end": re.compile(r"\s*(?:[.;]?\s*$|,\s+trong\s+đó)"),
        "clause_break": re.compile(r",(?!\d)|[;:()“”\"\n]|\s[-–]\s"),
    }


def _window(text: str, lo: int, pos: int, width: int = 40) -> str:
    return text[max(lo, pos - width) : pos]


def _comparators_before(text: str, lo: int, pos: int) -> tuple[int, str, bool]:
    """(new start, comparator, approximate) from comparator words stacked right before `pos`."""
    comps = _comparators()
    symbol, approx, start = "=", False, pos
    for _ in range(3):
        win = _window(text, lo, start)
        m = _patterns()["comp_before"].search(win)
        if not m:
            break
        sym = comps[_key(m.group("c"))][0]
        if sym == "≈":
            approx = True
            if symbol == "=":
                symbol = sym
        elif symbol in ("=", "≈"):
            symbol = sym
        start -= len(win) - m.start()
    return start, symbol, approx


def _direction_before(text: str, lo: int, pos: int) -> tuple[str | None, int]:
    m = _patterns()["direction"].search(_window(text, lo, pos))
    if not m:
        return None, pos
    d = _directions()[_key(m.group("d"))]
    return (None if d == "level" else d), pos - (len(_window(text, lo, pos)) - m.start())


def _previous_words(text: str, lo: int, pos: int) -> list[str]:
    m = _patterns()["prev_word"].search(_window(text, lo, pos, 30))
    if not m:
        return []
    words = m.group("w").split()
    return [_key(" ".join(words)), _key(words[-1])]


def _counted_object(text: str, pos: int, hi: int) -> tuple[str | None, int]:
    """The counted noun phrase at `pos` ("trạm tiếp sóng", "phường, xã") and where it ends."""
    pats = _patterns()
    m = pats["count"].match(text, pos, hi)
    if not m:
        return None, pos
    nouns, stops = _count_nouns(), _stops()
    head = m.group("c")
    start, end = m.start("c"), m.end()
    if nouns.get(head, False):
        for _ in range(6):
            w = pats["word"].match(text, end, hi)
            if not w or _key(w.group(1)) in stops or not w.group(1).islower():
                break
            # stop before a two-word stop phrase ("so với", "trở lên")
            w2 = pats["word"].match(text, w.end(), hi)
            if w2 and _key(f"{w.group(1)} {w2.group(1)}") in stops:
                break
            end = w.end()
    # "7 phường, xã", "25 cuộc kiểm tra, giám sát, thanh tra": short coordinated nouns after commas
    while text.startswith(",", end):
        seg_end, n, pos2 = end + 1, 0, end + 1
        while n < 2:
            w = pats["word"].match(text, pos2, hi)
            if not w or _key(w.group(1)) in stops or not w.group(1).islower():
                break
            pos2, n = w.end(), n + 1
        after = text[pos2:hi].lstrip()
        closes = after == "" or after[0] in ",;.)(…" or (
            (w2 := pats["word"].match(text, pos2, hi)) is not None and _key(w2.group(1)) in stops
        )
        if n == 0 or not closes:
            break
        end = seg_end = pos2
    return text[start:end], end


def _implied_currency(text: str, lo: int, hi: int, pos: int) -> str | None:
    """Currency for "64 tỷ" without one: a currency written later in the sentence, else VND in money talk."""
    pats = _patterns()
    units = _units()
    for m in re.finditer(rf"{_NUM}", text[pos:hi]):
        um = pats["unit"].match(text, pos + m.end(), hi)
        if um and units[um.group("u")].normalized in _CURRENCIES:
            return units[um.group("u")].normalized
    if pats["money"].search(text, lo, hi):
        return "VND"
    return None


def _metric(text: str, lo: int, anchor: int, has_link_or_direction: bool, counted: bool) -> str | None:
    """The noun phrase measured by the number: clause text before the linking verb."""
    pats = _patterns()
    prefix_start = lo
    for m in pats["clause_break"].finditer(text, lo, anchor):
        prefix_start = m.end()
    prefix = text[prefix_start:anchor]
    link = pats["link"].search(prefix)
    if link:
        prefix = prefix[: link.start()]
    elif counted:
        return None  # "thành lập 248 doanh nghiệp": the clause is an action, not a measured noun
    words = prefix.split()
    openers = _openers()
    while words and (_key(words[0]) in openers or (len(words) > 1 and _key(" ".join(words[:2])) in openers)):
        words = words[2:] if _key(" ".join(words[:2])) in openers else words[1:]
    trailing = _trailing()
    while words and _key(words[-1]) in trailing:
        words.pop()
    if not words:
        return None
    if not link and not has_link_or_direction:
        # no verb: only a short noun phrase right before the number counts ("tổng đầu tư trên 64 tỷ")
        if len(words) > 5 or any(w[:1].isupper() for w in words):
            return None
    if len(words) > 14:
        return None
    return " ".join(words)


def _following_phrase(text: str, pos: int, hi: int) -> str | None:
    """Lower-case noun phrase right after a percentage ("57% kế hoạch tỉnh giao")."""
    pats, stops, words, end = _patterns(), _stops(), [], pos
    for _ in range(6):
        w = pats["word"].match(text, end, hi)
        if not w or not w.group(1).islower() or _key(w.group(1)) in stops:
            break
        w2 = pats["word"].match(text, w.end(), hi)
        if w2 and _key(f"{w.group(1)} {w2.group(1)}") in stops:
            break
        words.append(w.group(1))
        end = w.end()
    return " ".join(words) or None


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(s < b and e > a for a, b in spans)


def _read_tail(text: str, lo: int, hi: int, num_end: int) -> tuple[float, str | None, Unit | None, str | None, int, str | None, int]:
    """After a number: (multiplier, multiplier text, unit, rate denominator, unit end, counted object, end)."""
    pats = _patterns()
    mult, mult_text, pos = 1.0, None, num_end
    mm = pats["mult"].match(text, pos, hi)
    if mm and mm.start("m") - pos <= 1:
        mult_text = mm.group("m")
        mult = float(_mult_value(mult_text))
        pos = mm.end()
    um = pats["unit"].match(text, pos, hi)
    if um:
        unit = _units()[um.group("u")]
        per = _units()[um.group("per")].normalized if um.group("per") else None
        return mult, mult_text, unit, per, um.end(), None, um.end()
    obj, end = _counted_object(text, pos, hi)
    return mult, mult_text, None, None, pos, obj, end


def _mult_value(words: str) -> int:
    value = 1
    mults = multipliers()
    for w in words.split():
        value *= mults[w.lower()]
    return value


def _sentence_quantities(text: str, s: Sentence, claimed: list[tuple[int, int]]) -> list[Quantity]:
    pats = _patterns()
    lo, hi = s.start, s.end
    found: list[Quantity] = []
    taken = list(claimed)
    candidates: list[tuple[int, int, list[float], bool, int | None]] = []  # (start, end, values, approx, b_start)
    for m in pats["number"].finditer(text, lo, hi):
        a = m.group("a")
        if len(a) > 1 and a[0] == "0" and a[1].isdigit():
            continue  # phone numbers and zero-padded codes
        va = parse_number(a)
        if va is None:
            continue
        values = [va]
        if m.group("b"):
            vb = parse_number(m.group("b"))
            if vb is None or vb <= va:
                continue
            values.append(vb)
        candidates.append((m.start(), m.end(), values, False, m.start("b") if m.group("b") else None))
    not_alone = words_not_alone()
    for m in pats["words"].finditer(text, lo, hi):
        words = m.group(0).split()
        if words[0][0].isupper() and m.start() != lo or any(w[0].isupper() for w in words[1:]):
            continue  # "Năm", "Ba Lan": capitalised number words are names unless they open the sentence
        words = [w.lower() for w in words]
        first = number_words()[words[0]]
        if first.kind in ("mult", "tail", "tens", "filler"):
            continue
        if len(words) == 1 and words[0] in not_alone:
            continue
        if pats["fixed"].match(text, m.start(), hi):
            continue
        parsed = parse_number_words(words)
        if parsed is None:
            continue
        candidates.append((m.start(), m.end(), [parsed[0]], parsed[1], None))
    for start, end, values, approx_words, b_start in sorted(candidates, key=lambda c: c[0]):
        if _overlaps(taken, start, end):
            continue
        q = _quantity_at(text, lo, hi, start, end, values, approx_words, b_start)
        if q and _overlaps(claimed, start, max(x.end for x in q)):
            continue  # "884 năm 1993": the unit word belongs to a date
        if q:
            found.extend(q)
            taken.append((min(x.start for x in q), max(x.end for x in q)))
    return found


def _quantity_at(text, lo, hi, start, end, values, approx_words, b_start) -> list[Quantity]:
    pats = _patterns()
    mult, mult_text, unit, per, unit_end, obj, q_end = _read_tail(text, lo, hi, end)
    if unit is None and obj is None:
        label = pats["colon_label"].search(text[lo:start]) if mult_text is None else None
        if label and pats["list_end"].match(text, end, hi):
            # "Cách ly tập trung tại bệnh viện: 266" — a statistic listed after its label
            metric = re.sub(r"^[\s\-+•]+", "", label.group("label")).strip() or None
            return [Quantity(start, end, values[0], None, values[0], "count", "=", False, None, None, metric, start)]
        if mult_text is None:
            return []
        currency = _implied_currency(text, lo, hi, end)
        if currency is None:
            normalized_unit, factor = "count", 1.0
        else:
            normalized_unit, factor = currency, 1.0
    else:
        normalized_unit = unit.normalized if unit else "count"
        factor = unit.factor if unit else 1.0
        if per:
            normalized_unit = f"{normalized_unit}/{per}"
    prev = _previous_words(text, lo, start)
    if prev and (prev[0] in _id_markers() or prev[1] in _id_markers()) and normalized_unit.split("/")[0] not in _MEASURED:
        return []
    if len(values) == 1 and values[0] >= 1000 and values[0] == int(values[0]) and 1900 <= values[0] <= 2100 and unit is None and mult_text is None:
        written = text[start:end]
        if written.isdigit():
            return []  # a bare year next to a noun ("2020 thương hiệu" is rare; "Vinamilk 2020 …" is not)
    comp_start, comparator, approx = _comparators_before(text, lo, start)
    direction, dir_start = _direction_before(text, lo, comp_start)
    after = pats["comp_after"].match(text, q_end, hi)
    if after:
        comparator = _comparators()[_key(after.group("c"))][0]
    approx = approx or approx_words
    if approx_words and comparator == "=":
        comparator = "≈"  # "hàng trăm người"
    # as written between the number and the end of the unit: "tỷ đồng", "đồng/lít", "%"
    unit_written = re.sub(r"\s+", " ", text[end:unit_end].strip()) or None
    counted = obj is not None or normalized_unit in _COUNT_UNITS
    counted = counted or (normalized_unit in _TIME_UNITS and direction is None)
    metric = _metric(text, lo, dir_start if direction else comp_start, direction is not None, counted)
    if metric is None and normalized_unit == "percent":
        metric = _following_phrase(text, q_end, hi)
    out = []
    if len(values) == 2:
        spans = [(comp_start, b_start - 0, values[0], "≥"), (b_start, q_end, values[1], "≤")]
        # the first number of a range ends before its dash
        first_end = start + len(re.match(_NUM, text[start:end]).group(0))
        spans[0] = (comp_start, first_end, values[0], "≥")
        for s_, e_, v, comp in spans:
            out.append(
                Quantity(s_, e_, v, unit_written, v * mult * factor, normalized_unit, comp, approx, direction, obj, metric, s_)
            )
        return out
    v = values[0]
    return [
        Quantity(comp_start, q_end, v, unit_written, v * mult * factor, normalized_unit, comparator, approx or comparator == "≈",
                 direction, obj, metric, start)
    ]


def _link_period(q: Quantity, own: list[Period], frame: Period | None) -> Period | None:
    """Period of a quantity: nearest earlier one in its sentence, else a later one, else the paragraph frame."""
    dated = [p for p in own if p.start_date is not None or p.recurrence is None]
    before = [p for p in dated if p.end <= q.number_start and p.recurrence is None]
    if before:
        return before[-1]
    after = [p for p in dated if p.start >= q.end and p.recurrence is None]
    if after:
        return after[0]
    return frame


def extract_quantity_facts(doc: Doc) -> dict[str, list[dict]]:
    """Quantities, periods and document references of one article, as rows of their tables."""
    text = doc.text
    pub = published_date(doc.published_at)
    quantities: list[dict] = []
    all_periods: list[tuple[int, Period]] = []
    all_docs: list[tuple[int, DocumentRef]] = []
    frame: Period | None = None
    frame_paragraph = -1
    for s in doc.sentences:
        if s.paragraph_index != frame_paragraph:
            frame, frame_paragraph = None, s.paragraph_index
        periods = find_periods_in(text, s.start, s.end, pub)
        documents = find_documents_in(text, s.start, s.end)
        all_periods.extend((s.index, p) for p in periods)
        all_docs.extend((s.index, d) for d in documents)
        claimed = [(p.start, p.end) for p in periods]
        claimed += [(d.start, d.end) for d in documents]
        claimed += time_of_day_spans(text, s.start, s.end)
        for q in _sentence_quantities(text, s, claimed):
            period = _link_period(q, periods, frame)
            quantities.append(
                {
                    "article_id": doc.article_id,
                    "sentence_index": s.index,
                    "char_start": q.start,
                    "char_end": q.end,
                    "mention": text[q.start : q.end],
                    "value": q.value,
                    "unit_written": q.unit_written,
                    "normalized_value": q.normalized_value,
                    "normalized_unit": q.normalized_unit,
                    "comparator": q.comparator,
                    "direction": q.direction,
                    "counted_object": q.counted_object,
                    "metric": q.metric,
                    "period_start": period.start_date if period else None,
                    "period_end": period.end_date if period else None,
                    "period_mention": text[period.start : period.end] if period else None,
                    "approximate": q.approximate,
                    "extractor": EXTRACTOR_NAME,
                    "extractor_version": EXTRACTOR_VERSION,
                }
            )
        framing = [p for p in periods if p.recurrence is None and p.start - s.start <= _FRAME_OFFSET]
        if framing:
            frame = framing[0]
    return {
        "quantities": quantities,
        "periods": period_rows(doc, all_periods, EXTRACTOR_NAME, EXTRACTOR_VERSION),
        "documents": document_rows(doc, all_docs, EXTRACTOR_NAME, EXTRACTOR_VERSION),
    }
