"""Periods of a sentence ("9 tháng năm 2018", "quý III/2018", "từ đầu năm đến nay") resolved to dates, and its clock times."""

from __future__ import annotations

import re
from datetime import date

from tasks.extract.period_dates import Period
from tasks.extract.period_patterns import period_patterns, time_lexicon
from tasks.extract.period_rules import period_candidates
from tasks.extract.textscan import Starts, first_digit as first_digit_in, lower_view

_CLOCK_DIGIT = re.compile(r"\d[:hH]")


def find_periods_in(text: str, lo: int, hi: int, published: date | None, low: str | None = None,
                    first_digit: int | None = None, starts: Starts | None = None) -> list[Period]:
    """Periods in text[lo:hi], resolved against the publication day.

    `low` is lower_view(text) when the caller already has it (one per document, not per sentence),
    `first_digit` where the first digit of text[lo:hi] is (-1: there is none), when the caller has looked;
    `starts` what WordStarts.within(lo, hi) gives for a vocabulary holding TimeLexicon.scan_words.
    """
    if first_digit is not None and first_digit < 0 and starts is not None and starts.present.isdisjoint(
            time_lexicon().scan_words):
        return []  # without digits, every period needs one of these words
    low = lower_view(text) if low is None else low
    found = period_candidates(low, lo, hi, published, first_digit, starts)
    return _extend_ranges(low, lo, hi, _select(found), published) if found else []


def _select(cands: list[Period]) -> list[Period]:
    """Non-overlapping periods, preferring the longer, then the higher priority, then the earlier."""
    if len(cands) == 1:
        return cands
    chosen: list[Period] = []
    for p in sorted(cands, key=lambda p: (-(p.end - p.start), -p.priority, p.start)):
        if all(p.end <= c.start or p.start >= c.end for c in chosen):
            chosen.append(p)
    return sorted(chosen, key=lambda p: p.start)


def _extend_ranges(text: str, lo: int, hi: int, periods: list[Period], published: date | None) -> list[Period]:
    """Join "từ <period> đến nay" and "từ <period> đến <period>" into one range."""
    pats = period_patterns()
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
                out.append(Period(start, now.end(), p.start_date, published if p.start_date else None, "range", priority=4))
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


def time_of_day_spans(text: str, lo: int, hi: int, low: str | None = None,
                      first_digit: int | None = None) -> list[tuple[int, int]]:
    """Clock times and time zones ("17:00", "10h30", "GMT+7"): not periods, never quantities.

    `first_digit` as for find_periods_in.
    """
    if first_digit is None:
        first_digit = first_digit_in(text, lo, hi)
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
    return [(m.start(), m.end()) for m in period_patterns()["time_of_day"].finditer(low, lo, hi)]
