"""Quantities in Vietnamese news ("trên 778 tỷ đồng", "74 dự án", "13,15%") with unit, comparator, metric and period.

Money written with a multiplier but no currency ("tổng đầu tư trên 64 tỷ") is read as đồng when the
same sentence names a currency after it or talks about money (qty_money_context.txt); otherwise the
number stays a plain count ("1,7 triệu ly sữa" is a count of "ly sữa"). Numbers inside dates, clock
times, time zones, document numbers, codes, versions, ordinals and identifiers are not quantities.
A bare number shares the unit of the next one when a range or list word joins them ("24 đến 48 giờ",
"2 và 3 tháng"); "khoảng 1/3" after a comparator is a ratio; a grouped number ("2.000 báo đen") counts
what follows it. Case-insensitive patterns run on a lower-cased view of the document, built once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.documents import DocumentRef, document_rows, find_documents_in
from tasks.lexicon import table, word_list
from tasks.model import Doc, Sentence
from tasks.numbers import multipliers, number_words, parse_number, parse_number_words
from tasks.periods import Period, find_periods_in, lower_view, period_rows, published_date, time_of_day_spans

EXTRACTOR_NAME = "quantities"
EXTRACTOR_VERSION = "1.1.0"

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


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    values: list[float]
    approx_words: bool
    b_start: int | None  # second number of a dash range
    kind: str  # digits | words | mult_words (needs a currency: "nghìn tỷ đồng") | fraction


def _alternation(phrases, lower: bool = False) -> str:
    """Regex alternation, longest first; `lower` for patterns that run on the lower-cased view."""
    items = {p.lower() for p in phrases} if lower else set(phrases)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(items, key=len, reverse=True))


def _key(text: str) -> str:
    """Lower case with single spaces: the form lexicon phrases are compared in."""
    return " ".join(text.lower().split())


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
def _not_alone() -> dict[str, str]:
    """Number word → when it still counts alone: "+" before a unit or count noun ("ba nhóm"), "time"
    before a time unit after a duration word ("cách đây một năm"), "" never."""
    return {row[0]: row[1] if len(row) > 1 else "" for row in table("qty_number_words_not_alone.txt")}


@cache
def _prefix_units() -> dict[str, str]:
    return {_key(row[0]): row[1] for row in table("qty_prefix_units.tsv")}


@cache
def _range_links() -> dict[str, str]:
    return {_key(row[0]): row[1] for row in table("qty_range_links.tsv")}


@cache
def _id_exceptions() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_id_marker_exceptions.txt"))


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
def _boundaries() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_metric_boundaries.txt"))


@cache
def _openers() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("qty_clause_openers.txt"))


_NUM = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
# The same number, written to start with a plain digit so the regex engine can skip ahead to digits
# (a pattern opening with a look-behind is tried at every position); the look-behind after the
# first digit checks the character before the number.
_NUM_FROM_DIGIT = r"\d(?<![\w.,/:+\-^]\d)(?:\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:[.,]\d+)?)"
_WORD = r"[^\W\d_]+"
_DIGIT = re.compile(r"\d")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")


@cache
def _patterns() -> dict[str, re.Pattern]:
    """Patterns; those marked "low" run on lower_view(text) and have lower-case literals."""
    units = _units()
    unit_alt = _alternation(units)
    mult_alt = _alternation(multipliers())
    nw = number_words()
    word_alt = _alternation(nw, lower=True)
    comps_before = [p for p, (_, pos) in _comparators().items() if pos == "before"]
    comps_after = [p for p, (_, pos) in _comparators().items() if pos == "after"]
    comps_age = [p for p, (_, pos) in _comparators().items() if pos in ("age", "before")]
    return {
        # a digit number, or a dash range of two ("20-30%"); not inside codes, dates, versions, 10^9
        "number": re.compile(
            rf"(?P<a>{_NUM_FROM_DIGIT})(?:\s*[-–]\s*(?P<b>{_NUM}))?(?![\d^]|[.,/:\-]\d|\.\w)"
        ),
        # "1/3", "2/3": read as a ratio only after a fraction cue (dates are claimed before)
        "fraction": re.compile(r"(?P<a>\d(?<![\w.,/:+\-^]\d)\d?)/(?P<b>\d{1,3})(?![\w/]|[.,:\-]\d)"),
        "fraction_cue": re.compile(
            rf"(?:^|[\s(])(?:{_alternation(word_list('qty_fraction_cues.txt'), lower=True)})\s+$"
        ),  # low
        # no look-behind in front, so the engine skips to possible first letters; callers check the left edge
        "words": re.compile(rf"(?:{word_alt})(?:\s+(?:{word_alt}))*(?![\w])"),  # low
        "mult": re.compile(rf"\s*(?P<m>(?:{mult_alt})(?:\s+(?:{mult_alt}))*)(?![\w])"),
        "digit_before": re.compile(r"\d\s*$"),
        "half_before": re.compile(r"(?<![\w])nửa\s+$"),  # low
        "duration_cue": re.compile(
            rf"(?:^|[\s(])(?:{_alternation(word_list('qty_duration_cues.txt'), lower=True)})\s+$"
        ),  # low
        # "1 tháng-2 tháng": a number right after a dash that follows a word
        "after_word_dash": re.compile(r"(?<=[^\W\d_])[-–](?P<n>\d+(?:,\d+)?)(?![\d.,/:\-^]|\.\w)"),
        "prefix_unit": re.compile(
            rf"(?:^|[\s(])(?P<u>{_alternation(_prefix_units(), lower=True)})\s+"
            rf"(?:(?P<c>{_alternation(comps_age, lower=True)})\s+)?$"
        ),  # low
        "range_link": re.compile(rf"\s*(?P<l>{_alternation(_range_links(), lower=True)})\s*(?=\d)"),  # low
        "unit": re.compile(rf"(?:\s*|-)(?P<u>{unit_alt})(?:/(?P<per>{unit_alt}))?(?:(?<=[^\w])|(?![\w]))"),
        "count": re.compile(rf"\s+(?P<c>{_alternation(_count_nouns())})(?![\w])"),
        "word": re.compile(rf"\s+({_WORD})"),
        "comp_before": re.compile(rf"(?:^|(?<=[\s(]))(?P<c>{_alternation(comps_before, lower=True)})\s+$"),  # low
        "comp_after": re.compile(rf"\s+(?P<c>{_alternation(comps_after, lower=True)})(?![\w])"),  # low
        "direction": re.compile(rf"(?:^|(?<=[\s(]))(?P<d>{_alternation(_directions(), lower=True)})\s+$"),  # low
        "link": re.compile(rf"(?:^|\s)(?P<l>{_alternation(word_list('qty_metric_links.txt'), lower=True)})\s*$"),  # low
        "prev_word": re.compile(rf"(?:^|[\s(])(?P<w>{_WORD}(?:\s+{_WORD})?)\s+$"),
        "fixed": re.compile(rf"(?:{_alternation(word_list('qty_fixed_expressions.txt'), lower=True)})(?![\w])"),  # low
        "money": re.compile(rf"(?<![\w])(?:{_alternation(word_list('qty_money_context.txt'), lower=True)})(?![\w])"),  # low
        "colon_label": re.compile(r"(?P<label>[^:;\n]{2,}):\s+$"),
        "list_end": re.compile(r"\s*(?:[.;]?\s*$|,\s+trong\s+đó)"),
        "clause_break": re.compile(r",(?!\d)|[;:()“”\"\n]|\s[-–]\s"),
    }


def _window(text: str, lo: int, pos: int, width: int = 40) -> str:
    return text[max(lo, pos - width) : pos]


def _comparators_before(low: str, lo: int, pos: int) -> tuple[int, str, bool]:
    """(new start, comparator, approximate) from comparator words stacked right before `pos`."""
    comps = _comparators()
    symbol, approx, start = "=", False, pos
    for _ in range(3):
        win = _window(low, lo, start)
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


def _direction_before(low: str, lo: int, pos: int) -> tuple[str | None, int]:
    m = _patterns()["direction"].search(_window(low, lo, pos))
    if not m:
        return None, pos
    d = _directions()[_key(m.group("d"))]
    return (None if d == "level" else d), pos - (len(_window(low, lo, pos)) - m.start())


def _previous_words(text: str, lo: int, pos: int) -> list[str]:
    m = _patterns()["prev_word"].search(_window(text, lo, pos, 30))
    if not m:
        return []
    words = m.group("w").split()
    return [_key(" ".join(words)), _key(words[-1])]


def _is_identifier_context(text: str, lo: int, pos: int) -> bool:
    """An identifier word right before the number ("Điều 5", "số 2"), unless a phrase like "tổng số" ends there."""
    prev = _previous_words(text, lo, pos)
    if not prev or prev[0] in _id_exceptions():
        return False
    return prev[0] in _id_markers() or prev[1] in _id_markers()


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
        n, pos2 = 0, end + 1
        while n < 2:
            w = pats["word"].match(text, pos2, hi)
            if not w or _key(w.group(1)) in stops or not w.group(1).islower() or w.group(1) in number_words():
                break  # "ba sản phẩm, một là …": a number word starts a new item
            pos2, n = w.end(), n + 1
        after = text[pos2:hi].lstrip()
        closes = after == "" or after[0] in ",;.)(…" or (
            (w2 := pats["word"].match(text, pos2, hi)) is not None and _key(w2.group(1)) in stops
        )
        if n == 0 or not closes:
            break
        end = pos2
    return text[start:end], end


def _implied_currency(text: str, low: str, lo: int, hi: int, pos: int) -> str | None:
    """Currency for "64 tỷ" without one: a currency written later in the sentence, else VND in money talk."""
    pats = _patterns()
    units = _units()
    for m in re.finditer(rf"{_NUM}", text[pos:hi]):
        um = pats["unit"].match(text, pos + m.end(), hi)
        if um and units[um.group("u")].normalized in _CURRENCIES:
            return units[um.group("u")].normalized
    if pats["money"].search(low, lo, hi):
        return "VND"
    return None


def _clause_start(text: str, lo: int, anchor: int) -> tuple[int, int | None]:
    """Start of the clause ending at `anchor`, and where the clause before it starts when a comma separates them."""
    starts = [(lo, None)]
    for m in _patterns()["clause_break"].finditer(text, lo, anchor):
        starts.append((m.end(), m.group(0)))
    start, brk = starts[-1]
    if brk == "," and len(starts) > 1:
        return start, starts[-2][0]
    return start, None


def _strip_words(words: list[str], phrases: frozenset[str], front: bool) -> list[str]:
    """Drop one- and two-word phrases of `phrases` from the front or the back of `words`."""
    while words:
        one = words[0] if front else words[-1]
        two = " ".join(words[:2]) if front else " ".join(words[-2:])
        if len(words) > 1 and _key(two) in phrases:
            words = words[2:] if front else words[:-2]
        elif _key(one) in phrases:
            words = words[1:] if front else words[:-1]
        else:
            break
    return words


def _after_last_boundary(words: list[str]) -> list[str]:
    """Words after the last boundary word or two-word phrase ("về", "cho biết"), all when there is none."""
    bounds = _boundaries()
    for i in range(len(words) - 1, -1, -1):
        if _key(words[i]) in bounds:
            return words[i + 1 :]
        if i > 0 and _key(f"{words[i - 1]} {words[i]}") in bounds:
            return words[i + 1 :]
    return words


def _metric(text: str, low: str, lo: int, anchor: int, has_link_or_direction: bool, counted: bool,
            claimed: list[tuple[int, int]]) -> str | None:
    """The noun phrase measured by the number: clause text before the linking verb."""
    pats = _patterns()
    prefix_start, previous_clause = _clause_start(text, lo, anchor)
    link = pats["link"].search(low[prefix_start:anchor])  # a slice, so "^" matches at the clause start
    end = prefix_start + link.start("l") if link else anchor
    if not link and counted:
        return None  # "thành lập 248 doanh nghiệp": the clause is an action, not a measured noun
    words = _after_last_boundary(text[prefix_start:end].split())
    words = _strip_words(words, _openers(), front=True)
    words = _strip_words(words, _trailing(), front=False)
    if words and previous_clause is not None and link:
        # "tổ chức đảng trong sạch, vững mạnh của thành phố đạt …": the last part is a short coordinated
        # modifier of the noun before the comma, so the measured phrase spans the comma.
        head = words[: words.index("của")] if "của" in words else words
        earlier = _strip_words(text[previous_clause : prefix_start - 1].split(), _openers(), front=True)
        if (len(head) <= 2 and "của" in words and 0 < len(earlier) <= 6 and earlier[0].islower()
                and not _overlaps(claimed, previous_clause, prefix_start)):
            words = earlier[:-1] + [earlier[-1] + ","] + words
    if not words or words[0][:1].isdigit():
        return None
    if not link and not has_link_or_direction:
        # no verb: only a short noun phrase right before the number counts ("tổng đầu tư trên 64 tỷ")
        if len(words) > 5 or any(w[:1].isupper() for w in words):
            return None
    if len(words) > 14:
        return None
    return " ".join(words)


def _following_phrase(text: str, pos: int, hi: int) -> str | None:
    """Noun phrase right after a number ("57% kế hoạch tỉnh giao", "2.000 báo đen")."""
    return _following_phrase_span(text, pos, hi)[0]


def _following_phrase_span(text: str, pos: int, hi: int) -> tuple[str | None, int]:
    """The lower-case noun phrase right after `pos` and where it ends (`pos` when there is none)."""
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
    return " ".join(words) or None, end


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


def _number_candidates(text: str, lo: int, hi: int) -> list[_Candidate]:
    out = []
    for m in _patterns()["number"].finditer(text, lo, hi):
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
        out.append(_Candidate(m.start(), m.end(), values, False, m.start("b") if m.group("b") else None, "digits"))
    return out


def _fraction_candidates(text: str, low: str, lo: int, hi: int) -> list[_Candidate]:
    """ "khoảng 1/3 dân số", "chiếm hơn 1/3 doanh thu": a/b after a fraction cue (comparators included)."""
    pats = _patterns()
    out = []
    for m in pats["fraction"].finditer(text, lo, hi):
        a, b = int(m.group("a")), int(m.group("b"))
        if not 0 < a < b:
            continue
        win = _window(low, lo, m.start())
        if pats["fraction_cue"].search(win) or pats["comp_before"].search(win):
            out.append(_Candidate(m.start(), m.end(), [a / b], False, None, "fraction"))
    return out


def _dashed_unit_candidates(text: str, lo: int, hi: int) -> list[_Candidate]:
    """ "kỳ hạn 1 tháng-2 tháng": a number after "<unit>-" counts when the same unit follows it."""
    pats = _patterns()
    out = []
    if "-" not in text[lo:hi] and "–" not in text[lo:hi]:
        return out
    for m in pats["after_word_dash"].finditer(text, lo, hi):
        um = pats["unit"].match(text, m.end(), hi)
        value = parse_number(m.group("n"))
        if not um or value is None:
            continue
        written = um.group("u")
        if text[max(lo, m.start() - len(written)) : m.start()] == written:
            out.append(_Candidate(m.start("n"), m.end(), [value], False, None, "digits"))
    return out


def _word_runs(low: str, lo: int, hi: int):
    """Runs of number words in low[lo:hi] that start a word ("hàng trăm", "mười lăm")."""
    pattern = _patterns()["words"]
    pos = lo
    while (m := pattern.search(low, pos, hi)) is not None:
        start = m.start()
        if start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
            pos = start + 1  # inside a word ("khai" holds "hai"): look again just after
            continue
        yield m
        pos = m.end()


def _word_candidates(text: str, low: str, lo: int, hi: int) -> list[_Candidate]:
    pats = _patterns()
    out = []
    not_alone = _not_alone()
    for m in _word_runs(low, lo, hi):
        written = text[m.start() : m.end()].split()
        if written[0][0].isupper() and m.start() != lo or any(w[0].isupper() for w in written[1:]):
            continue  # "Năm", "Ba Lan": capitalised number words are names unless they open the sentence
        words = m.group(0).split()
        while len(words) > 1 and parse_number_words(words) is None and words[-1] in _units():
            words.pop()  # "hai năm", "cách đây một năm": the last word is the unit ("năm" = year)
        if words != m.group(0).split():
            m = pats["words"].match(low, m.start(), m.start() + len(" ".join(words)))
        if m is None:
            continue
        first = number_words()[words[0]]
        kind = "words"
        if first.kind == "mult":
            if pats["digit_before"].search(low, max(lo, m.start() - 3), m.start()):
                continue  # the multiplier of a digit number ("5.000 tỷ") that was not a quantity
            kind = "mult_words"  # "nhà máy nghìn tỷ đồng": kept only before a currency
            half = pats["half_before"].search(low, max(lo, m.start() - 5), m.start())
            if half:  # "giá nửa triệu đồng" = 500.000 đồng
                parsed = parse_number_words(words)
                if parsed is not None:
                    out.append(_Candidate(half.start(), m.end(), [parsed[0] / 2], False, None, kind))
                continue
        elif first.kind in ("tail", "tens", "filler"):
            continue
        if len(words) == 1 and words[0] in not_alone:
            rule = not_alone[words[0]]
            unit = pats["unit"].match(text, m.end(), hi)
            if rule == "+" and not (unit or pats["count"].match(text, m.end(), hi)):
                continue  # "ba" counts in "ba nhóm tuổi", not in "ba mẹ"
            if rule == "time" and not (
                unit and _units()[unit.group("u")].normalized in _TIME_UNITS - {"times", "year_of_age"}
                and pats["duration_cue"].search(_window(low, lo, m.start()))
            ):
                continue  # "một" is the article, except in "cách đây một năm"
            if rule not in ("+", "time"):
                continue
        if pats["fixed"].match(low, m.start(), hi):
            continue
        parsed = parse_number_words(words)
        if parsed is None:
            continue
        out.append(_Candidate(m.start(), m.end(), [parsed[0]], parsed[1], None, kind))
    return out


def _sentence_quantities(text: str, low: str, s: Sentence, claimed: list[tuple[int, int]], has_digit: bool) -> list[Quantity]:
    lo, hi = s.start, s.end
    found: list[Quantity] = []
    taken = list(claimed)
    candidates = _word_candidates(text, low, lo, hi)
    if has_digit:
        candidates += _number_candidates(text, lo, hi) + _fraction_candidates(text, low, lo, hi)
        candidates += _dashed_unit_candidates(text, lo, hi)
    for c in sorted(candidates, key=lambda c: c.start):
        if _overlaps(taken, c.start, c.end):
            continue
        q = _quantity_at(text, low, lo, hi, c, claimed)
        if q and _overlaps(claimed, c.start, max(x.end for x in q)):
            continue  # "884 năm 1993": the unit word belongs to a date
        if q:
            found.extend(q)
            taken.append((min(x.start for x in q), max(x.end for x in q)))
    return sorted(found, key=lambda q: q.start)


def _fraction_quantity(text: str, low: str, lo: int, hi: int, c: _Candidate) -> Quantity:
    comp_start, comparator, approx = _comparators_before(low, lo, c.start)
    metric = _following_phrase(text, c.end, hi)
    v = c.values[0]
    return Quantity(comp_start, c.end, v, None, v, "ratio", comparator, approx or comparator == "≈", None, None,
                    metric, c.start)


def _shared_tail(text: str, low: str, lo: int, hi: int, end: int, claimed: list[tuple[int, int]]):
    """ "24 đến 48 giờ", "2 và 3 tháng": (link kind, the second number's quantities) when it has a unit or object."""
    pats = _patterns()
    link = pats["range_link"].match(low, end, hi)
    if not link:
        return None
    nm = pats["number"].match(text, link.end(), hi)
    if not nm or nm.group("b"):
        return None
    vb = parse_number(nm.group("a"))
    if vb is None:
        return None
    second = _quantity_at(text, low, lo, hi, _Candidate(nm.start(), nm.end(), [vb], False, None, "digits"), claimed,
                          allow_shared=False)
    if len(second) != 1 or second[0].start != nm.start() or _overlaps(claimed, second[0].start, second[0].end):
        return None  # the second number carries no unit, or its unit word belongs to a date
    return _range_links()[_key(link.group("l"))], second[0]


def _shared_factor(first: float, second: Quantity) -> float:
    """What the first number of "1,2 đến 5 triệu đồng" is multiplied by to share the second's unit.

    A first number a thousand times the second is already whole ("500.000 đến 50 triệu đồng");
    money written "400 đến 600.000 đồng" drops the thousands of the first number, so it gets them back.
    """
    if first >= 1000 * second.value:
        return 1.0
    factor = second.normalized_value / second.value if second.value else 1.0
    if second.normalized_unit in _CURRENCIES and factor == 1.0 and first * 100 < second.value:
        while first * factor * 1000 <= second.value:
            factor *= 1000
    return factor


def _prefix_unit(low: str, lo: int, start: int) -> tuple[Unit, int, str] | None:
    """A unit written before the number ("ở tuổi 69", "tuổi ngoài 50"): (unit, where it starts, comparator)."""
    win = _window(low, lo, start)
    m = _patterns()["prefix_unit"].search(win)
    if not m:
        return None
    unit = Unit(m.group("u"), _prefix_units()[_key(m.group("u"))], 1.0)
    comparator = _comparators()[_key(m.group("c"))][0] if m.group("c") else "="
    return unit, start - (len(win) - m.start("u")), comparator


def _quantity_at(text: str, low: str, lo: int, hi: int, c: _Candidate, claimed: list[tuple[int, int]],
                 allow_shared: bool = True) -> list[Quantity]:
    """The quantity (two for a range or a shared-unit pair) read at candidate `c`, or none."""
    if c.kind == "fraction":
        return [_fraction_quantity(text, low, lo, hi, c)]
    pats = _patterns()
    start, end, values = c.start, c.end, c.values
    mult, mult_text, unit, per, unit_end, obj, q_end = _read_tail(text, lo, hi, end)
    if c.kind == "mult_words" and (unit is None or unit.normalized not in _CURRENCIES):
        return []
    prefix = _prefix_unit(low, lo, start) if unit is None and obj is None and mult_text is None else None
    if prefix:
        unit, unit_end = prefix[0], end
    shared = None
    if unit is None and obj is None and mult_text is None and len(values) == 1 and allow_shared:
        shared = _shared_tail(text, low, lo, hi, end, claimed)
    if shared is None and unit is None and obj is None:
        # the label pattern backtracks over the whole clause, so run it only when a colon ends the text before
        before = text[lo:start].rstrip() if mult_text is None else ""
        label = pats["colon_label"].search(text[lo:start]) if before.endswith(":") else None
        if label and pats["list_end"].match(text, end, hi):
            # "Cách ly tập trung tại bệnh viện: 266" — a statistic listed after its label
            metric = re.sub(r"^[\s\-+•]+", "", label.group("label")).strip() or None
            return [Quantity(start, end, values[0], None, values[0], "count", "=", False, None, None, metric, start)]
        if mult_text is None:
            if len(values) == 1 and _GROUPED.fullmatch(text, start, end) and not _is_identifier_context(text, lo, start):
                # "2.000 báo đen", "tổng số thí sinh là 642.945": a number written with thousands groups is an amount
                comp_start, comparator, approx = _comparators_before(low, lo, start)
                # the counted phrase stops before a date or document ("10.704 phiếu hồi năm 2016")
                limit = min((a for a, _ in claimed if a >= end), default=hi)
                what, what_end = _following_phrase_span(text, end, limit)
                metric = _metric(text, low, lo, comp_start, False, what is not None, claimed)
                return [Quantity(comp_start, what_end, values[0], None, values[0], "count", comparator,
                                 approx or comparator == "≈", None, what, metric, start)]
            return []
        currency = _implied_currency(text, low, lo, hi, end)
        if currency is None:
            normalized_unit, factor = "count", 1.0
        else:
            normalized_unit, factor = currency, 1.0
    elif shared is not None:
        second = shared[1]
        normalized_unit = second.normalized_unit
        factor = _shared_factor(values[0], second)
        obj = second.counted_object
    else:
        normalized_unit = unit.normalized if unit else "count"
        factor = unit.factor if unit else 1.0
        if per:
            normalized_unit = f"{normalized_unit}/{per}"
    if _is_identifier_context(text, lo, start) and normalized_unit.split("/")[0] not in _MEASURED and prefix is None:
        return []
    if len(values) == 1 and values[0] >= 1000 and values[0] == int(values[0]) and 1900 <= values[0] <= 2100 and unit is None and mult_text is None:
        written = text[start:end]
        if written.isdigit():
            return []  # a bare year next to a noun ("2020 thương hiệu" is rare; "Vinamilk 2020 …" is not)
    if prefix:
        comp_start, comparator, approx = prefix[1], prefix[2], False
    else:
        comp_start, comparator, approx = _comparators_before(low, lo, start)
    direction, dir_start = _direction_before(low, lo, comp_start)
    after = pats["comp_after"].match(low, q_end, hi)
    if after:
        comparator = _comparators()[_key(after.group("c"))][0]
    approx = approx or c.approx_words
    if c.approx_words and comparator == "=":
        comparator = "≈"  # "hàng trăm người"
    # as written between the number and the end of the unit: "tỷ đồng", "đồng/lít", "%"
    unit_written = re.sub(r"\s+", " ", text[end:unit_end].strip()) or None
    if prefix:
        unit_written = unit.written
    counted = obj is not None or normalized_unit in _COUNT_UNITS
    counted = counted or (normalized_unit in _TIME_UNITS and direction is None)
    metric = _metric(text, low, lo, dir_start if direction else comp_start, direction is not None, counted, claimed)
    if metric is None and normalized_unit == "percent":
        metric = _following_phrase(text, q_end, hi)
    if shared is not None:
        kind, second = shared
        second_unit_written = second.unit_written
        first_comp, second_comp = ("≥", "≤") if kind == "range" else (comparator, second.comparator)
        first = Quantity(comp_start, end, values[0], second_unit_written, values[0] * factor,
                         normalized_unit, first_comp, approx or first_comp == "≈", direction, obj, metric, start)
        second = Quantity(second.start, second.end, second.value, second.unit_written, second.normalized_value,
                          second.normalized_unit, second_comp, second.approximate, direction or second.direction,
                          second.counted_object, metric or second.metric, second.number_start)
        return [first, second]
    out = []
    if len(values) == 2:
        # the first number of a range ends before its dash
        first_end = start + len(re.match(_NUM, text[start:end]).group(0))
        spans = [(comp_start, first_end, values[0], "≥"), (c.b_start, q_end, values[1], "≤")]
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
    low = lower_view(text)
    for s in doc.sentences:
        if s.paragraph_index != frame_paragraph:
            frame, frame_paragraph = None, s.paragraph_index
        has_digit = _DIGIT.search(text, s.start, s.end) is not None
        periods = find_periods_in(text, s.start, s.end, pub, low)
        documents = find_documents_in(text, s.start, s.end, low) if has_digit else []
        all_periods.extend((s.index, p) for p in periods)
        all_docs.extend((s.index, d) for d in documents)
        claimed = [(p.start, p.end) for p in periods]
        claimed += [(d.start, d.end) for d in documents]
        if has_digit:
            claimed += time_of_day_spans(text, s.start, s.end, low)
        for q in _sentence_quantities(text, low, s, claimed, has_digit):
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
