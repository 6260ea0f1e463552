"""Publication dates: Vietnamese datelines ("Thứ Năm, 11/10/2018, 17:00 [GMT+7]") and date fields of data records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import cache
from zoneinfo import ZoneInfo

from tasks.common import VIETNAM_TZ, phrase_alternation
from tasks.lexicon import table, word_list

_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_TIME = re.compile(r"(?<![\d/])(\d{1,2})\s*[:hg]\s*(\d{2})(?!\d)")
_ZONE = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_DATELINE_FILLER = re.compile(r"[\s,|/()\[\]\-–—:]+")

# ---------------------------------------------------------------- datelines and dates


@dataclass(frozen=True)
class Dateline:
    published_at: datetime | None
    flags: tuple[str, ...] = ()


@cache
def _weekdays() -> tuple[re.Pattern[str], dict[str, int]]:
    """A regex of the weekday names (casefolded, spaces collapsed, longest first) and each name's ISO weekday."""
    numbers = {" ".join(name.split()).casefold(): int(num) for name, num in table("readers/weekdays.tsv")}
    return re.compile(phrase_alternation(numbers, r"\w") + r"(?!\w)"), numbers


@cache
def _weekday_display() -> dict[int, str]:
    shown: dict[int, str] = {}
    for name, num in table("readers/weekdays.tsv"):
        shown.setdefault(int(num), name)
    return shown


@cache
def _dateline_words() -> re.Pattern[str]:
    """The words a dateline may hold besides its date (casefolded), longest first."""
    words = {w.casefold() for w in word_list("readers/dateline_words.txt")}
    return re.compile(phrase_alternation(words, r"\w") + r"(?!\w)")


def _find_weekday(line: str) -> tuple[int | None, str, str]:
    """(ISO weekday, the name as written, the line without it) when the line names a weekday."""
    flat = " ".join(line.split())
    folded = flat.casefold()  # casefold keeps the length of Vietnamese text, so offsets carry over
    pattern, numbers = _weekdays()
    m = pattern.search(folded)
    if m and len(folded) == len(flat):
        return numbers[m.group()], flat[m.start() : m.end()], flat[: m.start()] + " " + flat[m.end() :]
    return None, "", line


def parse_dateline(line: str) -> Dateline | None:
    """Parse a Vietnamese dateline such as "Thứ Năm, 11/10/2018, 17:00 [GMT+7]"; None if the line is not one.

    The line must consist only of an optional weekday, a d/m/yyyy date, an optional time, an optional
    GMT/UTC offset and filler words, so ordinary sentences that contain a date are never taken.
    """
    weekday, weekday_written, rest = _find_weekday(line.strip())
    date_match = _DATE.search(rest)
    if not date_match:
        return None
    remainder = rest[: date_match.start()] + " " + rest[date_match.end() :]
    zone_match = _ZONE.search(remainder)
    if zone_match:
        remainder = remainder[: zone_match.start()] + " " + remainder[zone_match.end() :]
    time_match = _TIME.search(remainder)
    if time_match:
        remainder = remainder[: time_match.start()] + " " + remainder[time_match.end() :]
    leftover = _dateline_words().sub(" ", _DATELINE_FILLER.sub(" ", remainder).casefold())
    if leftover.strip():
        return None

    day, month, year = (int(g) for g in date_match.groups())
    flags: list[str] = []
    try:
        day_date = date(year, month, day)
    except ValueError:
        return Dateline(None, (f"bad_published_at: {date_match.group(0)} is not a calendar date",))
    hour = minute = 0
    if time_match:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        if hour > 23 or minute > 59:
            flags.append(f"bad_published_time: {time_match.group(0)} is not a time of day")
            hour = minute = 0
    if zone_match:
        sign = 1 if zone_match.group(1) == "+" else -1
        offset = timedelta(hours=int(zone_match.group(2)), minutes=int(zone_match.group(3) or 0))
        tz: timezone | ZoneInfo = timezone(sign * offset)
    else:
        tz = VIETNAM_TZ
        flags.append("published_tz_assumed: dateline gives no time zone, Vietnam time assumed")
    if not time_match:
        flags.append("published_date_only")
    if weekday is not None and weekday != day_date.isoweekday():
        actual = _weekday_display().get(day_date.isoweekday(), str(day_date.isoweekday()))
        flags.append(f"weekday_mismatch: dateline says {weekday_written} but {day_date:%d/%m/%Y} is {actual}")
    published = datetime(year, month, day, hour, minute, tzinfo=tz)
    return Dateline(published, tuple(flags))



def parse_date_value(value: object) -> tuple[datetime | None, list[str]]:
    """A publication time from a data field: ISO 8601, RFC 2822, epoch seconds, YYYYMMDD or a Vietnamese dateline.

    Returns the (timezone-aware) time and quality flags; naive times are taken as Vietnam time.
    """
    if value is None or value == "":
        return None, ["no_published_at: no date field"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # JavaScript exports use milliseconds
        return datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone(VIETNAM_TZ), []
    text = str(value).strip()
    if re.fullmatch(r"\d{9,13}", text):
        return parse_date_value(int(text))
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        dateline = parse_dateline(text)
        if dateline and dateline.published_at:
            return dateline.published_at, list(dateline.flags)
        reason = dateline.flags[0] if dateline and dateline.flags else f"unreadable date {text[:40]!r}"
        return None, [f"no_published_at: {reason}"]
    if parsed.tzinfo is not None:
        return parsed, []
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return parsed.replace(tzinfo=VIETNAM_TZ), ["published_date_only"]
    return parsed.replace(tzinfo=VIETNAM_TZ), ["published_tz_assumed: no time zone in the date, Vietnam time assumed"]
