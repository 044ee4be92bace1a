"""Working days: Monday to Friday, less the configured public holidays. Pure functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def is_working_day(day: dt.date, holidays: Collection[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, days: int, holidays: Collection[dt.date]) -> dt.date:
    """The date ``days`` working days after ``start`` (the day of receipt does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date, holidays: Collection[dt.date]) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
    before ``start``): how far a case is from, or past, its target date."""
    if end < start:
        return -working_days_between(end, start, holidays)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=offset), holidays)
    )
