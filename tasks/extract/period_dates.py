"""The `Period` a date mention resolves to, and the calendar arithmetic that resolves it against the publication day."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import NamedTuple

from tasks.common import VIETNAM_TZ


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


def published_date(published_at: datetime | None) -> date | None:
    """The publication day in Vietnam time (naive datetimes are taken as already local)."""
    if published_at is None:
        return None
    if published_at.tzinfo is not None:
        published_at = published_at.astimezone(VIETNAM_TZ)
    return published_at.date()


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def safe_date(y: int, m: int, d: int) -> date | None:
    """date(y, m, d), or None when there is no such day ("30/2")."""
    try:
        return date(y, m, d)
    except ValueError:
        return None


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def year_for_day(published: date | None, month: int, day: int) -> int | None:
    """Year of a day written without one: the publication year, shifted when ~half a year off."""
    if published is None:
        return None
    y = published.year
    guess = safe_date(y, month, day)
    if guess is None:
        return y
    if (guess - published).days > 200:
        return y - 1
    if (published - guess).days > 200:
        return y + 1
    return y


def day_period(start: int, end: int, y: int | None, m: int, d: int, priority: int = 2) -> Period | None:
    """The period of one day at text[start:end], its date None without a year; None when no such day."""
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    day = safe_date(y, m, d) if y else None
    if y and day is None:
        return None
    return Period(start, end, day, day, "day", priority=priority)


def relative_dates(published: date | None, unit: str, offset: int) -> tuple[date | None, date | None]:
    """First and last day of the `unit` (day, week, month, quarter, year) `offset` units from publication."""
    if published is None:
        return None, None
    if unit == "day":
        d = published + timedelta(days=offset)
        return d, d
    if unit == "week":
        monday = published - timedelta(days=published.weekday()) + timedelta(weeks=offset)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        first = add_months(published.replace(day=1), offset)
        return first, month_end(first.year, first.month)
    if unit == "quarter":
        q0 = (published.month - 1) // 3 + offset
        y, q = published.year + q0 // 4, q0 % 4
        return date(y, 3 * q + 1, 1), month_end(y, 3 * q + 3)
    y = published.year + offset
    return date(y, 1, 1), date(y, 12, 31)
