"""What periods are written with: the time lexicon (tasks/lang/vi/time) and the regexes that read them.

Every pattern runs on lower_view(text): no IGNORECASE, literals in lower case. A pattern that opens
with a look-behind is tried at every position of the text, so the left boundary sits after the
first word where it can ("năm(?<!…năm)"); the "needs_*" patterns are what a match cannot do
without (no look-arounds), found by a cheap scan before the costly pattern is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.common import phrase_alternation
from tasks.lexicon import table, word_list

_LEFT = r"[\w/.,:+\-]"  # what may not come right before a period: a word, code or number character
_B = rf"(?<!{_LEFT})"  # left boundary, for patterns that cannot put it after their first word
_E = r"(?![\w/]|[.,:\-]\d)"  # right boundary


@dataclass(frozen=True, slots=True)
class TimeLexicon:
    """The words of periods, read once from tasks/lang/vi/time (and the measure words of quantities/units.tsv)."""

    month_words: dict[str, int]  # number words of months and counts of months ("mười" → 10)
    relative: dict[str, tuple[str, int]]  # "năm nay" → (year, 0)
    recurrence: dict[str, str]  # "hằng năm" → yearly
    parts: dict[str, tuple[str, int, int]]  # "đầu năm" → (year, first month, last month)
    year_part_last_words: frozenset[str]  # "năm" of "đầu năm"
    month_part_first_words: tuple[str, ...]  # "đầu", "giữa", "cuối" of the parts of a month
    relative_first_words: frozenset[str]  # "năm" of "năm nay"
    recurrence_first_words: frozenset[str]  # "hằng" of "hằng năm"
    # lower-case measure words ("năm", "tuổi", "%"): after "3-5" they make it a range of amounts, not a date
    unit_words: frozenset[str]
    day_words: tuple[str, ...]  # words that open a bare day "ngày 30/10", "sáng 1/10"
    day_word_count: int  # the most words of a day word ("rạng sáng": 2)

    # The words the word-led period patterns need, lower case: every relative and recurring period starts
    # with one, and "tháng", "năm", "quý", "nửa" and the last words of the parts of a year ("năm" of
    # "đầu năm") stand for substring tests before other patterns.
    scan_words: frozenset[str]


@cache
def time_lexicon() -> TimeLexicon:
    parts = {row[0]: (row[1], int(row[2]), int(row[3])) for row in table("time/part_of.tsv")}
    relative = {row[0]: (row[1], int(row[2])) for row in table("time/relative.tsv")}
    recurrence = {row[0]: row[1] for row in table("time/recurrence.tsv")}
    day_words = word_list("time/day_context.txt")
    year_part_last_words = frozenset(k.lower().split()[-1] for k, v in parts.items() if v[0] == "year")
    relative_first_words = frozenset(p.lower().split()[0] for p in relative)
    recurrence_first_words = frozenset(p.lower().split()[0] for p in recurrence)
    return TimeLexicon(
        month_words={row[0]: int(row[1]) for row in table("time/number_words.tsv")},
        relative=relative,
        recurrence=recurrence,
        parts=parts,
        year_part_last_words=year_part_last_words,
        month_part_first_words=tuple(sorted({k.lower().split()[0] for k, v in parts.items() if v[0] == "month"})),
        relative_first_words=relative_first_words,
        recurrence_first_words=recurrence_first_words,
        unit_words=frozenset(row[0].lower() for row in table("quantities/units.tsv")),
        day_words=day_words,
        day_word_count=max(len(w.split()) for w in day_words),
        scan_words=relative_first_words | recurrence_first_words | year_part_last_words | {"tháng", "năm", "quý", "nửa"},
    )


def _alternation(phrases, left: str | None = None) -> str:
    """Regex alternation of phrases, longest first, spaces matching any whitespace run."""
    return phrase_alternation({p.lower() for p in phrases}, left)  # patterns run on lower_view(text)


@cache
def period_patterns() -> dict[str, re.Pattern]:
    """Every regex of the period rules, by name."""
    lex = time_lexicon()
    return {**_day_patterns(lex), **_month_and_year_patterns(lex), **_context_patterns(lex)}


def _day_patterns(lex: TimeLexicon) -> dict[str, re.Pattern]:
    day_words = _alternation(lex.day_words, r"\w")
    return {
        # "từ 24 đến 31/7", "từ ngày 24/7 đến ngày 31/7/2018", "24-31/7"
        "day_range": re.compile(
            rf"{_B}(?:(?:từ|kể từ)\s+)?(?:ngày\s+)?(\d{{1,2}})(?:/(\d{{1,2}}))?\s*(?:đến|tới|-|–)\s*(?:ngày\s+)?"
            rf"(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}))?{_E}"
        ),
        "needs_day_range": re.compile(r"\d\s*(?:đến|tới|-|–)\s*(?:ngày\s+)?\d{1,2}/\d"),
        "full_date": re.compile(rf"{_B}(?:ngày\s+)?(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}){_E}"),
        "needs_full_date": re.compile(r"\d[/.\-]\d{1,2}[/.\-]\d{4}"),
        "spelt_date": re.compile(rf"ngày(?<!{_LEFT}ngày)\s+(\d{{1,2}})\s+tháng\s+(\d{{1,2}})(?:\s+năm\s+(\d{{4}}))?{_E}"),
        # "ngày 30/10", "sáng 1/10", "(12/10)" — a bare d/m needs a day word so fractions stay fractions;
        # the two ways are two patterns read as one (period_rules._either), each skipping ahead to its first characters
        "day_month": re.compile(rf"(?P<ctx>{day_words})\s+(?P<d>\d{{1,2}})[/\-](?P<m>\d{{1,2}}){_E}"),
        "day_month_paren": re.compile(rf"(?P<d>\d(?<=\(\d)\d?)[/\-](?P<m>\d{{1,2}}){_E}"),
        "needs_day_month": re.compile(r"\d[/\-]\d"),
    }


def _month_and_year_patterns(lex: TimeLexicon) -> dict[str, re.Pattern]:
    numw = _alternation(lex.month_words)
    n = rf"(?:\d{{1,2}}|{numw})"
    year_parts = _alternation((k for k, v in lex.parts.items() if v[0] == "year"), _LEFT)
    month_parts = _alternation((k for k, v in lex.parts.items() if v[0] == "month"), _LEFT)
    of_year = rf"(?:\s*(?:/|-|năm|,\s*năm)\s*(?P<y>\d{{4}}))?{_E}"
    return {
        # "tháng 9/2018", "cuối tháng 10": two patterns read as one (period_rules._either)
        "month": re.compile(rf"tháng(?<!{_LEFT}tháng)\s+(?P<m>\d{{1,2}}|{numw}){of_year}"),
        "month_part": re.compile(rf"(?P<part>{month_parts})\s+(?P<m>\d{{1,2}}|{numw}){of_year}"),
        "quarter": re.compile(rf"quý(?<!{_LEFT}quý)\s+(?P<q>iv|i{{1,3}}|[1-4])(?:\s*(?:/|-|năm)\s*(?P<y>\d{{4}}))?{_E}"),
        # "9 tháng năm 2018", "6 tháng đầu năm", "9 tháng qua", "nửa đầu năm 2020"
        "months_of_year": re.compile(
            rf"{_B}(?:(?P<n>{n})\s+tháng|(?P<half>nửa))\s+(?:(?P<which>đầu|cuối)\s+năm|(?P<of>năm)(?=\s+\d{{4}})|(?P<past>(?:vừa\s+)?qua))"
            rf"(?:\s+(?P<y>\d{{4}}))?{_E}"
        ),
        "needs_months_of_year": re.compile(r"(?:tháng|nửa)\s+(?:đầu|cuối|năm|vừa|qua)"),
        "part_year": re.compile(rf"(?P<part>{year_parts})(?:\s+(?P<y>\d{{4}}))?{_E}"),
        "year_range": re.compile(
            rf"{_B}(?:(?P<ctx>giai\s+đoạn|nhiệm\s+kỳ|niên\s+khóa|năm\s+học|thời\s+kỳ|từ\s+năm|từ)\s+)(?P<a>\d{{4}})\s*(?:-|–|đến|tới)\s*(?:năm\s+)?(?P<b>\d{{4}}){_E}"
        ),
        "needs_year_range": re.compile(r"\d\d{3}\s*(?:-|–|đến|tới)\s*(?:năm\s+)?\d{4}"),
        "year": re.compile(rf"năm(?<!{_LEFT}năm)\s+(?P<y>\d{{4}}){_E}"),
    }


def _context_patterns(lex: TimeLexicon) -> dict[str, re.Pattern]:
    numw = _alternation(lex.month_words)
    return {
        "relative": re.compile(rf"(?:{_alternation(lex.relative, _LEFT)}){_E}"),
        "recurrence": re.compile(rf"(?:{_alternation(lex.recurrence, _LEFT)}){_E}"),
        # "5 năm sau", "1 tuần sau": a count of units before "năm sau" makes it a duration, not next year
        "counted_before": re.compile(rf"(?:\d|(?<![\w])(?:{numw}|vài|mấy|nhiều))\s+$"),
        "next_word": re.compile(r"\s*(%|[^\W\d_]+)"),
        "year_after": re.compile(r"\s+\d{4}(?!\d)"),
        "of_year": re.compile(r"\s+năm\s+(?P<y>\d{4})(?![\w/]|[.,:\-]\d)"),
        # "từ <period> đến nay", "<period> đến nay"
        "until_now": re.compile(r"\s+(?:đến|tới|cho\s+đến|cho\s+tới)\s+(?:nay|hiện\s+nay|hiện\s+tại|bây\s+giờ)(?![\w])"),
        "from": re.compile(r"(?:(?<![\w])(?:từ|kể\s+từ)\s+)$"),
        # "17:00", "10h30", "9 giờ sáng" after the left boundary, or "gmt+7": opened by one character class
        # ("\d" or "g") so the engine skips to those, each look-behind checking the character read
        "time_of_day": re.compile(
            rf"[\dg](?:(?<=\d)(?<!{_LEFT}\d)"
            rf"(?:\d?:\d{{2}}(?::\d{{2}})?|\d?h\d{{0,2}}(?:p|')?|\d?\s+giờ(?:\s+\d{{1,2}}\s+phút)?(?=\s+(?:sáng|trưa|chiều|tối|đêm|ngày|hôm)))(?![\w/])"
            rf"|(?<=g)(?<![\w]g)mt\s*[+\-]\s*\d{{1,2}}(?::?\d{{2}})?)"
        ),
    }
