"""Time as Swedish rules count it: the time zone, today's date in Sweden, calendar months and ages.

Instants are stored in UTC; what users see, and every date a rule counts in (a month's report, a check's last
valid day, an age on a birthday), is a date in Sweden. See docs/domain.md, "Dates and time".
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")


def local_date(at: datetime) -> date:
    """The date in Sweden at an instant. A naive datetime is refused: its date would depend on the server's zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return at.astimezone(SWEDEN).date()


def today(now: datetime | None = None) -> date:
    """Today's date in Sweden (or the date in Sweden at `now`)."""
    return local_date(now or datetime.now(timezone.utc))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (30 Nov + 3 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth_date: date, on: date) -> int:
    """Whole years of age on a date. Someone born on 29 February turns a year older on 1 March in other years."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
