"""Counting dygn for kontaktfamilj stays.

SKR counts a weekend from Friday 17:00 to Sunday 17:00 as 2.5 dygn, though it is 48 hours. The rule that gives
that figure, and one dygn for one night: each calendar day has two halves, before and after noon (Swedish wall
clock time), and every half the child spends any part of in the family counts as half a dygn, once, however many
logged stays touch it.

    Fri 17:00 - Sun 17:00   Fri pm, Sat am+pm, Sun am+pm  = 2.5 dygn
    Mon 17:00 - Tue 10:00   Mon pm, Tue am                = 1 dygn
    Fri 17:00 - Mon 08:00   Fri pm, Sat, Sun, Mon am      = 3 dygn

SKR 22:42 also says "Om vistelsen är fredag till söndag räknas det som 2 ½ dygn": with the rate table's
kontaktfamilj.friday_to_sunday_flat (1, the default), a stay from a Friday to the Sunday after counts Friday ½,
Saturday 1 and Sunday 1 whatever the hours (Fri 17:00 - Sun 10:00 is 2.5, not 2; Fri 11:00 - Sun 17:00 is 2.5, not
3). With 0 the halves touched are counted.

Stays that follow each other with a gap shorter than the rate table's kontaktfamilj.stay_gap_hours (12) are one
continuous stay (a summer stay logged week by week, a handover at 10:00 on the day the next week begins). Each
half knows its day of the continuous stay (arrival day = 1), because the doubled arvode on weekends and holidays is
paid only within a stay's first 14 days; the stays of the month before are passed in too, so the count goes on
across a month's end.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable

from services.common.sweden import SWEDEN

NOON = time(12)
FRIDAY, SUNDAY = 4, 6


@dataclass(frozen=True)
class Stay:
    """A stay in the family, resting on one logged meeting. Times are aware datetimes."""

    meeting_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class StayRules:
    """The municipality's choices (rate table): when stays are one, and how a Friday-to-Sunday weekend counts."""

    gap: timedelta = timedelta(hours=12)  # stays closer than this are one continuous stay
    friday_to_sunday_flat: bool = True  # SKR's flat 2½ dygn; False: the halves touched


@dataclass(frozen=True)
class HalfDay:
    date: date
    afternoon: bool
    stay_day: int  # calendar day of the continuous stay, the arrival day being 1
    meeting_id: str  # the stay (meeting) it rests on: the first that touches it


def continuous(stays: Iterable[Stay], rules: StayRules = StayRules()) -> list[list[Stay]]:
    """Stays grouped into continuous ones: a stay that starts less than `rules.gap` after the previous one ends
    continues it. Callers refuse overlaps first."""
    groups: list[list[Stay]] = []
    ends: list[datetime] = []
    for stay in sorted(stays, key=lambda s: s.start):
        if groups and stay.start - ends[-1] < rules.gap:
            groups[-1].append(stay)
            ends[-1] = max(ends[-1], stay.end)
        else:
            groups.append([stay])
            ends.append(stay.end)
    return groups


def half_days(stays: Iterable[Stay], rules: StayRules = StayRules()) -> list[HalfDay]:
    """Every half day counted once, over all the stays, in time order."""
    counted: list[HalfDay] = []
    for group in continuous(stays, rules):
        touched: dict[tuple[date, bool], str] = {}
        for stay in group:
            for half in _halves_touched(stay.start, stay.end):
                touched.setdefault(half, stay.meeting_id)
        if rules.friday_to_sunday_flat:
            touched = _friday_to_sunday(touched)
        first_day = min(day for day, _ in touched)
        counted += [HalfDay(day, afternoon, (day - first_day).days + 1, meeting_id)
                    for (day, afternoon), meeting_id in sorted(touched.items())]
    return counted


def _friday_to_sunday(touched: dict[tuple[date, bool], str]) -> dict[tuple[date, bool], str]:
    """A stay from a Friday to the Sunday after is Friday's afternoon and all of Saturday and Sunday (2½ dygn)."""
    days = sorted({day for day, _ in touched})
    friday = days[0]
    if friday.weekday() != FRIDAY or days[-1] != friday + timedelta(days=2):
        return touched
    by_day = {day: meeting_id for (day, _), meeting_id in sorted(touched.items(), reverse=True)}
    return {(day, afternoon): by_day.get(day, by_day[friday])
            for day in days for afternoon in (False, True) if day != friday or afternoon}


def _halves_touched(start: datetime, end: datetime) -> list[tuple[date, bool]]:
    """The (date, afternoon) halves that [start, end) overlaps, in Swedish wall-clock time."""
    local_start, local_end = start.astimezone(SWEDEN), end.astimezone(SWEDEN)
    halves = []
    day = local_start.date()
    while day <= local_end.date():
        midnight = datetime.combine(day, time(0), SWEDEN)
        noon = datetime.combine(day, NOON, SWEDEN)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), SWEDEN)
        for afternoon, (lo, hi) in ((False, (midnight, noon)), (True, (noon, next_midnight))):
            if start < hi and end > lo:
                halves.append((day, afternoon))
        day += timedelta(days=1)
    return halves


def overlapping(stays: Iterable[Stay]) -> list[tuple[str, str]]:
    """Pairs of meeting ids whose stays overlap in time (the same night must not be paid twice)."""
    ordered = sorted(stays, key=lambda s: s.start)
    return [(a.meeting_id, b.meeting_id) for a, b in zip(ordered, ordered[1:]) if b.start < a.end]
