"""Dates and periods in Vietnamese text ("9 tháng năm 2018", "quý III/2018", "từ đầu năm đến nay"), resolved to dates."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from functools import cache

from tasks.lexicon import table, word_list
from tasks.model import Doc

VIETNAM_TZ = timezone(timedelta(hours=7))
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


@dataclass(frozen=True)
class Period:
    """One period mention; dates are None when they cannot be resolved (no publication date)."""

    start: int
    end: int
    start_date: date | None
    end_date: date | None
    granularity: str  # day | month | quarter | half | year | range
    recurrence: str | None = None
    priority: int = 0  # breaks ties between overlapping candidates (higher wins)


@dataclass(frozen=True)
class Context:
    published: date | None


def _alternation(phrases) -> str:
    """Regex alternation of phrases, longest first, spaces matching any whitespace run."""
    lowered = {p.lower() for p in phrases}  # patterns run on lower_view(text)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(lowered, key=len, reverse=True))


@cache
def _month_words() -> dict[str, int]:
    return {row[0]: int(row[1]) for row in table("time_number_words.tsv")}


@cache
def _relative() -> dict[str, tuple[str, int]]:
    return {row[0]: (row[1], int(row[2])) for row in table("time_relative.tsv")}


@cache
def _recurrence() -> dict[str, str]:
    return {row[0]: row[1] for row in table("time_recurrence.tsv")}


@cache
def _parts() -> dict[str, tuple[str, int, int]]:
    return {row[0]: (row[1], int(row[2]), int(row[3])) for row in table("time_part_of.tsv")}


@cache
def _unit_words() -> frozenset[str]:
    """Lower-case measure words ("năm", "tuổi", "%"): after "3-5" they make it a range of amounts, not a date."""
    return frozenset(row[0].lower() for row in table("qty_units.tsv"))


def lower_view(text: str) -> str:
    """Lower-cased text with the same length, so offsets found in it hold in `text` (patterns run on it
    without re.IGNORECASE, which is several times slower); the rare character whose lower case is
    longer ("İ") is kept as is."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


_B = r"(?<![\w/.,:+\-])"  # left boundary: not inside a word, code or number
_E = r"(?![\w/]|[.,:\-]\d)"  # right boundary


@cache
def _patterns() -> dict[str, re.Pattern]:
    numw = _alternation(_month_words())
    n = rf"(?:\d{{1,2}}|{numw})"
    day_ctx = _alternation(word_list("time_day_context.txt"))
    year_parts = _alternation(k for k, v in _parts().items() if v[0] == "year")
    month_parts = _alternation(k for k, v in _parts().items() if v[0] == "month")
    # Every pattern runs on lower_view(text): no IGNORECASE, literals in lower case.
    flags = 0
    return {
        # "từ 24 đến 31/7", "từ ngày 24/7 đến ngày 31/7/2018", "24-31/7"
        "day_range": re.compile(
            rf"{_B}(?:(?:từ|kể từ)\s+)?(?:ngày\s+)?(\d{{1,2}})(?:/(\d{{1,2}}))?\s*(?:đến|tới|-|–)\s*(?:ngày\s+)?"
            rf"(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}))?{_E}",
            flags,
        ),
        "full_date": re.compile(rf"{_B}(?:ngày\s+)?(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}){_E}", flags),
        "spelt_date": re.compile(rf"{_B}ngày\s+(\d{{1,2}})\s+tháng\s+(\d{{1,2}})(?:\s+năm\s+(\d{{4}}))?{_E}", flags),
        # "ngày 30/10", "sáng 1/10", "(12/10)" — a bare d/m needs a day word so fractions stay fractions
        "day_month": re.compile(
            rf"(?:(?<![\w])(?P<ctx>{day_ctx})\s+|(?<=\())(?P<d>\d{{1,2}})[/\-](?P<m>\d{{1,2}}){_E}", flags
        ),
        "month": re.compile(
            rf"{_B}(?:(?P<part>{month_parts})|tháng)\s+(?P<m>\d{{1,2}}|{numw})(?:\s*(?:/|-|năm|,\s*năm)\s*(?P<y>\d{{4}}))?{_E}",
            flags,
        ),
        "quarter": re.compile(rf"{_B}quý\s+(?P<q>iv|i{{1,3}}|[1-4])(?:\s*(?:/|-|năm)\s*(?P<y>\d{{4}}))?{_E}", flags),
        # "9 tháng năm 2018", "6 tháng đầu năm", "9 tháng qua", "nửa đầu năm 2020"
        "months_of_year": re.compile(
            rf"{_B}(?:(?P<n>{n})\s+tháng|(?P<half>nửa))\s+(?:(?P<which>đầu|cuối)\s+năm|(?P<of>năm)(?=\s+\d{{4}})|(?P<past>(?:vừa\s+)?qua))"
            rf"(?:\s+(?P<y>\d{{4}}))?{_E}",
            flags,
        ),
        "part_year": re.compile(rf"{_B}(?P<part>{year_parts})(?:\s+(?P<y>\d{{4}}))?{_E}", flags),
        "year_range": re.compile(
            rf"{_B}(?:(?P<ctx>giai\s+đoạn|nhiệm\s+kỳ|niên\s+khóa|năm\s+học|thời\s+kỳ|từ\s+năm|từ)\s+)(?P<a>\d{{4}})\s*(?:-|–|đến|tới)\s*(?:năm\s+)?(?P<b>\d{{4}}){_E}",
            flags,
        ),
        "year": re.compile(rf"{_B}năm\s+(?P<y>\d{{4}}){_E}", flags),
        "relative": re.compile(rf"{_B}(?:{_alternation(_relative())}){_E}", flags),
        "recurrence": re.compile(rf"{_B}(?:{_alternation(_recurrence())}){_E}", flags),
        # "5 năm sau", "1 tuần sau": a count of units before "năm sau" makes it a duration, not next year
        "counted_before": re.compile(rf"(?:\d|(?<![\w])(?:{numw}|vài|mấy|nhiều))\s+$"),
        "next_word": re.compile(r"\s*(%|[^\W\d_]+)"),
        "year_after": re.compile(r"\s+\d{4}(?!\d)"),
        "of_year": re.compile(r"\s+năm\s+(?P<y>\d{4})(?![\w/]|[.,:\-]\d)"),
        # "từ <period> đến nay", "<period> đến nay"
        "until_now": re.compile(r"\s+(?:đến|tới|cho\s+đến|cho\s+tới)\s+(?:nay|hiện\s+nay|hiện\s+tại|bây\s+giờ)(?![\w])", flags),
        "from": re.compile(r"(?:(?<![\w])(?:từ|kể\s+từ)\s+)$", flags),
        "time_of_day": re.compile(
            rf"{_B}(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?|\d{{1,2}}h\d{{0,2}}(?:p|')?|\d{{1,2}}\s+giờ(?:\s+\d{{1,2}}\s+phút)?(?=\s+(?:sáng|trưa|chiều|tối|đêm|ngày|hôm)))(?![\w/])"
            rf"|(?<![\w])gmt\s*[+\-]\s*\d{{1,2}}(?::?\d{{2}})?",
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


def _day_period(start: int, end: int, y: int | None, m: int, d: int) -> Period | None:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    day = _safe_date(y, m, d) if y else None
    if y and day is None:
        return None
    return Period(start, end, day, day, "day", priority=2)


def _candidates(text: str, lo: int, hi: int, ctx: Context) -> list[Period]:
    """Every period reading found in text[lo:hi] (overlaps resolved by the caller); `text` is lower_view'd."""
    pats = _patterns()
    out: list[Period] = []
    pub = ctx.published
    # Cheap literal gates: most sentences lack the words a pattern needs, so skip its scan.
    low = text[lo:hi]
    digits = _HAS_DIGIT.search(low) is not None
    months = "tháng" in low
    years = "năm" in low
    anything = (digits or months or years or "quý" in low or "nửa" in low)
    if not anything:
        return _words_only(text, lo, hi, pub, low)
    # what each pattern cannot match without: "/" for "24/7", "-" for "30-10", four digits for a year
    slash = digits and "/" in low
    dashed = slash or (digits and ("-" in low or "–" in low))
    four = digits and _FOUR_DIGITS.search(low) is not None
    for m in pats["day_range"].finditer(text, lo, hi) if slash else ():
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
    for m in pats["full_date"].finditer(text, lo, hi) if four else ():
        p = _day_period(m.start(), m.end(), int(m.group(4)), int(m.group(3)), int(m.group(1)))
        if p:
            out.append(p)
    for m in pats["spelt_date"].finditer(text, lo, hi) if digits and months and "ngày" in low else ():
        mo, d = int(m.group(2)), int(m.group(1))
        y = int(m.group(3)) if m.group(3) else _year_for_day(ctx, mo, d)
        p = _day_period(m.start(), m.end(), y, mo, d)
        if p:
            out.append(p)
    for m in pats["day_month"].finditer(text, lo, hi) if dashed else ():
        mo, d = int(m.group("m")), int(m.group("d"))
        if text[m.end("d")] == "-" and m.group("ctx") != "ngày" and _before_unit(text, m.end(), hi):
            continue  # "từ 3-5 năm", "từ 3-5%": a range of amounts
        start = m.start("ctx") if m.group("ctx") and m.group("ctx").lower() == "ngày" else m.start("d")
        written_year = pats["of_year"].match(text, m.end(), hi)  # "ngày 30-4 năm 1975"
        if written_year:
            p = _day_period(start, written_year.end(), int(written_year.group("y")), mo, d)
            if p:
                out.append(replace(p, priority=2))
            continue
        p = _day_period(start, m.end(), _year_for_day(ctx, mo, d), mo, d)
        if p:
            out.append(replace(p, priority=1))
    parts = _parts()
    for m in pats["month"].finditer(text, lo, hi) if months else ():
        mo = _number(m.group("m"))
        if not 1 <= mo <= 12:
            continue
        y = int(m.group("y")) if m.group("y") else (_year_for_day(ctx, mo, 15) if pub else None)
        a = date(y, mo, 1) if y else None
        b = _month_end(y, mo) if y else None
        gran = "month"
        if m.group("part") and y:
            _, first, last = parts[re.sub(r"\s+", " ", m.group("part").lower())]
            a = date(y, mo, first)
            b = _month_end(y, mo) if last == 0 else date(y, mo, last)
            gran = "range"
        out.append(Period(m.start(), m.end(), a, b, gran, priority=1))
    for m in pats["quarter"].finditer(text, lo, hi) if "quý" in low else ():
        q = _ROMAN.get(m.group("q").upper()) or int(m.group("q"))
        y = int(m.group("y")) if m.group("y") else (pub.year if pub else None)
        a = date(y, 3 * q - 2, 1) if y else None
        b = _month_end(y, 3 * q) if y else None
        out.append(Period(m.start(), m.end(), a, b, "quarter", priority=1))
    for m in pats["months_of_year"].finditer(text, lo, hi) if months or "nửa" in low else ():
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
    for m in pats["part_year"].finditer(text, lo, hi) if "đầu" in low or "giữa" in low or "cuối" in low else ():
        y = int(m.group("y")) if m.group("y") else (pub.year if pub else None)
        _, first, last = parts[re.sub(r"\s+", " ", m.group("part").lower())]
        a = date(y, first, 1) if y else None
        b = _month_end(y, last) if y else None
        out.append(Period(m.start(), m.end(), a, b, "range", priority=1))
    for m in pats["year_range"].finditer(text, lo, hi) if four else ():
        a, b = int(m.group("a")), int(m.group("b"))
        if a > b or not 1000 <= a <= 2200:
            continue
        start = m.start() if m.group("ctx").lower().startswith("từ") else m.start("a")
        out.append(Period(start, m.end(), date(a, 1, 1), date(b, 12, 31), "range", priority=2))
    for m in pats["year"].finditer(text, lo, hi) if four and years else ():
        y = int(m.group("y"))
        out.append(Period(m.start(), m.end(), date(y, 1, 1), date(y, 12, 31), "year"))
    out.extend(_words_only(text, lo, hi, pub, low))
    return out


_HAS_DIGIT = re.compile(r"\d")
_FOUR_DIGITS = re.compile(r"\d{4}")
_CLOCK_HINT = re.compile(r"\d[:hH]|giờ|Giờ|GIỜ|GMT|gmt")


def _words_only(text: str, lo: int, hi: int, pub: date | None, low: str) -> list[Period]:
    """Periods written without digits: relative ("năm nay", "hôm qua") and recurring ("hằng năm")."""
    pats = _patterns()
    out: list[Period] = []
    relative = _relative()
    has_relative = any(word in low for word in _relative_last_words())
    for m in pats["relative"].finditer(text, lo, hi) if has_relative else ():
        if pats["counted_before"].search(text, max(lo, m.start() - 12), m.start()):
            continue  # "3-5 năm sau", "chưa đầy 1 tuần sau": a duration, not next year/week
        unit, offset = relative[re.sub(r"\s+", " ", m.group(0).lower())]
        a, b = _relative_dates(pub, unit, offset)
        gran = {"day": "day", "week": "range", "month": "month", "quarter": "quarter", "year": "year"}[unit]
        out.append(Period(m.start(), m.end(), a, b, gran))
    recurrence = _recurrence()
    if not ("hằng" in low or "hàng" in low or "mỗi" in low):
        return out
    for m in pats["recurrence"].finditer(text, lo, hi):
        rec = recurrence[re.sub(r"\s+", " ", m.group(0).lower())]
        gran = {"yearly": "year", "quarterly": "quarter", "monthly": "month", "weekly": "range", "daily": "day"}[rec]
        out.append(Period(m.start(), m.end(), None, None, gran, recurrence=rec))
    return out


@cache
def _relative_last_words() -> tuple[str, ...]:
    """Last word of every relative phrase ("nay", "qua", "tới"): a sentence without any has none."""
    return tuple(sorted({phrase.lower().split()[-1] for phrase in _relative()}))


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
            before = pats["from"].search(text, max(lo, p.start - 8), p.start)
            start = before.start() if before else p.start
            now = pats["until_now"].match(text, p.end, hi)
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


def published_date(published_at: datetime | None) -> date | None:
    """The publication day in Vietnam time (naive datetimes are taken as already local)."""
    if published_at is None:
        return None
    if published_at.tzinfo is not None:
        published_at = published_at.astimezone(VIETNAM_TZ)
    return published_at.date()


def find_periods_in(text: str, lo: int, hi: int, published: date | None, low: str | None = None) -> list[Period]:
    """Periods in text[lo:hi], resolved against the publication day.

    `low` is lower_view(text) when the caller already has it (one per document, not per sentence).
    """
    low = lower_view(text) if low is None else low
    ctx = Context(published)
    return _extend_ranges(low, lo, hi, _select(_candidates(low, lo, hi, ctx)), ctx)


def time_of_day_spans(text: str, lo: int, hi: int, low: str | None = None) -> list[tuple[int, int]]:
    """Clock times and time zones ("17:00", "10h30", "GMT+7"): not periods, never quantities."""
    if _CLOCK_HINT.search(text, lo, hi) is None:
        return []  # every clock time has ":" or "<digit>h" or "giờ", every time zone "GMT"
    low = lower_view(text) if low is None else low
    return [(m.start(), m.end()) for m in _patterns()["time_of_day"].finditer(low, lo, hi)]


def sentence_periods(doc: Doc) -> list[tuple[int, Period]]:
    """(sentence_index, period) for every period in the document."""
    pub = published_date(doc.published_at)
    low = lower_view(doc.text)
    return [(s.index, p) for s in doc.sentences for p in find_periods_in(doc.text, s.start, s.end, pub, low)]


def period_rows(doc: Doc, found: list[tuple[int, Period]], extractor: str, version: str) -> list[dict]:
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
            "extractor": extractor,
            "extractor_version": version,
        }
        for si, p in found
    ]
