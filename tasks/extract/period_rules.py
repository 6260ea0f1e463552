"""The period rules: each kind of date mention as (pattern, gate, build), tried on a sentence by one small loop.

A gate is the cheap pre-check that decides whether its rule is tried on a sentence: most sentences
lack the words or characters a pattern needs ("/" for "24/7", four digits for a year, "quý"), so
its scan is skipped. A gate names the cues its rule needs, which are found once per sentence (as
bits: the rules a set of cues lets through is looked up once per set), then, for some, a quick
pattern that must be found. Every pattern runs on lower_view(text).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from typing import Callable, Iterable, NamedTuple

from tasks.extract.period_dates import (Period, add_months, day_period, month_end, relative_dates, safe_date,
                                        year_for_day)
from tasks.extract.period_patterns import period_patterns, time_lexicon
from tasks.extract.textscan import Starts, first_digit as first_digit_in, match_at

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_FOUR_DIGITS = re.compile(r"\d\d{3}")  # not "\d{4}": a pattern opening with a repeat is tried at every position
_SPACES = re.compile(r"\s+")
_RELATIVE_GRANULARITY = {"day": "day", "week": "range", "month": "month", "quarter": "quarter", "year": "year"}
_RECURRENCE_GRANULARITY = {"yearly": "year", "quarterly": "quarter", "monthly": "month", "weekly": "range", "daily": "day"}


# The cues a sentence holds, found once per sentence: a rule is tried only on a sentence with all of its own.
DIGIT = 1 << 0
MONTH = 1 << 1  # "tháng"
YEAR = 1 << 2  # "năm"
QUARTER = 1 << 3  # "quý"
MONTH_OR_HALF = 1 << 4  # "tháng" or "nửa"
DATED = 1 << 5  # a digit, "tháng", "năm", "quý" or "nửa": without one, only the word rules can match
SLASH = 1 << 6  # a digit and "/": "24/7"
DASHED = 1 << 7  # a digit and "/" or a dash: "24/7", "30-10"
LINKED = 1 << 8  # a digit and a dash, "đến" or "tới" joining a range of days or years
FOUR = 1 << 9  # four digits: a year
YEAR_PART_WORD = 1 << 10  # the last word of a part of a year ("năm" of "đầu năm")
YEAR_PART = 1 << 11  # with YEAR_PART_WORD and DATED, "đầu", "giữa" or "cuối": the other word of a part of a year
DAY_WORD = 1 << 12  # with a digit and "tháng", "ngày": a spelt date "ngày 5 tháng 6"
RELATIVE = 1 << 13  # the first word of a relative period ("năm" of "năm nay")
RECURRENCE = 1 << 14  # the first word of a recurring period ("hằng" of "hằng năm")


class SentenceView(NamedTuple):
    """One sentence as the rules see it: where it is in the lower-cased text, and its publication day."""

    text: str  # lower_view of the whole text
    lo: int
    hi: int
    segment: str  # text[lo:hi]
    published: date | None
    starts: Starts | None  # the scanned words starting a word in the sentence, when known
    d0: int  # where a pattern opening with a digit can first match (the first digit, else lo)


class Gate(NamedTuple):
    """The cheap pre-check that decides whether a rule is tried on a sentence."""

    cues: int  # the cues the sentence must hold, all of them
    needs: re.Pattern | None = None  # then a pattern that must be found (no look-arounds: a quick scan)
    needs_from_digit: bool = True  # searched from the first digit (patterns opening with one), else the start


class Rule(NamedTuple):
    """How one kind of period is read."""

    pattern: re.Pattern
    gate: Gate
    build: Callable[[re.Match, SentenceView], Period | None]  # the Period of a match, None when it is none
    # how the matches are found (given what `gate.needs` found) when not by pattern.finditer over the sentence
    find: Callable[[SentenceView, re.Match | None], Iterable[re.Match]] | None = None
    # the words every match starts with: with word starts, the pattern is tried only where they start
    led_by: frozenset[str] | None = None


def period_candidates(text: str, lo: int, hi: int, published: date | None, first_digit: int | None = None,
                      starts: Starts | None = None) -> list[Period]:
    """Every period reading found in text[lo:hi] (overlaps resolved by the caller); `text` is lower_view'd.

    `first_digit`: where the first digit of text[lo:hi] is (-1: none), when the caller has looked;
    `starts`: WordStarts.within(lo, hi) for a vocabulary holding TimeLexicon.scan_words, when known.
    """
    if first_digit is None:
        first_digit = first_digit_in(text, lo, hi)
    segment = text[lo:hi]
    d0 = first_digit if first_digit >= 0 else lo
    rules = _rules_for(_cues(segment, text, d0, hi, first_digit, starts))
    if not rules:
        return []  # most sentences with a digit: no date word, no "/" or "-", no year
    view = SentenceView(text, lo, hi, segment, published, starts, d0)
    out: list[Period] = []
    for pattern, (_, needs, needs_from_digit), build, find, led_by in rules:
        needed = None
        if needs is not None:
            needed = needs.search(text, d0 if needs_from_digit else lo, hi)
            if needed is None:
                continue
        if find is not None:
            matches = find(view, needed)
        elif led_by is not None and starts is not None:
            matches = match_at(pattern, text, starts.of(led_by), hi)
        else:
            matches = pattern.finditer(text, lo, hi)
        for m in matches:
            period = build(m, view)
            if period is not None:
                out.append(period)
    return out


def _cues(segment: str, text: str, d0: int, hi: int, first_digit: int, starts: Starts | None) -> int:
    """The cues of the sentence `segment` (text[lo:hi]), as bits. With word starts, a date word counts where
    it starts a word, which is where the patterns need it; without, a substring stands for it."""
    cues = _cues_of_words(starts.present) if starts is not None else _cues_of_segment(segment)
    if first_digit >= 0:
        dash = "-" in segment or "–" in segment
        cues |= DIGIT | DATED
        if "/" in segment:
            cues |= SLASH | DASHED
        elif dash:
            cues |= DASHED
        if dash or "đến" in segment or "tới" in segment:
            cues |= LINKED
        if _FOUR_DIGITS.search(text, d0, hi) is not None:  # (opens with a digit: none before the first)
            cues |= FOUR
        if cues & MONTH and "ngày" in segment:
            cues |= DAY_WORD
    # (looked for only where the rules that need them can be tried)
    if cues & YEAR_PART_WORD and cues & DATED and ("đầu" in segment or "giữa" in segment or "cuối" in segment):
        cues |= YEAR_PART
    return cues


@lru_cache(maxsize=4096)  # the sets of scanned words a sentence holds: a few hundred are met in practice
def _cues_of_words(present: frozenset[str]) -> int:
    """The cues of the words starting a word in a sentence."""
    lex = time_lexicon()
    cues = _date_word_cues(present)
    if not present.isdisjoint(lex.year_part_last_words):
        cues |= YEAR_PART_WORD
    if not present.isdisjoint(lex.relative_first_words):
        cues |= RELATIVE
    if not present.isdisjoint(lex.recurrence_first_words):
        cues |= RECURRENCE
    return cues


def _cues_of_segment(segment: str) -> int:
    """The cues of the words of a sentence whose word starts are not known: substrings stand for them."""
    cues = _date_word_cues(segment) | YEAR_PART_WORD | RELATIVE
    if "hằng" in segment or "hàng" in segment or "mỗi" in segment:
        cues |= RECURRENCE
    return cues


def _date_word_cues(words: frozenset[str] | str) -> int:
    cues = 0
    if "tháng" in words:
        cues |= MONTH | MONTH_OR_HALF | DATED
    if "năm" in words:
        cues |= YEAR | DATED
    if "quý" in words:
        cues |= QUARTER | DATED
    if "nửa" in words:
        cues |= MONTH_OR_HALF | DATED
    return cues


@lru_cache(maxsize=1024)  # a few dozen combinations of cues are met in practice
def _rules_for(cues: int) -> tuple[Rule, ...]:
    """The rules whose gate's cues a sentence with `cues` holds, in the order of the rule table."""
    return tuple(rule for rule in _rules() if rule.gate.cues & cues == rule.gate.cues)


@cache
def _rules() -> tuple[Rule, ...]:
    """The rule table, in the order candidates are listed (overlaps are resolved by length, priority,
    then that order)."""
    pats, lex = period_patterns(), time_lexicon()
    return (
        Rule(pats["day_range"], Gate(SLASH | LINKED, pats["needs_day_range"]), _day_range),
        Rule(pats["full_date"], Gate(FOUR, pats["needs_full_date"]), _full_date),
        Rule(pats["spelt_date"], Gate(DIGIT | MONTH | DAY_WORD), _spelt_date),
        Rule(pats["day_month"], Gate(DASHED, pats["needs_day_month"]), _day_month, find=_day_month_matches),
        Rule(pats["month"], Gate(MONTH), _month, find=_month_matches),
        Rule(pats["quarter"], Gate(QUARTER), _quarter),
        Rule(pats["months_of_year"], Gate(MONTH_OR_HALF, pats["needs_months_of_year"], needs_from_digit=False),
             _months_of_year),
        # "đầu năm", "cuối năm": each part of a year ends with a word the sentence must hold ("năm")
        Rule(pats["part_year"], Gate(DATED | YEAR_PART), _part_year),
        Rule(pats["year_range"], Gate(FOUR | LINKED, pats["needs_year_range"]), _year_range),
        Rule(pats["year"], Gate(FOUR | YEAR), _year),
        # relative ("năm nay", "hôm qua") and recurring ("hằng năm") periods each start with one of their first words
        Rule(pats["relative"], Gate(RELATIVE), _relative, led_by=lex.relative_first_words),
        Rule(pats["recurrence"], Gate(RECURRENCE), _recurrence, led_by=lex.recurrence_first_words),
    )


def _day_range(m: re.Match, c: SentenceView) -> Period | None:
    """ "từ 24 đến 31/7", "từ ngày 24/7 đến ngày 31/7/2018", "24-31/7"."""
    d1, m1, d2, m2, y = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    m1 = m1 or m2
    if not m.group(0).lower().startswith(("từ", "kể", "ngày")) and m.group(2) is None:
        return None  # a bare "20-30/7" without "từ"/"ngày" is too ambiguous
    year = int(y) if y else year_for_day(c.published, int(m2), int(d2))
    a = safe_date(year, int(m1), int(d1)) if year else None
    b = safe_date(year, int(m2), int(d2)) if year else None
    if year and (a is None or b is None or a > b):
        return None
    return Period(m.start(), m.end(), a, b, "range", priority=3)


def _full_date(m: re.Match, c: SentenceView) -> Period | None:
    return day_period(m.start(), m.end(), int(m.group(4)), int(m.group(3)), int(m.group(1)))


def _spelt_date(m: re.Match, c: SentenceView) -> Period | None:
    mo, d = int(m.group(2)), int(m.group(1))
    y = int(m.group(3)) if m.group(3) else year_for_day(c.published, mo, d)
    return day_period(m.start(), m.end(), y, mo, d)


def _day_month_matches(c: SentenceView, needed: re.Match) -> Iterable[re.Match]:
    """ "ngày 12/10" or "(12/10)". "(12/10)" opens with its digits: no need to look for it before the
    first one, nor without a "(" right before one (which may be just before the sentence); "ngày 12/10"
    opens with a day word, and spaces, before the day of the first "12/10" (`needed`): no need to look
    before those."""
    pats = period_patterns()
    paren = c.text.find("(", max(c.d0 - 1, 0), c.hi) >= 0
    worded = (pats["day_month"], _words_before(c.text, c.lo, needed.start(), time_lexicon().day_word_count))
    return _either((worded, (pats["day_month_paren"], c.d0)) if paren else (worded,), c.text, c.hi)


def _day_month(m: re.Match, c: SentenceView) -> Period | None:
    mo, d = int(m.group("m")), int(m.group("d"))
    day_word = m.groupdict().get("ctx")  # None after "("
    if c.text[m.end("d")] == "-" and day_word != "ngày" and _before_unit(c.text, m.end(), c.hi):
        return None  # "từ 3-5 năm", "từ 3-5%": a range of amounts
    start = m.start("ctx") if day_word and day_word.lower() == "ngày" else m.start("d")
    written_year = period_patterns()["of_year"].match(c.text, m.end(), c.hi)  # "ngày 30-4 năm 1975"
    if written_year:
        return day_period(start, written_year.end(), int(written_year.group("y")), mo, d)
    return day_period(start, m.end(), year_for_day(c.published, mo, d), mo, d, priority=1)


def _month_matches(c: SentenceView, _) -> Iterable[re.Match]:
    """ "tháng 9/2018", "cuối tháng 10": the parts of a month are looked for only when one's first word is there."""
    pats = period_patterns()
    month_part = any(word in c.segment for word in time_lexicon().month_part_first_words)
    patterns = ((pats["month_part"], c.lo), (pats["month"], c.lo)) if month_part else ((pats["month"], c.lo),)
    return _either(patterns, c.text, c.hi)


def _month(m: re.Match, c: SentenceView) -> Period | None:
    mo = _number(m.group("m"))
    if not 1 <= mo <= 12:
        return None
    pub = c.published
    y = int(m.group("y")) if m.group("y") else (year_for_day(pub, mo, 15) if pub else None)
    a = date(y, mo, 1) if y else None
    b = month_end(y, mo) if y else None
    gran = "month"
    part = m.groupdict().get("part")
    if part and y:
        _, first, last = time_lexicon().parts[_SPACES.sub(" ", part.lower())]
        a = date(y, mo, first)
        b = month_end(y, mo) if last == 0 else date(y, mo, last)
        gran = "range"
    return Period(m.start(), m.end(), a, b, gran, priority=1)


def _quarter(m: re.Match, c: SentenceView) -> Period | None:
    q = _ROMAN.get(m.group("q").upper()) or int(m.group("q"))
    y = int(m.group("y")) if m.group("y") else (c.published.year if c.published else None)
    a = date(y, 3 * q - 2, 1) if y else None
    b = month_end(y, 3 * q) if y else None
    return Period(m.start(), m.end(), a, b, "quarter", priority=1)


def _months_of_year(m: re.Match, c: SentenceView) -> Period | None:
    """ "9 tháng năm 2018", "6 tháng đầu năm", "9 tháng qua", "nửa đầu năm 2020"."""
    n = 6 if m.group("half") else _number(m.group("n"))
    if not 1 <= n <= 12:
        return None
    pub = c.published
    y = int(m.group("y")) if m.group("y") else (pub.year if pub else None)
    which = (m.group("which") or "").lower()
    if m.group("past"):
        if m.group("half"):
            return None
        a = b = None
        if pub:
            # "9 tháng qua" in an October article is the year-to-date report (Jan–Sep);
            # otherwise it is the rolling window ending at publication.
            if pub.month - 2 <= n < pub.month:
                a, b = date(pub.year, 1, 1), month_end(pub.year, n)
            else:
                a, b = add_months(pub, -n), pub
        return Period(m.start(), m.end(), a, b, "range", priority=2)
    if which == "cuối":
        a = date(y, 13 - n, 1) if y else None
        b = date(y, 12, 31) if y else None
    else:
        a = date(y, 1, 1) if y else None
        b = month_end(y, n) if y else None
    gran = "half" if n == 6 and (which or m.group("of")) else "range"
    return Period(m.start(), m.end(), a, b, gran, priority=2)


def _part_year(m: re.Match, c: SentenceView) -> Period | None:
    y = int(m.group("y")) if m.group("y") else (c.published.year if c.published else None)
    _, first, last = time_lexicon().parts[_SPACES.sub(" ", m.group("part").lower())]
    a = date(y, first, 1) if y else None
    b = month_end(y, last) if y else None
    return Period(m.start(), m.end(), a, b, "range", priority=1)


def _year_range(m: re.Match, c: SentenceView) -> Period | None:
    a, b = int(m.group("a")), int(m.group("b"))
    if a > b or not 1000 <= a <= 2200:
        return None
    start = m.start() if m.group("ctx").lower().startswith("từ") else m.start("a")
    return Period(start, m.end(), date(a, 1, 1), date(b, 12, 31), "range", priority=2)


def _year(m: re.Match, c: SentenceView) -> Period | None:
    y = int(m.group("y"))
    return Period(m.start(), m.end(), date(y, 1, 1), date(y, 12, 31), "year")


def _relative(m: re.Match, c: SentenceView) -> Period | None:
    """ "năm nay", "hôm qua", "tuần sau": dated from the publication day."""
    if period_patterns()["counted_before"].search(c.text, max(c.lo, m.start() - 12), m.start()):
        return None  # "3-5 năm sau", "chưa đầy 1 tuần sau": a duration, not next year/week
    unit, offset = time_lexicon().relative[_SPACES.sub(" ", m.group(0).lower())]
    a, b = relative_dates(c.published, unit, offset)
    return Period(m.start(), m.end(), a, b, _RELATIVE_GRANULARITY[unit])


def _recurrence(m: re.Match, c: SentenceView) -> Period | None:
    """ "hằng năm", "mỗi tháng": no dates, a recurrence."""
    rec = time_lexicon().recurrence[_SPACES.sub(" ", m.group(0).lower())]
    return Period(m.start(), m.end(), None, None, _RECURRENCE_GRANULARITY[rec], recurrence=rec)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else time_lexicon().month_words[text.lower()]


def _before_unit(text: str, pos: int, hi: int) -> bool:
    """Whether a measure word ("năm", "tuổi", "%") follows `pos`."""
    pats = period_patterns()
    w = pats["next_word"].match(text, pos, hi)
    if w is None or w.group(1) not in time_lexicon().unit_words:
        return False
    return pats["year_after"].match(text, w.end(), hi) is None  # "30-4 năm 1975" is a date


def _words_before(text: str, lo: int, digit: int, words: int) -> int:
    """Where in text[lo:] up to `words` words, each followed by spaces, can start before the one or two
    digits ending at `digit` (a day: "ngày 12" of "ngày 12/10"); a word here is any run of word
    characters, so the day words start no earlier."""
    i = digit - 1 if digit > lo and text[digit - 1].isdecimal() else digit
    for _ in range(words):
        while i > lo and text[i - 1].isspace():
            i -= 1
        while i > lo and (text[i - 1].isalnum() or text[i - 1] == "_"):
            i -= 1
    return i


def _either(patterns: tuple[tuple[re.Pattern, int], ...], text: str, hi: int) -> Iterable[re.Match]:
    """The matches finditer(text, lo, hi) gives for the alternation of the `patterns`, which never match
    at the same position, each given with where it can first match (lo, or later): each is searched on
    its own, so the engine can skip ahead to its first characters (an alternation of a word and a
    look-behind cannot)."""
    if len(patterns) == 1:
        yield from patterns[0][0].finditer(text, patterns[0][1], hi)
        return
    found = [p.search(text, start, hi) for p, start in patterns]
    pos = min(start for _, start in patterns)
    while True:
        for i, m in enumerate(found):
            if m is not None and m.start() < pos:  # overlapped by the match before: look again
                found[i] = patterns[i][0].search(text, pos, hi)
        live = [m for m in found if m is not None]
        if not live:
            return
        m = min(live, key=lambda m: m.start())
        yield m
        pos = m.end()
