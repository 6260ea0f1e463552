"""Quantities in Vietnamese news ("trên 778 tỷ đồng", "74 dự án", "13,15%") with unit, comparator, metric and period.

Money written with a multiplier but no currency ("tổng đầu tư trên 64 tỷ") is read as đồng when the
same sentence names a currency after it or talks about money (quantities/money_context.txt); otherwise the
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
from operator import attrgetter
from typing import NamedTuple

from tasks.common import phrase_alternation
from tasks.extract.legal_documents import DocumentRef, document_rows, find_documents_in
from tasks.lexicon import table, word_list
from tasks.extract.extractor import Extractor
from tasks.model import Doc, Sentence
from tasks.extract.numbers import multipliers, number_words, parse_number, parse_number_words
from tasks.extract.periods import (Period, WordStarts, find_periods_in, lower_view, match_at, period_rows,
                                   published_date, scan_words, time_of_day_spans)


# Units whose numbers stay quantities even after an identifier word ("ở mức 50%", "số 5 tỷ đồng").
_MEASURED = {"percent", "percentage_point", "VND", "USD", "EUR", "GBP", "JPY", "CNY", "KRW", "THB", "SGD", "AUD"}
_COUNT_UNITS = {"count", "person"}
_CURRENCIES = _MEASURED - {"percent", "percentage_point"}
# Durations and ratios: a bare clause before them is rarely the thing measured ("thấp nhất 10 năm").
_TIME_UNITS = {"year", "month", "week", "day", "hour", "minute", "second", "decade", "times", "year_of_age"}
_DURATION_UNITS = _TIME_UNITS - {"times", "year_of_age"}
_START = attrgetter("start")  # sort key of candidates and quantities
# How close to the sentence start a period must be to frame the following sentences of the paragraph.
_FRAME_OFFSET = 8


@dataclass(frozen=True)
class Unit:
    written: str
    normalized: str
    factor: float


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


class _Candidate(NamedTuple):  # a tuple: built for every number read, and cheaper than a dataclass
    start: int
    end: int
    values: list[float]
    approx_words: bool
    b_start: int | None  # second number of a dash range
    kind: str  # digits | words | mult_words (needs a currency: "nghìn tỷ đồng") | fraction


def _alternation(phrases, lower: bool = False, left: str | None = None) -> str:
    """Regex alternation preferring the longest phrase; `lower` for patterns that run on the lower-cased
    view, `left` a character class that may not come right before the phrase (see phrase_alternation)."""
    return phrase_alternation({p.lower() for p in phrases} if lower else set(phrases), left)


def _key(text: str) -> str:
    """Lower case with single spaces: the form lexicon phrases are compared in (a word from split() or a
    regex word match, or two joined by a space, is already in it once lower-cased)."""
    return " ".join(text.lower().split())


@cache
def _units() -> dict[str, Unit]:
    return {row[0]: Unit(row[0], row[1], float(row[2])) for row in table("quantities/units.tsv")}


@cache
def _count_nouns() -> dict[str, bool]:
    """Count noun → takes a modifying phrase into the counted object."""
    return {row[0]: len(row) > 1 and row[1] == "+" for row in table("quantities/count_nouns.txt")}


@cache
def _comparators() -> dict[str, tuple[str, str]]:
    return {_key(row[0]): (row[1], row[2]) for row in table("quantities/comparators.tsv")}


@cache
def _not_alone() -> dict[str, str]:
    """Number word → when it still counts alone: "+" before a unit or count noun ("ba nhóm"), "time"
    before a time unit after a duration word ("cách đây một năm"), "" never."""
    return {row[0]: row[1] if len(row) > 1 else "" for row in table("quantities/number_words_not_alone.txt")}


@cache
def _never_alone() -> frozenset[str]:
    """Number words that _word_candidates never reads as a quantity on their own: no value alone ("tư",
    "hàng"), or not counted alone ("năm" is mostly the year). Skipping them early is what its checks
    conclude anyway, and they are most of the words it finds."""
    nw, not_alone = number_words(), _not_alone()
    return frozenset(
        w for w, item in nw.items()
        if w.split() == [w] and (parse_number_words([w]) is None
                                 or (item.kind != "mult" and w in not_alone and not_alone[w] not in ("+", "time")))
    )


@cache
def _number_word_set() -> frozenset[str]:
    return frozenset(w.lower() for w in number_words())


@cache
def _scanned_words() -> frozenset[str]:
    """Number words and the words period patterns start with: where these start a word is found once per article."""
    return _number_word_set() | scan_words()


@cache
def _time_alone() -> frozenset[str]:
    """Number words counted alone only before a time unit after a duration word ("cách đây một năm")."""
    nw = number_words()
    return frozenset(w for w, rule in _not_alone().items()
                     if rule == "time" and w in nw and nw[w].kind != "mult" and w.split() == [w])


@cache
def _prefix_units() -> dict[str, str]:
    return {_key(row[0]): row[1] for row in table("quantities/prefix_units.tsv")}


@cache
def _range_links() -> dict[str, str]:
    return {_key(row[0]): row[1] for row in table("quantities/range_links.tsv")}


@cache
def _id_exceptions() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("quantities/id_marker_exceptions.txt"))


@cache
def _directions() -> dict[str, str]:
    return {_key(row[0]): row[1] for row in table("quantities/directions.tsv")}


@cache
def _stops() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("quantities/object_stops.txt"))


@cache
def _comp_after_firsts() -> tuple[str, ...]:
    """First words of the comparators written after the number ("trở" of "trở lên")."""
    return tuple(sorted({p.split(" ")[0] for p, (_, pos) in _comparators().items() if pos == "after"}))


@cache
def _stop_pair_firsts() -> frozenset[str]:
    """First words of the two-word stop phrases ("so" of "so với"): only after one is the next word read."""
    return frozenset(p.split(" ")[0] for p in _stops() if p.count(" ") == 1)


@cache
def _id_markers() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("quantities/id_markers.txt"))


@cache
def _id_last_words() -> tuple[str, ...] | None:
    """Last words of the identifier markers, for a test on the lower-cased text: None when one holds a
    character whose lower case depends on its neighbours or has two characters (sigma, dotted I)."""
    last = {m.split()[-1] for m in _id_markers()}
    if any(c in w for w in last for c in "σς\u0307") or any(not w for w in last):
        return None
    return tuple(sorted(last))


@cache
def _lower_view_safe() -> bool:
    """Whether the words of lower_view(text) can stand for each word's .lower() when compared with the
    metric phrases: they differ only by sigma (by its place in the text) and dotted I (kept), which
    these phrases do not hold."""
    phrases = _boundaries() | _openers() | _trailing()
    return not any(c in p for p in phrases for c in "σςİ\u0307")


@cache
def _trailing() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("quantities/metric_trailing.txt"))


@cache
def _boundaries() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("quantities/metric_boundaries.txt"))


@cache
def _openers() -> frozenset[str]:
    return frozenset(_key(w) for w in word_list("quantities/clause_openers.txt"))


class _EndPattern:
    """A pattern for a phrase that ends the text it searches ("… khoảng ", "… đạt"), optionally before
    spaces. The regex tries every position of the text, so the phrase's last word is first checked
    with str.endswith: most windows before a number end in another word."""

    def __init__(self, pattern: str, phrases, space: bool, words: int | None = None):
        self.pattern = re.compile(pattern)
        self.space = space  # whether the pattern needs spaces after the phrase
        last = {p.lower().split(" ")[-1] for p in phrases}
        # a phrase with odd spacing has no plain last word: always run the regex
        self.last_words = None if any(not w or any(c.isspace() for c in w) for w in last) else tuple(sorted(last))
        # how many words a match spans at most (the phrases' most, unless given)
        self.words = None if self.last_words is None else words or max(len(p.split(" ")) for p in phrases)

    def search(self, text: str) -> re.Match | None:
        return self._search(text) if self.may_match(text, 0, len(text)) else None

    def _search(self, text: str) -> re.Match | None:
        """The pattern's search, from the first of the last `words` words of the text: a match ends the
        text, so it starts no earlier."""
        tokens = text.rsplit(None, self.words) if self.words else ()
        if len(tokens) <= (self.words or 0):
            return self.pattern.search(text)
        return self.pattern.search(text, text.find(tokens[1], len(tokens[0])))

    def search_before(self, text: str, lo: int, pos: int, width: int = 40,
                      stripped: int | None = None) -> tuple[re.Match | None, int]:
        """search() in the `width` characters of text[lo:pos] before `pos`, and where that window starts;
        `stripped` as for may_match."""
        start = max(lo, pos - width)
        if not self.may_match(text, start, pos, stripped):
            return None, start  # most windows: without slicing one
        return self._search(text[start:pos]), start

    def may_match(self, text: str, start: int, end: int, stripped: int | None = None) -> bool:
        """False when search(text[s:end]) finds nothing for any s >= start: the phrase's last word does
        not end text[start:end] (before its spaces). `stripped`: _stripped_end(text, lo, end) for some
        lo <= start, when the caller has it."""
        if self.last_words is None:
            return True
        if stripped is not None:
            e = max(stripped, start)
        else:
            e = end
            while e > start and text[e - 1].isspace():
                e -= 1
        if self.space and e == end:
            return False
        return text.endswith(self.last_words, start, e)


_NUM = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
# The same number, written to start with a plain digit so the regex engine can skip ahead to digits
# (a pattern opening with a look-behind is tried at every position); the look-behind after the
# first digit checks the character before the number.
_NUM_FROM_DIGIT = r"\d(?<![\w.,/:+\-^]\d)(?:\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:[.,]\d+)?)"
_WORD = r"[^\W\d_]+"
_DIGIT = re.compile(r"\d")
_LETTERS_END = re.compile(rf"{_WORD}\Z")  # the letters ending a word ("(số" → "số")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")


@cache
def _patterns() -> dict[str, re.Pattern]:
    """Patterns; those marked "low" run on lower_view(text) and have lower-case literals."""
    units = _units()
    unit_alt = _alternation(units)
    mult_alt = _alternation(multipliers())
    nw = number_words()
    word_alt = _alternation(nw, lower=True)
    word_start = _alternation(nw, lower=True, left=r"\w")
    comps_before = [p for p, (_, pos) in _comparators().items() if pos == "before"]
    comps_after = [p for p, (_, pos) in _comparators().items() if pos == "after"]
    comps_age = [p for p, (_, pos) in _comparators().items() if pos in ("age", "before")]
    # Phrases that must open a word or the window ("(?:^|[\s(])phrase") check that with a look-behind
    # after their first word, so the engine does not try the whole pattern at every position.
    word_open = r"[^\s(]"  # what may not come right before them
    not_space = r"\S"
    return {
        # a digit number, or a dash range of two ("20-30%"); not inside codes, dates, versions, 10^9
        "number": re.compile(
            rf"(?P<a>{_NUM_FROM_DIGIT})(?:\s*[-–]\s*(?P<b>{_NUM}))?(?![\d^]|[.,/:\-]\d|\.\w)"
        ),
        # "1/3", "2/3": read as a ratio only after a fraction cue (dates are claimed before)
        "fraction": re.compile(r"(?P<a>\d(?<![\w.,/:+\-^]\d)\d?)/(?P<b>\d{1,3})(?![\w/]|[.,:\-]\d)"),
        "fraction_cue": _EndPattern(
            rf"(?:{_alternation(word_list('quantities/fraction_cues.txt'), lower=True, left=word_open)})\s+$",
            word_list("quantities/fraction_cues.txt"), space=True,
        ),  # low
        # a run of number words that starts a word (not "hai" in "khai"); the look-behind is after the first word
        "words": re.compile(rf"(?:{word_start})(?:\s+(?:{word_alt}))*(?![\w])"),  # low
        "mult": re.compile(rf"\s*(?P<m>(?:{mult_alt})(?:\s+(?:{mult_alt}))*)(?![\w])"),
        "digit_before": re.compile(r"\d\s*$"),
        "half_before": re.compile(r"nửa(?<![\w]nửa)\s+$"),  # low
        "duration_cue": _EndPattern(
            rf"(?:{_alternation(word_list('quantities/duration_cues.txt'), lower=True, left=word_open)})\s+$",
            word_list("quantities/duration_cues.txt"), space=True,
        ),  # low
        # "1 tháng-2 tháng": a number right after a dash that follows a word
        "after_word_dash": re.compile(r"[-–](?<=[^\W\d_][-–])(?P<n>\d+(?:,\d+)?)(?![\d.,/:\-^]|\.\w)"),
        "prefix_unit": _EndPattern(
            rf"(?P<u>{_alternation(_prefix_units(), lower=True, left=word_open)})\s+"
            rf"(?:(?P<c>{_alternation(comps_age, lower=True)})\s+)?$",
            [*_prefix_units(), *comps_age], space=True,
            words=max(len(p.split(" ")) for p in _prefix_units()) + max((len(p.split(" ")) for p in comps_age), default=0),
        ),  # low
        "range_link": re.compile(rf"\s*(?P<l>{_alternation(_range_links(), lower=True)})\s*(?=\d)"),  # low
        "unit": re.compile(rf"(?:\s*|-)(?P<u>{unit_alt})(?:/(?P<per>{unit_alt}))?(?:(?<=[^\w])|(?![\w]))"),
        "count": re.compile(rf"\s+(?P<c>{_alternation(_count_nouns())})(?![\w])"),
        "word": re.compile(rf"\s+({_WORD})"),
        "comp_before": _EndPattern(
            rf"(?P<c>{_alternation(comps_before, lower=True, left=word_open)})\s+$", comps_before, space=True
        ),  # low
        "comp_after": re.compile(rf"\s+(?P<c>{_alternation(comps_after, lower=True)})(?![\w])"),  # low
        "direction": _EndPattern(
            rf"(?P<d>{_alternation(_directions(), lower=True, left=word_open)})\s+$", _directions(), space=True
        ),  # low
        "link": _EndPattern(
            rf"(?P<l>{_alternation(word_list('quantities/metric_links.txt'), lower=True, left=not_space)})\s*$",
            word_list("quantities/metric_links.txt"), space=False,
        ),  # low
        "fixed": re.compile(rf"(?:{_alternation(word_list('quantities/fixed_expressions.txt'), lower=True)})(?![\w])"),  # low
        "money": re.compile(rf"(?<![\w])(?:{_alternation(word_list('quantities/money_context.txt'), lower=True)})(?![\w])"),  # low
        "colon_label": re.compile(r"(?P<label>[^:;\n]{2,}):\s+$"),
        "list_end": re.compile(r"\s*(?:[.;]?\s*$|,\s+trong\s+đó)"),
        # ",(?!\d)|[;:()“”\"\n]|\s[-–]\s", written to open with one character class so the engine skips to it
        "clause_break": re.compile(r"[,;:()“”\"\n\s](?:(?<=,)(?!\d)|(?<=[;:()“”\"\n])|(?<=\s)[-–]\s)"),
        # the same without " - ", for clauses without a dash: no longer tried at every space
        "clause_punct": re.compile(r"[,;:()“”\"\n](?:(?<=,)(?!\d)|(?<=[;:()“”\"\n]))"),
    }


def _window(text: str, lo: int, pos: int, width: int = 40) -> str:
    return text[max(lo, pos - width) : pos]


def _stripped_end(text: str, lo: int, pos: int) -> int:
    """Where text[lo:pos] ends once the spaces at its end are left out: the checks of the words right
    before a number all start there, so _quantity_at finds it once for them."""
    while pos > lo and text[pos - 1].isspace():
        pos -= 1
    return pos


def _comparators_before(low: str, lo: int, pos: int, stripped: int | None = None) -> tuple[int, str, bool]:
    """(new start, comparator, approximate) from comparator words stacked right before `pos`
    (`stripped`: _stripped_end(low, lo, pos), when known)."""
    comps, pattern = _comparators(), _patterns()["comp_before"]
    symbol, approx, start = "=", False, pos
    for _ in range(3):
        m, win_start = pattern.search_before(low, lo, start, stripped=stripped if start == pos else None)
        if not m:
            break
        sym = comps[_key(m.group("c"))][0]
        if sym == "≈":
            approx = True
            if symbol == "=":
                symbol = sym
        elif symbol in ("=", "≈"):
            symbol = sym
        start = win_start + m.start()
    return start, symbol, approx


def _direction_before(low: str, lo: int, pos: int, stripped: int | None = None) -> tuple[str | None, int]:
    m, win_start = _patterns()["direction"].search_before(low, lo, pos, stripped=stripped)
    if not m:
        return None, pos
    d = _directions()[_key(m.group("d"))]
    return (None if d == "level" else d), win_start + m.start()


def _previous_words(text: str, lo: int, pos: int) -> list[str]:
    r"""[last two words, last word] (lower case) right before `pos`, each starting the window or after a
    space or "(", followed by spaces only: what "(?:^|[\s(])(\w+(?:\s+\w+)?)\s+$" finds, letters only,
    read from the end of the window instead of trying that pattern at every position."""
    win = _window(text, lo, pos, 30)
    if not win[-1:].isspace():
        return []  # the words are followed by a space
    tokens = win.rsplit(None, 2)
    last = _LETTERS_END.search(tokens[-1]) if tokens else None
    if last is None:
        return []
    word = last.group().lower()
    if last.start() == 0 and len(tokens) > 1:
        first = _LETTERS_END.search(tokens[-2])
        if first is not None and (first.start() == 0 or tokens[-2][first.start() - 1] == "("):
            return [f"{first.group().lower()} {word}", word]
    if last.start() == 0 or tokens[-1][last.start() - 1] == "(":
        return [word, word]
    return []


def _is_identifier_context(text: str, low: str, lo: int, pos: int, stripped: int | None = None) -> bool:
    """An identifier word right before the number ("Điều 5", "số 2"), unless a phrase like "tổng số" ends there
    (`stripped`: _stripped_end(low, lo, pos), when known)."""
    last_words = _id_last_words()
    if last_words is not None:
        # cheap test first: the lower-cased window must end (before its spaces) with a marker's last word
        start = max(lo, pos - 30)
        end = max(stripped if stripped is not None else _stripped_end(low, lo, pos), start)
        if not low.endswith(last_words, start, end):
            return False
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
    nouns, stops, pair_firsts = _count_nouns(), _stops(), _stop_pair_firsts()
    head = m.group("c")
    start, end = m.start("c"), m.end()
    if nouns.get(head, False):
        for _ in range(6):
            w = pats["word"].match(text, end, hi)
            if not w or w.group(1).lower() in stops or not w.group(1).islower():
                break
            # stop before a two-word stop phrase ("so với", "trở lên")
            if w.group(1).lower() in pair_firsts:
                w2 = pats["word"].match(text, w.end(), hi)
                if w2 and f"{w.group(1)} {w2.group(1)}".lower() in stops:
                    break
            end = w.end()
    # "7 phường, xã", "25 cuộc kiểm tra, giám sát, thanh tra": short coordinated nouns after commas
    while text.startswith(",", end):
        n, pos2 = 0, end + 1
        while n < 2:
            w = pats["word"].match(text, pos2, hi)
            if not w or w.group(1).lower() in stops or not w.group(1).islower() or w.group(1) in number_words():
                break  # "ba sản phẩm, một là …": a number word starts a new item
            pos2, n = w.end(), n + 1
        after = text[pos2:hi].lstrip()
        closes = after == "" or after[0] in ",;.)(…" or (
            (w2 := pats["word"].match(text, pos2, hi)) is not None and w2.group(1).lower() in stops
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
    pats = _patterns()
    dashed = text.find("-", lo, anchor) >= 0 or text.find("–", lo, anchor) >= 0
    before = last = None
    for m in pats["clause_break" if dashed else "clause_punct"].finditer(text, lo, anchor):
        before, last = last, m
    if last is None:
        return lo, None
    if last.group(0) == ",":
        return last.end(), before.end() if before else lo
    return last.end(), None


def _strip_words(words: list[str], phrases: frozenset[str], front: bool) -> list[str]:
    """Drop one- and two-word phrases of `phrases` from the front or the back of `words`."""
    while words:
        one = words[0] if front else words[-1]
        two = " ".join(words[:2]) if front else " ".join(words[-2:])
        if len(words) > 1 and two.lower() in phrases:
            words = words[2:] if front else words[:-2]
        elif one.lower() in phrases:
            words = words[1:] if front else words[:-1]
        else:
            break
    return words


def _strip_span(lowered: list[str], first: int, last: int, phrases: frozenset[str], front: bool) -> tuple[int, int]:
    """_strip_words on lowered[first:last] (words in lower case), as the span of words left."""
    while first < last:
        if front:
            if last - first > 1 and f"{lowered[first]} {lowered[first + 1]}" in phrases:
                first += 2
            elif lowered[first] in phrases:
                first += 1
            else:
                break
        elif last - first > 1 and f"{lowered[last - 2]} {lowered[last - 1]}" in phrases:
            last -= 2
        elif lowered[last - 1] in phrases:
            last -= 1
        else:
            break
    return first, last


def _after_last_boundary(lowered: list[str]) -> int:
    """Where the words after the last boundary word or two-word phrase ("về", "cho biết") start (0 when
    there is none), in words given in lower case."""
    bounds = _boundaries()
    for i in range(len(lowered) - 1, -1, -1):
        if lowered[i] in bounds or (i > 0 and f"{lowered[i - 1]} {lowered[i]}" in bounds):
            return i + 1
    return 0


def _metric(text: str, low: str, lo: int, anchor: int, has_link_or_direction: bool, counted: bool,
            claimed: list[tuple[int, int]]) -> str | None:
    """The noun phrase measured by the number: clause text before the linking verb."""
    pats = _patterns()
    if counted and not pats["link"].may_match(low, lo, anchor):
        return None  # no linking verb possible, so no metric (below): spare finding the clause
    prefix_start, previous_clause = _clause_start(text, lo, anchor)
    link = pats["link"].search(low[prefix_start:anchor])  # a slice: the clause start is a word start
    end = prefix_start + link.start("l") if link else anchor
    if not link and counted:
        return None  # "thành lập 248 doanh nghiệp": the clause is an action, not a measured noun
    words = text[prefix_start:end].split()
    # the same words lower-cased, in one go (as each word's .lower() would give, for these phrases)
    lowered = low[prefix_start:end].split() if _lower_view_safe() else [w.lower() for w in words]
    first = _after_last_boundary(lowered)
    first, last = _strip_span(lowered, first, len(lowered), _openers(), front=True)
    first, last = _strip_span(lowered, first, last, _trailing(), front=False)
    words = words[first:last]
    if words and previous_clause is not None and link and "của" in words and words.index("của") <= 2:
        # "tổ chức đảng trong sạch, vững mạnh của thành phố đạt …": the last part is a short coordinated
        # modifier of the noun before the comma, so the measured phrase spans the comma.
        earlier = _strip_words(text[previous_clause : prefix_start - 1].split(), _openers(), front=True)
        if 0 < len(earlier) <= 6 and earlier[0].islower() and not _overlaps(claimed, previous_clause, prefix_start):
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
    pats, stops, pair_firsts, words, end = _patterns(), _stops(), _stop_pair_firsts(), [], pos
    for _ in range(6):
        w = pats["word"].match(text, end, hi)
        if not w or not w.group(1).islower() or w.group(1).lower() in stops:
            break
        if w.group(1).lower() in pair_firsts:
            w2 = pats["word"].match(text, w.end(), hi)
            if w2 and f"{w.group(1)} {w2.group(1)}".lower() in stops:
                break
        words.append(w.group(1))
        end = w.end()
    return " ".join(words) or None, end


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    for a, b in spans:
        if s < b and e > a:
            return True
    return False


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
        units = _units()
        u, per = um.group("u", "per")
        return mult, mult_text, units[u], units[per].normalized if per else None, um.end(), None, um.end()
    obj, end = _counted_object(text, pos, hi)
    return mult, mult_text, None, None, pos, obj, end


def _mult_value(words: str) -> int:
    value = 1
    mults = multipliers()
    for w in words.split():
        value *= mults[w.lower()]
    return value


def _number_candidates(text: str, lo: int, hi: int, claimed: list[tuple[int, int]] = ()) -> list[_Candidate]:
    """Numbers written in digits in text[lo:hi]; none overlapping `claimed` (dates, …: never read)."""
    out = []
    for m in _patterns()["number"].finditer(text, lo, hi):
        start, end = m.span()
        if claimed and _overlaps(claimed, start, end):
            continue
        a, b = m.group("a", "b")
        if len(a) > 1 and a[0] == "0" and a[1].isdigit():
            continue  # phone numbers and zero-padded codes
        va = parse_number(a)
        if va is None:
            continue
        values = [va]
        if b:
            vb = parse_number(b)
            if vb is None or vb <= va:
                continue
            values.append(vb)
        out.append(_Candidate(start, end, values, False, m.start("b") if b else None, "digits"))
    return out


def _fraction_candidates(text: str, low: str, lo: int, hi: int, first_digit: int,
                         claimed: list[tuple[int, int]] = ()) -> list[_Candidate]:
    """ "khoảng 1/3 dân số", "chiếm hơn 1/3 doanh thu": a/b after a fraction cue (comparators included);
    none overlapping `claimed` (a date "12/3")."""
    pats = _patterns()
    out = []
    if text.find("/", first_digit, hi) < 0:
        return out
    for m in pats["fraction"].finditer(text, first_digit, hi):
        if claimed and _overlaps(claimed, m.start(), m.end()):
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        if not 0 < a < b:
            continue
        if pats["fraction_cue"].search_before(low, lo, m.start())[0] or pats["comp_before"].search_before(low, lo, m.start())[0]:
            out.append(_Candidate(m.start(), m.end(), [a / b], False, None, "fraction"))
    return out


def _dashed_unit_candidates(text: str, lo: int, hi: int, first_digit: int) -> list[_Candidate]:
    """ "kỳ hạn 1 tháng-2 tháng": a number after "<unit>-" counts when the same unit follows it."""
    pats = _patterns()
    out = []
    dash = max(lo, first_digit - 1)  # where a dash right before a digit can be
    if text.find("-", dash, hi) < 0 and text.find("–", dash, hi) < 0:
        return out
    for m in pats["after_word_dash"].finditer(text, dash, hi):
        um = pats["unit"].match(text, m.end(), hi)
        value = parse_number(m.group("n"))
        if not um or value is None:
            continue
        written = um.group("u")
        if text[max(lo, m.start() - len(written)) : m.start()] == written:
            out.append(_Candidate(m.start("n"), m.end(), [value], False, None, "digits"))
    return out


def _word_candidates(text: str, low: str, lo: int, hi: int, word_starts: list[int] | None = None) -> list[_Candidate]:
    """Numbers written in words; `word_starts`, when known, holds every position of text[lo:hi] where a
    number word starts a word (WordStarts over _scanned_words()), so the pattern is tried only there."""
    pats = _patterns()
    out = []
    not_alone, never_alone, time_alone = _not_alone(), _never_alone(), _time_alone()
    if word_starts is None:
        runs = pats["words"].finditer(low, lo, hi)
    else:
        runs = match_at(pats["words"], low, word_starts, hi)
    for m in runs:  # runs of number words ("hàng trăm", "mười lăm")
        # what the checks below conclude, found cheaply for the words found most: "năm" is mostly the
        # year, "một" counts alone only before a time unit
        if m.group(0) in never_alone:
            continue
        if m.group(0) in time_alone:
            unit = pats["unit"].match(text, m.end(), hi)
            if unit is None or _units()[unit.group("u")].normalized not in _DURATION_UNITS:
                continue
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
                unit and _units()[unit.group("u")].normalized in _DURATION_UNITS
                and pats["duration_cue"].search_before(low, lo, m.start())[0]
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


def _sentence_quantities(text: str, low: str, s: Sentence, claimed: list[tuple[int, int]],
                         first_digit: int, word_starts: list[int] | None = None) -> list[Quantity]:
    """Quantities of sentence `s`; `first_digit` is where its first digit is (-1: none), `word_starts`
    (see _word_candidates) when known."""
    lo, hi = s.start, s.end
    found: list[Quantity] = []
    candidates = _word_candidates(text, low, lo, hi, word_starts) if word_starts != [] else []
    if first_digit >= 0:
        # (a candidate overlapping a claimed span is passed over below: those are not made)
        candidates += _number_candidates(text, first_digit, hi, claimed)
        candidates += _fraction_candidates(text, low, lo, hi, first_digit, claimed)
        candidates += _dashed_unit_candidates(text, lo, hi, first_digit)
    if not candidates:
        return found
    taken = list(claimed)
    for c in sorted(candidates, key=_START):
        if _overlaps(taken, c.start, c.end):
            continue
        q = _quantity_at(text, low, lo, hi, c, claimed)
        if not q:
            continue
        q_start, q_end = (q[0].start, q[0].end) if len(q) == 1 else (min(x.start for x in q), max(x.end for x in q))
        if _overlaps(claimed, c.start, q_end):
            continue  # "884 năm 1993": the unit word belongs to a date
        found.extend(q)
        taken.append((q_start, q_end))
    return sorted(found, key=_START)


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


def _prefix_unit(low: str, lo: int, start: int, stripped: int | None = None) -> tuple[Unit, int, str] | None:
    """A unit written before the number ("ở tuổi 69", "tuổi ngoài 50"): (unit, where it starts, comparator)."""
    m, win_start = _patterns()["prefix_unit"].search_before(low, lo, start, stripped=stripped)
    if not m:
        return None
    unit = Unit(m.group("u"), _prefix_units()[_key(m.group("u"))], 1.0)
    comparator = _comparators()[_key(m.group("c"))][0] if m.group("c") else "="
    return unit, win_start + m.start("u"), comparator


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
    stripped = _stripped_end(low, lo, start)  # where the words before the number end
    prefix = _prefix_unit(low, lo, start, stripped) if unit is None and obj is None and mult_text is None else None
    if prefix:
        unit, unit_end = prefix[0], end
    shared = None
    if unit is None and obj is None and mult_text is None and len(values) == 1 and allow_shared:
        shared = _shared_tail(text, low, lo, hi, end, claimed)
    if shared is None and unit is None and obj is None:
        # the label pattern backtracks over the whole clause, so run it only when a colon ends the text before
        colon = mult_text is None and stripped > lo and text[stripped - 1] == ":"
        label = pats["colon_label"].search(text[lo:start]) if colon else None
        if label and pats["list_end"].match(text, end, hi):
            # "Cách ly tập trung tại bệnh viện: 266" — a statistic listed after its label
            metric = re.sub(r"^[\s\-+•]+", "", label.group("label")).strip() or None
            return [Quantity(start, end, values[0], None, values[0], "count", "=", False, None, None, metric, start)]
        if mult_text is None:
            if len(values) == 1 and _GROUPED.fullmatch(text, start, end) and not _is_identifier_context(text, low, lo, start, stripped):
                # "2.000 báo đen", "tổng số thí sinh là 642.945": a number written with thousands groups is an amount
                comp_start, comparator, approx = _comparators_before(low, lo, start, stripped)
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
    if normalized_unit.split("/")[0] not in _MEASURED and prefix is None and _is_identifier_context(text, low, lo, start, stripped):
        return []
    if len(values) == 1 and values[0] >= 1000 and values[0] == int(values[0]) and 1900 <= values[0] <= 2100 and unit is None and mult_text is None:
        written = text[start:end]
        if written.isdigit():
            return []  # a bare year next to a noun ("2020 thương hiệu" is rare; "Vinamilk 2020 …" is not)
    if prefix:
        comp_start, comparator, approx = prefix[1], prefix[2], False
    elif pats["comp_before"].may_match(low, max(lo, start - 40), start, stripped):
        comp_start, comparator, approx = _comparators_before(low, lo, start, stripped)
    else:  # (what _comparators_before finds with no comparator before the number)
        comp_start, comparator, approx = start, "=", False
    direction, dir_start = _direction_before(low, lo, comp_start, stripped if comp_start == start else None)
    # "trở lên" after the number: its first word must follow the spaces there
    after_word = q_end
    while after_word < hi and low[after_word].isspace():
        after_word += 1
    after = pats["comp_after"].match(low, q_end, hi) if low.startswith(_comp_after_firsts(), after_word) else None
    if after:
        comparator = _comparators()[_key(after.group("c"))][0]
    approx = approx or c.approx_words
    if c.approx_words and comparator == "=":
        comparator = "≈"  # "hàng trăm người"
    # as written between the number and the end of the unit: "tỷ đồng", "đồng/lít", "%"
    unit_written = " ".join(text[end:unit_end].split()) or None
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
    # number words and the words periods start with, found in one scan of the article (not one per pattern and sentence)
    words = WordStarts(low, _scanned_words())
    period_words, counting_words = scan_words(), _number_word_set()
    # the first digit at or after `searched_from` (len(text) when there is none): one search serves the
    # sentences up to it, which have no digit
    searched_from, next_digit = len(text) + 1, -1
    for s in doc.sentences:
        if s.paragraph_index != frame_paragraph:
            frame, frame_paragraph = None, s.paragraph_index
        lo, hi = s.start, s.end
        if not searched_from <= lo <= next_digit:
            digit = _DIGIT.search(text, lo)
            searched_from, next_digit = lo, digit.start() if digit else len(text)
        first_digit = next_digit if next_digit < hi else -1
        has_digit = first_digit >= 0
        starts = words.within(lo, hi)
        if not has_digit and not starts.positions:
            continue  # no digit and none of the words periods and numbers in words start with
        # without digits, a period needs one of its words, a quantity a number word
        periods = find_periods_in(text, lo, hi, pub, low, first_digit, starts) if (
            has_digit or not starts.present.isdisjoint(period_words)) else []
        claimed = []
        if periods:
            all_periods.extend([(s.index, p) for p in periods])
            claimed = [(p.start, p.end) for p in periods]
        if has_digit:  # documents and clock times all have digits
            documents = find_documents_in(text, lo, hi, low, first_digit)
            if documents:
                all_docs.extend([(s.index, d) for d in documents])
                claimed += [(d.start, d.end) for d in documents]
            claimed += time_of_day_spans(text, lo, hi, low, first_digit)
        numbers_in_words = not starts.present.isdisjoint(counting_words)
        found = _sentence_quantities(
            text, low, s, claimed, first_digit, starts.positions if numbers_in_words else []
        ) if has_digit or numbers_in_words else []
        own = [p for p in periods if p.recurrence is None] if found and periods else []
        for q in found:
            period = _link_period(q, own, frame)
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
                    "extractor": None,  # stamped by the registry (Extractor.run)
                    "extractor_version": None,
                }
            )
        if periods:
            framing = [p for p in periods if p.recurrence is None and p.start - lo <= _FRAME_OFFSET]
            if framing:
                frame = framing[0]
    return {
        "quantities": quantities,
        "periods": period_rows(doc, all_periods),
        "documents": document_rows(doc, all_docs),
    }


def _number_facts(doc: Doc) -> dict[str, list[dict]]:
    return doc.computed("number_facts", extract_quantity_facts)


QUANTITIES = Extractor("quantities", "2.0.0", ("quantities",), lambda doc: {"quantities": _number_facts(doc)["quantities"]})
PERIODS = Extractor("periods", "1.0.0", ("periods",), lambda doc: {"periods": _number_facts(doc)["periods"]})
LEGAL_DOCUMENTS = Extractor("legal_documents", "1.0.0", ("documents",),
                            lambda doc: {"documents": _number_facts(doc)["documents"]})
