"""Counting dygn for kontaktfamilj stays.

SKR counts a weekend from Friday 17:00 to Sunday 17:00 as 2.5 dygn, though it is 48 hours. The rule that gives
that figure, and one dygn for one night: each calendar day has two halves, before and after noon (Swedish wall
clock time), and every half the child spends any part of in the family counts as half a dygn.

    Fri 17:00 - Sun 17:00   Fri pm, Sat am+pm, Sun am+pm  = 2.5 dygn
    Mon 17:00 - Tue 10:00   Mon pm, Tue am                = 1 dygn
    Fri 17:00 - Mon 08:00   Fri pm, Sat, Sun, Mon am      = 3 dygn

Each half also knows its day of the continuous stay (arrival day = 1), because the doubled arvode on weekends and
holidays is paid only within a stay's first 14 days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable

from services.common.sweden import SWEDEN

NOON = time(12)


@dataclass(frozen=True)
class Stay:
    """A stay in the family, resting on one logged meeting. Times are aware datetimes."""

    meeting_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class HalfDay:
    date: date
    afternoon: bool
    stay_day: int  # calendar day of the continuous stay, the arrival day being 1
    meeting_id: str  # the stay (meeting) it rests on


def continuous(stays: Iterable[Stay]) -> list[list[Stay]]:
    """Stays grouped into continuous ones: a stay that starts when the previous one ends continues it.

    (A summer stay logged week by week is still one stay for the 14-day rule.) Callers refuse overlaps first.
    """
    groups: list[list[Stay]] = []
    for stay in sorted(stays, key=lambda s: s.start):
        if groups and groups[-1][-1].end == stay.start:
            groups[-1].append(stay)
        else:
            groups.append([stay])
    return groups


def half_days(stays: Iterable[Stay]) -> list[HalfDay]:
    """Every half day counted, over all the stays, in time order."""
    counted: list[HalfDay] = []
    for group in continuous(stays):
        first_day = group[0].start.astimezone(SWEDEN).date()
        for stay in group:
            for day, afternoon in _halves_touched(stay.start, stay.end):
                counted.append(HalfDay(day, afternoon, (day - first_day).days + 1, stay.meeting_id))
    return counted


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
