"""Dates as the rules count them: Swedish local dates and calendar months."""
from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")


def local_date(at: datetime) -> date:
    """The date in Sweden at an instant: 'today' for a command made at `at`.

    A naive datetime is refused because its date would depend on the server's zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return at.astimezone(SWEDEN).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (30 Nov + 3 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth_date: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
