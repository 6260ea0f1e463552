"""Dates and periods in Vietnamese text ("9 tháng năm 2018", "quý III/2018", "từ đầu năm đến nay"), resolved to dates."""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from tasks.lexicon import table, word_list
from tasks.model import Doc
from tasks.common import VIETNAM_TZ, phrase_alternation

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


class Period(NamedTuple):
    """One period mention; dates are None when they cannot be resolved (no publication date).

    A named tuple rather than a frozen dataclass: as immutable, and much quicker to make, which every
    reading of a sentence's dates does.
    """

    start: int
    end: int
    start_date: date | None
    end_date: date | None
    granularity: str  # day | month | quarter | half | year | range
    recurrence: str | None = None
    priority: int = 0  # breaks ties between overlapping candidates (higher wins)


class Context(NamedTuple):  # a tuple: one is made for every sentence
    published: date | None


def _alternation(phrases, left: str | None = None) -> str:
    """Regex alternation of phrases, longest first, spaces matching any whitespace run."""
    return phrase_alternation({p.lower() for p in phrases}, left)  # patterns run on lower_view(text)


@cache
def _month_words() -> dict[str, int]:
    return {row[0]: int(row[1]) for row in table("time/number_words.tsv")}


@cache
def _relative() -> dict[str, tuple[str, int]]:
    return {row[0]: (row[1], int(row[2])) for row in table("time/relative.tsv")}


@cache
def _recurrence() -> dict[str, str]:
    return {row[0]: row[1] for row in table("time/recurrence.tsv")}


@cache
def _parts() -> dict[str, tuple[str, int, int]]:
    return {row[0]: (row[1], int(row[2]), int(row[3])) for row in table("time/part_of.tsv")}


@cache
def _part_last_words(of: str) -> frozenset[str]:
    """Last words of the parts of a month or year ("tháng", "năm")."""
    return frozenset(k.lower().split()[-1] for k, v in _parts().items() if v[0] == of)


@cache
def _part_first_words(of: str) -> tuple[str, ...]:
    """First words of the parts of a month or year ("đầu", "cuối")."""
    return tuple(sorted({k.lower().split()[0] for k, v in _parts().items() if v[0] == of}))


@cache
def _unit_words() -> frozenset[str]:
    """Lower-case measure words ("năm", "tuổi", "%"): after "3-5" they make it a range of amounts, not a date."""
    return frozenset(row[0].lower() for row in table("quantities/units.tsv"))


def lower_view(text: str) -> str:
    """Lower-cased text with the same length, so offsets found in it hold in `text` (patterns run on it
    without re.IGNORECASE, which is several times slower); the rare character whose lower case is
    longer ("İ") is kept as is."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class WordStarts:
    """Where the words of a vocabulary start a word in a lower-cased document, found in one scan of it.

    A pattern that can only match from one of these words (relative periods from "năm", "hôm", …;
    runs of number words) is then tried at those positions of a sentence (match_at) instead of being
    scanned over it, and the words a sentence holds stand in for substring tests before patterns.
    """

    def __init__(self, low: str, vocabulary: frozenset[str]):
        pattern, covers = _word_start_pattern(vocabulary)
        found = list(pattern.finditer(low))
        self.positions = [m.start() for m in found]
        # at each position, the vocabulary word found there (the longest), and the shorter ones that
        # begin it when there are any (they start there too)
        self.words = [m.group() for m in found]
        self.covers = covers

    def within(self, lo: int, hi: int) -> Starts:
        """The vocabulary words starting a word in [lo, hi)."""
        i = bisect_left(self.positions, lo)
        j = bisect_left(self.positions, hi, i)
        if i == j:
            return _NO_STARTS
        words = self.words[i:j]
        present = frozenset(words)
        if self.covers:
            present = present.union(*(self.covers[w] for w in words if w in self.covers))
        return Starts(self.positions[i:j], words, present, self.covers)


class Starts(NamedTuple):
    """The vocabulary words starting a word in a sentence (WordStarts.within)."""

    positions: list[int]
    words: list[str]  # the (longest) word starting at each position
    present: frozenset[str]  # all the words starting there
    covers: dict[str, frozenset[str]]  # word → the shorter vocabulary words that begin it, if any

    def of(self, words: frozenset[str]) -> list[int]:
        """The positions where one of `words` starts (or more: the patterns tried there then fail)."""
        if len(self.positions) == 1 or self.covers:
            return self.positions
        return [p for p, w in zip(self.positions, self.words) if w in words]


_NO_STARTS = Starts([], [], frozenset(), {})


@cache
def _word_start_pattern(vocabulary: frozenset[str]) -> tuple[re.Pattern, dict[str, frozenset[str]]]:
    """The vocabulary words where they start a word (the longest at each position), and for the words
    that shorter vocabulary words begin, those (they start there too)."""
    if any(w.split() != [w] for w in vocabulary):
        raise ValueError("word starts are found for single words")
    covers = {w: frozenset(v for v in vocabulary if w.startswith(v) and v != w) for w in vocabulary}
    return re.compile(phrase_alternation(vocabulary, r"\w")), {w: c for w, c in covers.items() if c}


def match_at(pattern: re.Pattern, text: str, positions: list[int], hi: int):
    """What pattern.finditer(text, lo, hi) finds when `positions` (sorted, in [lo, hi)) holds every
    position where it can match: the pattern is tried there only. For patterns that never match empty."""
    end = -1
    for pos in positions:
        if pos >= end:
            m = pattern.match(text, pos, hi)
            if m is not None:
                yield m
                end = m.end()


@cache
def _first_words(kind: str) -> frozenset[str]:
    """First words of the relative ("năm" of "năm nay") or the recurring ("hằng" of "hằng năm") phrases."""
    return frozenset(p.lower().split()[0] for p in (_relative() if kind == "relative" else _recurrence()))


@cache
def scan_words() -> frozenset[str]:
    """The words the word-led period patterns need, lower case: every relative and recurring period starts
    with one, and "tháng", "năm", "quý", "nửa" and the last words of the parts of a year ("năm" of "đầu
    năm") stand for substring tests before other patterns."""
    return (_first_words("relative") | _first_words("recurrence") | _part_last_words("year")
            | {"tháng", "năm", "quý", "nửa"})


_LEFT = r"[\w/.,:+\-]"  # what may not come right before a period: a word, code or number character
_B = rf"(?<!{_LEFT})"  # left boundary, for patterns that cannot put it after their first word
_E = r"(?![\w/]|[.,:\-]\d)"  # right boundary


@cache
def _patterns() -> dict[str, re.Pattern]:
    numw = _alternation(_month_words())
    n = rf"(?:\d{{1,2}}|{numw})"
    day_ctx_bounded = _alternation(word_list("time/day_context.txt"), r"\w")
    year_parts_bounded = _alternation((k for k, v in _parts().items() if v[0] == "year"), _LEFT)
    month_parts_bounded = _alternation((k for k, v in _parts().items() if v[0] == "month"), _LEFT)
    # Every pattern runs on lower_view(text): no IGNORECASE, literals in lower case. A pattern that
    # opens with a look-behind is tried at every position of the text, so the left boundary sits after
    # the first word where it can ("năm(?<!…năm)"); the "needs_*" patterns are what a match cannot
    # do without (no look-arounds), found by a cheap scan before the costly pattern is run.
    flags = 0
    return {
        # "từ 24 đến 31/7", "từ ngày 24/7 đến ngày 31/7/2018", "24-31/7"
        "day_range": re.compile(
            rf"{_B}(?:(?:từ|kể từ)\s+)?(?:ngày\s+)?(\d{{1,2}})(?:/(\d{{1,2}}))?\s*(?:đến|tới|-|–)\s*(?:ngày\s+)?"
            rf"(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}))?{_E}",
            flags,
        ),
        "needs_day_range": re.compile(r"\d\s*(?:đến|tới|-|–)\s*(?:ngày\s+)?\d{1,2}/\d"),
        "full_date": re.compile(rf"{_B}(?:ngày\s+)?(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}){_E}", flags),
        "needs_full_date": re.compile(r"\d[/.\-]\d{1,2}[/.\-]\d{4}"),
        "spelt_date": re.compile(rf"ngày(?<!{_LEFT}ngày)\s+(\d{{1,2}})\s+tháng\s+(\d{{1,2}})(?:\s+năm\s+(\d{{4}}))?{_E}", flags),
        # "ngày 30/10", "sáng 1/10", "(12/10)" — a bare d/m needs a day word so fractions stay fractions;
        # the two ways are two patterns read as one by _either, each skipping ahead to its first characters
        "day_month": re.compile(rf"(?P<ctx>{day_ctx_bounded})\s+(?P<d>\d{{1,2}})[/\-](?P<m>\d{{1,2}}){_E}", flags),
        "day_month_paren": re.compile(rf"(?P<d>\d(?<=\(\d)\d?)[/\-](?P<m>\d{{1,2}}){_E}", flags),
        "needs_day_month": re.compile(r"\d[/\-]\d"),
        # "tháng 9/2018", "cuối tháng 10": two patterns read as one by _either
        "month": re.compile(
            rf"tháng(?<!{_LEFT}tháng)\s+(?P<m>\d{{1,2}}|{numw})(?:\s*(?:/|-|năm|,\s*năm)\s*(?P<y>\d{{4}}))?{_E}",
            flags,
        ),
        "month_part": re.compile(
            rf"(?P<part>{month_parts_bounded})\s+(?P<m>\d{{1,2}}|{numw})(?:\s*(?:/|-|năm|,\s*năm)\s*(?P<y>\d{{4}}))?{_E}",
            flags,
        ),
        "quarter": re.compile(rf"quý(?<!{_LEFT}quý)\s+(?P<q>iv|i{{1,3}}|[1-4])(?:\s*(?:/|-|năm)\s*(?P<y>\d{{4}}))?{_E}", flags),
        # "9 tháng năm 2018", "6 tháng đầu năm", "9 tháng qua", "nửa đầu năm 2020"
        "months_of_year": re.compile(
            rf"{_B}(?:(?P<n>{n})\s+tháng|(?P<half>nửa))\s+(?:(?P<which>đầu|cuối)\s+năm|(?P<of>năm)(?=\s+\d{{4}})|(?P<past>(?:vừa\s+)?qua))"
            rf"(?:\s+(?P<y>\d{{4}}))?{_E}",
            flags,
        ),
        "needs_months_of_year": re.compile(r"(?:tháng|nửa)\s+(?:đầu|cuối|năm|vừa|qua)"),
        "part_year": re.compile(rf"(?P<part>{year_parts_bounded})(?:\s+(?P<y>\d{{4}}))?{_E}", flags),
        "year_range": re.compile(
            rf"{_B}(?:(?P<ctx>giai\s+đoạn|nhiệm\s+kỳ|niên\s+khóa|năm\s+học|thời\s+kỳ|từ\s+năm|từ)\s+)(?P<a>\d{{4}})\s*(?:-|–|đến|tới)\s*(?:năm\s+)?(?P<b>\d{{4}}){_E}",
            flags,
        ),
        "needs_year_range": re.compile(r"\d\d{3}\s*(?:-|–|đến|tới)\s*(?:năm\s+)?\d{4}"),
        "year": re.compile(rf"năm(?<!{_LEFT}năm)\s+(?P<y>\d{{4}}){_E}", flags),
        "relative": re.compile(rf"(?:{_alternation(_relative(), _LEFT)}){_E}", flags),
        "recurrence": re.compile(rf"(?:{_alternation(_recurrence(), _LEFT)}){_E}", flags),
        # "5 năm sau", "1 tuần sau": a count of units before "năm sau" makes it a duration, not next year
        "counted_before": re.compile(rf"(?:\d|(?<![\w])(?:{numw}|vài|mấy|nhiều))\s+$"),
        "next_word": re.compile(r"\s*(%|[^\W\d_]+)"),
        "year_after": re.compile(r"\s+\d{4}(?!\d)"),
        "of_year": re.compile(r"\s+năm\s+(?P<y>\d{4})(?![\w/]|[.,:\-]\d)"),
        # "từ <period> đến nay", "<period> đến nay"
        "until_now": re.compile(r"\s+(?:đến|tới|cho\s+đến|cho\s+tới)\s+(?:nay|hiện\s+nay|hiện\s+tại|bây\s+giờ)(?![\w])", flags),
        "from": re.compile(r"(?:(?<![\w])(?:từ|kể\s+từ)\s+)$", flags),
        # "17:00", "10h30", "9 giờ sáng" after the left boundary, or "gmt+7": opened by one character class
        # ("\d" or "g") so the engine skips to those, each look-behind checking the character read
        "time_of_day": re.compile(
            rf"[\dg](?:(?<=\d)(?<!{_LEFT}\d)"
            rf"(?:\d?:\d{{2}}(?::\d{{2}})?|\d?h\d{{0,2}}(?:p|')?|\d?\s+giờ(?:\s+\d{{1,2}}\s+phút)?(?=\s+(?:sáng|trưa|chiều|tối|đêm|ngày|hôm)))(?![\w/])"
            rf"|(?<=g)(?<![\w]g)mt\s*[+\-]\s*\d{{1,2}}(?::?\d{{2}})?)",
            flags,
        ),
    }


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _month_words()[text.lower()]


def _year_for_day(ctx: Context, month: int, day: int) -> int | None:
    """Year of a day written without one: the publication year, shifted when ~half a year off."""
    if ctx.published is None:
        return None
    y = ctx.published.year
    guess = _safe_date(y, month, day)
    if guess is None:
        return y
    if (guess - ctx.published).days > 200:
        return y - 1
    if (ctx.published - guess).days > 200:
        return y + 1
    return y


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _day_period(start: int, end: int, y: int | None, m: int, d: int, priority: int = 2) -> Period | None:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    day = _safe_date(y, m, d) if y else None
    if y and day is None:
        return None
    return Period(start, end, day, day, "day", priority=priority)


def _candidates(text: str, lo: int, hi: int, ctx: Context, first_digit: int | None = None,
                starts: Starts | None = None) -> list[Period]:
    """Every period reading found in text[lo:hi] (overlaps resolved by the caller); `text` is lower_view'd."""
    pats = _patterns()
    out: list[Period] = []
    pub = ctx.published
    # Cheap literal gates: most sentences lack the words a pattern needs, so skip its scan. With word
    # starts, a word counts where it starts a word, which is where these patterns need it.
    low = text[lo:hi]
    if first_digit is None:
        first_digit = _first_digit(text, lo, hi)
    digits = first_digit >= 0
    # the "needs_*" patterns and four digits open with a digit: no need to look before the first one
    d0 = first_digit if digits else lo
    words = starts.present if starts is not None else low
    months = "tháng" in words
    years = "năm" in words
    quarters = "quý" in words
    halves = "nửa" in words
    anything = digits or months or years or quarters or halves
    if not anything:
        return _words_only(text, lo, hi, pub, low, starts) if _may_have_words_only(starts) else out
    # what each pattern cannot match without: "/" for "24/7", "-" for "30-10", four digits for a year
    slash = digits and "/" in low
    dash = digits and ("-" in low or "–" in low)
    dashed = slash or dash
    # a range of days or years is joined by a dash, "đến" or "tới"
    linked = dash or (digits and ("đến" in low or "tới" in low))
    four = digits and _FOUR_DIGITS.search(text, d0, hi) is not None
    for m in pats["day_range"].finditer(text, lo, hi) if slash and linked and pats["needs_day_range"].search(text, d0, hi) else ():
        d1, m1, d2, m2, y = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
        m1 = m1 or m2
        if not m.group(0).lower().startswith(("từ", "kể", "ngày")) and m.group(2) is None:
            continue  # a bare "20-30/7" without "từ"/"ngày" is too ambiguous
        year = int(y) if y else _year_for_day(ctx, int(m2), int(d2))
        a = _safe_date(year, int(m1), int(d1)) if year else None
        b = _safe_date(year, int(m2), int(d2)) if year else None
        if year and (a is None or b is None or a > b):
            continue
        out.append(Period(m.start(), m.end(), a, b, "range", priority=3))
    for m in pats["full_date"].finditer(text, lo, hi) if four and pats["needs_full_date"].search(text, d0, hi) else ():
        p = _day_period(m.start(), m.end(), int(m.group(4)), int(m.group(3)), int(m.group(1)))
        if p:
            out.append(p)
    for m in pats["spelt_date"].finditer(text, lo, hi) if digits and months and "ngày" in low else ():
        mo, d = int(m.group(2)), int(m.group(1))
        y = int(m.group(3)) if m.group(3) else _year_for_day(ctx, mo, d)
        p = _day_period(m.start(), m.end(), y, mo, d)
        if p:
            out.append(p)
    day_months: tuple[tuple[re.Pattern, int], ...] = ()
    day_month = pats["needs_day_month"].search(text, d0, hi) if dashed else None
    if day_month:
        # "(12/10)" opens with its digits: no need to look for it before the first one, nor without a
        # "(" right before one (which may be just before the sentence); "ngày 12/10" opens with a day
        # word, and spaces, before the day of the first "12/10": no need to look before those
        paren = text.find("(", max(d0 - 1, 0), hi) >= 0
        worded = (pats["day_month"], _words_before(text, lo, day_month.start(), _day_word_count()))
        day_months = (worded, (pats["day_month_paren"], d0)) if paren else (worded,)
    for m in _either(day_months, text, hi) if day_months else ():
        mo, d = int(m.group("m")), int(m.group("d"))
        day_word = m.groupdict().get("ctx")  # None after "("
        if text[m.end("d")] == "-" and day_word != "ngày" and _before_unit(text, m.end(), hi):
            continue  # "từ 3-5 năm", "từ 3-5%": a range of amounts
        start = m.start("ctx") if day_word and day_word.lower() == "ngày" else m.start("d")
        written_year = pats["of_year"].match(text, m.end(), hi)  # "ngày 30-4 năm 1975"
        if written_year:
            p = _day_period(start, written_year.end(), int(written_year.group("y")), mo, d)
            if p:
                out.append(p)
            continue
        p = _day_period(start, m.end(), _year_for_day(ctx, mo, d), mo, d, priority=1)
        if p:
            out.append(p)
    parts = _parts()
    month_patterns: tuple[tuple[re.Pattern, int], ...] = ()
    if months:  # "đầu tháng", "cuối tháng": that pattern needs their first word
        month_part = any(word in low for word in _part_first_words("month"))
        month_patterns = ((pats["month_part"], lo), (pats["month"], lo)) if month_part else ((pats["month"], lo),)
    for m in _either(month_patterns, text, hi) if months else ():
        mo = _number(m.group("m"))
        if not 1 <= mo <= 12:
            continue
        y = int(m.group("y")) if m.group("y") else (_year_for_day(ctx, mo, 15) if pub else None)
        a = date(y, mo, 1) if y else None
        b = _month_end(y, mo) if y else None
        gran = "month"
        part = m.groupdict().get("part")
        if part and y:
            _, first, last = parts[_SPACES.sub(" ", part.lower())]
            a = date(y, mo, first)
            b = _month_end(y, mo) if last == 0 else date(y, mo, last)
            gran = "range"
        out.append(Period(m.start(), m.end(), a, b, gran, priority=1))
    for m in pats["quarter"].finditer(text, lo, hi) if quarters else ():
        q = _ROMAN.get(m.group("q").upper()) or int(m.group("q"))
        y = int(m.group("y")) if m.group("y") else (pub.year if pub else None)
        a = date(y, 3 * q - 2, 1) if y else None
        b = _month_end(y, 3 * q) if y else None
        out.append(Period(m.start(), m.end(), a, b, "quarter", priority=1))
    of_year = (months or halves) and pats["needs_months_of_year"].search(text, lo, hi)
    for m in pats["months_of_year"].finditer(text, lo, hi) if of_year else ():
        n = 6 if m.group("half") else _number(m.group("n"))
        if not 1 <= n <= 12:
            continue
        y = int(m.group("y")) if m.group("y") else (pub.year if pub else None)
        which = (m.group("which") or "").lower()
        gran = "half" if n == 6 and (which or m.group("of")) else "range"
        if m.group("past"):
            if m.group("half"):
                continue
            a = b = None
            if pub:
                # "9 tháng qua" in an October article is the year-to-date report (Jan–Sep);
                # otherwise it is the rolling window ending at publication.
                if pub.month - 2 <= n < pub.month:
                    a, b = date(pub.year, 1, 1), _month_end(pub.year, n)
                else:
                    a, b = _add_months(pub, -n), pub
            out.append(Period(m.start(), m.end(), a, b, "range", priority=2))
            continue
        if which == "cuối":
            a = date(y, 13 - n, 1) if y else None
            b = date(y, 12, 31) if y else None
        else:
            a = date(y, 1, 1) if y else None
            b = _month_end(y, n) if y else None
        out.append(Period(m.start(), m.end(), a, b, gran, priority=2))
    # "đầu năm", "cuối năm": each part of a year ends with a word the sentence must hold ("năm")
    part_year = not _part_last_words("year").isdisjoint(words) if starts is not None else True
    for m in pats["part_year"].finditer(text, lo, hi) if part_year and ("đầu" in low or "giữa" in low or "cuối" in low) else ():
        y = int(m.group("y")) if m.group("y") else (pub.year if pub else None)
        _, first, last = parts[_SPACES.sub(" ", m.group("part").lower())]
        a = date(y, first, 1) if y else None
        b = _month_end(y, last) if y else None
        out.append(Period(m.start(), m.end(), a, b, "range", priority=1))
    for m in pats["year_range"].finditer(text, lo, hi) if four and linked and pats["needs_year_range"].search(text, d0, hi) else ():
        a, b = int(m.group("a")), int(m.group("b"))
        if a > b or not 1000 <= a <= 2200:
            continue
        start = m.start() if m.group("ctx").lower().startswith("từ") else m.start("a")
        out.append(Period(start, m.end(), date(a, 1, 1), date(b, 12, 31), "range", priority=2))
    for m in pats["year"].finditer(text, lo, hi) if four and years else ():
        y = int(m.group("y"))
        out.append(Period(m.start(), m.end(), date(y, 1, 1), date(y, 12, 31), "year"))
    if _may_have_words_only(starts):
        out.extend(_words_only(text, lo, hi, pub, low, starts))
    return out


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


@cache
def _day_word_count() -> int:
    """The most words of a day word ("rạng sáng": 2)."""
    return max(len(w.split()) for w in word_list("time/day_context.txt"))


def _either(patterns: tuple[tuple[re.Pattern, int], ...], text: str, hi: int):
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


_HAS_DIGIT = re.compile(r"\d")


def _first_digit(text: str, lo: int, hi: int) -> int:
    """Where the first digit of text[lo:hi] is, -1 when there is none."""
    m = _HAS_DIGIT.search(text, lo, hi)
    return m.start() if m else -1
_FOUR_DIGITS = re.compile(r"\d\d{3}")  # not "\d{4}": a pattern opening with a repeat is tried at every position
_SPACES = re.compile(r"\s+")
_CLOCK_DIGIT = re.compile(r"\d[:hH]")


def _may_have_words_only(starts: Starts | None) -> bool:
    """Whether a sentence can hold a relative or recurring period: each starts with one of their first words."""
    return starts is None or not starts.present.isdisjoint(_words_only_firsts())


@cache
def _words_only_firsts() -> frozenset[str]:
    return _first_words("relative") | _first_words("recurrence")


def _words_only(text: str, lo: int, hi: int, pub: date | None, low: str,
                starts: Starts | None = None) -> list[Period]:
    """Periods written without digits: relative ("năm nay", "hôm qua") and recurring ("hằng năm")."""
    pats = _patterns()
    out: list[Period] = []
    relative = _relative()
    if starts is None:
        found = pats["relative"].finditer(text, lo, hi)
    else:  # each starts with one of the scanned words
        firsts = _first_words("relative")
        found = match_at(pats["relative"], text, starts.of(firsts), hi) if not starts.present.isdisjoint(firsts) else ()
    for m in found:
        if pats["counted_before"].search(text, max(lo, m.start() - 12), m.start()):
            continue  # "3-5 năm sau", "chưa đầy 1 tuần sau": a duration, not next year/week
        unit, offset = relative[_SPACES.sub(" ", m.group(0).lower())]
        a, b = _relative_dates(pub, unit, offset)
        gran = {"day": "day", "week": "range", "month": "month", "quarter": "quarter", "year": "year"}[unit]
        out.append(Period(m.start(), m.end(), a, b, gran))
    recurrence = _recurrence()
    if starts is None:
        if not ("hằng" in low or "hàng" in low or "mỗi" in low):
            return out
        found = pats["recurrence"].finditer(text, lo, hi)
    elif not starts.present.isdisjoint(_first_words("recurrence")):
        found = match_at(pats["recurrence"], text, starts.of(_first_words("recurrence")), hi)
    else:
        return out
    for m in found:
        rec = recurrence[_SPACES.sub(" ", m.group(0).lower())]
        gran = {"yearly": "year", "quarterly": "quarter", "monthly": "month", "weekly": "range", "daily": "day"}[rec]
        out.append(Period(m.start(), m.end(), None, None, gran, recurrence=rec))
    return out


def _before_unit(text: str, pos: int, hi: int) -> bool:
    """Whether a measure word ("năm", "tuổi", "%") follows `pos`."""
    w = _patterns()["next_word"].match(text, pos, hi)
    if w is None or w.group(1) not in _unit_words():
        return False
    return _patterns()["year_after"].match(text, w.end(), hi) is None  # "30-4 năm 1975" is a date


def _relative_dates(pub: date | None, unit: str, offset: int) -> tuple[date | None, date | None]:
    if pub is None:
        return None, None
    if unit == "day":
        d = pub + timedelta(days=offset)
        return d, d
    if unit == "week":
        monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=offset)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        first = _add_months(pub.replace(day=1), offset)
        return first, _month_end(first.year, first.month)
    if unit == "quarter":
        q0 = (pub.month - 1) // 3 + offset
        y, q = pub.year + q0 // 4, q0 % 4
        return date(y, 3 * q + 1, 1), _month_end(y, 3 * q + 3)
    y = pub.year + offset
    return date(y, 1, 1), date(y, 12, 31)


def _select(cands: list[Period]) -> list[Period]:
    """Non-overlapping periods, preferring the longer, then the higher priority, then the earlier."""
    if len(cands) == 1:
        return cands
    chosen: list[Period] = []
    for p in sorted(cands, key=lambda p: (-(p.end - p.start), -p.priority, p.start)):
        if all(p.end <= c.start or p.start >= c.end for c in chosen):
            chosen.append(p)
    return sorted(chosen, key=lambda p: p.start)


def _extend_ranges(text: str, lo: int, hi: int, periods: list[Period], ctx: Context) -> list[Period]:
    """Join "từ <period> đến nay" and "từ <period> đến <period>" into one range."""
    pats = _patterns()
    out: list[Period] = []
    i = 0
    while i < len(periods):
        p = periods[i]
        if p.recurrence is None:
            window = max(lo, p.start - 8)
            # "từ" (of "từ", "kể từ") must end the window, before its spaces: most windows do not
            end = p.start
            while end > window and text[end - 1].isspace():
                end -= 1
            before = pats["from"].search(text, window, p.start) if end < p.start and text.endswith("từ", window, end) else None
            start = before.start() if before else p.start
            now = pats["until_now"].match(text, p.end, hi) if _until_word_follows(text, p.end, hi) else None
            if now:
                out.append(Period(start, now.end(), p.start_date, ctx.published if p.start_date else None, "range", priority=4))
                i += 1
                continue
            nxt = periods[i + 1] if i + 1 < len(periods) else None
            if before and nxt and nxt.recurrence is None:
                link = re.fullmatch(r"\s+(?:đến|tới|cho\s+đến)\s+", text[p.end : nxt.start], re.IGNORECASE)
                if link:
                    out.append(Period(start, nxt.end, p.start_date, nxt.end_date, "range", priority=4))
                    i += 2
                    continue
        out.append(p)
        i += 1
    return out


def _until_word_follows(text: str, pos: int, hi: int) -> bool:
    """Whether "đến", "tới" or "cho" follows the spaces at `pos`: "… đến nay" cannot be there otherwise."""
    while pos < hi and text[pos].isspace():
        pos += 1
    return text.startswith(("đến", "tới", "cho"), pos)


def published_date(published_at: datetime | None) -> date | None:
    """The publication day in Vietnam time (naive datetimes are taken as already local)."""
    if published_at is None:
        return None
    if published_at.tzinfo is not None:
        published_at = published_at.astimezone(VIETNAM_TZ)
    return published_at.date()


def find_periods_in(text: str, lo: int, hi: int, published: date | None, low: str | None = None,
                    first_digit: int | None = None, starts: Starts | None = None) -> list[Period]:
    """Periods in text[lo:hi], resolved against the publication day.

    `low` is lower_view(text) when the caller already has it (one per document, not per sentence),
    `first_digit` where the first digit of text[lo:hi] is (-1: there is none), when the caller has looked;
    `starts` what WordStarts.within(lo, hi) gives for a
    vocabulary holding scan_words().
    """
    if first_digit is not None and first_digit < 0 and starts is not None and starts.present.isdisjoint(scan_words()):
        return []  # without digits, every period needs one of these words
    low = lower_view(text) if low is None else low
    ctx = Context(published)
    found = _candidates(low, lo, hi, ctx, first_digit, starts)
    return _extend_ranges(low, lo, hi, _select(found), ctx) if found else []


def time_of_day_spans(text: str, lo: int, hi: int, low: str | None = None,
                      first_digit: int | None = None) -> list[tuple[int, int]]:
    """Clock times and time zones ("17:00", "10h30", "GMT+7"): not periods, never quantities.

    `first_digit` as for find_periods_in.
    """
    if first_digit is None:
        first_digit = _first_digit(text, lo, hi)
    # every clock time has ":" or "<digit>h" or "giờ", every time zone "GMT"
    low = lower_view(text) if low is None else low
    # (the words as written: "giờ" or "gmt" in the lower-cased text first, which most sentences lack)
    if not (first_digit >= 0 and _CLOCK_DIGIT.search(text, first_digit, hi)):
        lowered = low[lo:hi]
        hour, zone = "giờ" in lowered, "gmt" in lowered
        if not (hour or zone):
            return []
        segment = text[lo:hi]
        if not ((hour and ("giờ" in segment or "Giờ" in segment or "GIỜ" in segment))
                or (zone and ("GMT" in segment or "gmt" in segment))):
            return []
    return [(m.start(), m.end()) for m in _patterns()["time_of_day"].finditer(low, lo, hi)]


def sentence_periods(doc: Doc) -> list[tuple[int, Period]]:
    """(sentence_index, period) for every period in the document."""
    pub = published_date(doc.published_at)
    low = lower_view(doc.text)
    return [(s.index, p) for s in doc.sentences for p in find_periods_in(doc.text, s.start, s.end, pub, low)]


def period_rows(doc: Doc, found: list[tuple[int, Period]]) -> list[dict]:
    """Rows of the `periods` table."""
    return [
        {
            "article_id": doc.article_id,
            "sentence_index": si,
            "char_start": p.start,
            "char_end": p.end,
            "mention": doc.text[p.start : p.end],
            "start_date": p.start_date,
            "end_date": p.end_date,
            "granularity": p.granularity,
            "recurrence": p.recurrence,
            "extractor": None,  # stamped by the registry (Extractor.run)
            "extractor_version": None,
        }
        for si, p in found
    ]
