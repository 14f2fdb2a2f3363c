"""A meeting (träff) the volunteer logs on their assignment, or for kontaktfamilj a stay (vistelse): what makes one
right, and the event data it gives. See docs/domain.md, "Assignments and meetings".

assignment.py decides whether a meeting may be logged or corrected at all (by the assignment's volunteer, while it
runs or after it ended); this module decides whether the meeting itself is right:
- kontaktperson and skkp: a held meeting states its length in minutes;
- kontaktfamilj: a held stay states its start and end (aware times, in the past, at most MAX_STAY_DAYS); its date
  is the stay's first day in Sweden, and every begun 24 hours count as one dygn (what payments pays by);
- the date falls while the assignment ran: not ahead of today, not before the start or after the end, and not in
  an interruption;
- expenses are positive whole öre, and against receipts only where the plan allows them.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from services.common.decider import CommandRefused, Problem
from services.common.sweden import local_date

from .texts import optional_text, text_problems

if TYPE_CHECKING:
    from .assignment import Assignment, LogMeeting

MEETING_STATUSES = ("held", "cancelled", "no_show")  # no_show: the client did not come
LOGGABLE_STATUSES = ("started", "interrupted", "ended")  # late logging after the end is allowed
MAX_STAY_DAYS = 31


def meeting_data(state: Assignment, c: LogMeeting) -> dict:
    """Check a meeting (logged, or corrected: the whole meeting as it should have been) against the assignment,
    and give its event data; refuses with every problem found."""
    problems: list[Problem] = []
    if c.status not in MEETING_STATUSES:
        problems.append(Problem("status must be held, cancelled or no_show", "status"))
    held = c.status == "held"
    family = state.insats == "kontaktfamilj"
    on, stay, dygn = c.on, None, None
    if family and (c.stay_start or c.stay_end or held):
        stay_problems = _stay_problems(c)
        problems += stay_problems
        if not stay_problems:
            stay = (c.stay_start, c.stay_end)
            dygn = math.ceil((c.stay_end - c.stay_start).total_seconds() / 86400)  # a begun dygn counts whole
            first_day = local_date(c.stay_start)
            if on is not None and on != first_day:
                problems.append(Problem("the date must be the first day of the stay", "on"))
            on = first_day
    elif not family:
        if held and not c.minutes:
            problems.append(Problem("a held meeting needs its length in minutes", "minutes"))
        if c.minutes is not None and not 0 <= c.minutes <= 24 * 60:
            problems.append(Problem("minutes must be 0 to 1440", "minutes"))
    problems += _date_problems(state, on, local_date(c.at))
    problems += text_problems(c.activity, "activity", required=held)
    problems += text_problems(c.note, "note")
    problems += _expense_problems(state, c, on)
    if problems:
        raise CommandRefused(*problems)

    return {
        "meeting_id": c.meeting_id,
        "volunteer_id": state.volunteer_id,
        "insats": state.insats,
        "on": on.isoformat(),
        "status": c.status,
        "minutes": None if family else c.minutes,
        "stay_start": stay[0].isoformat() if stay else None,
        "stay_end": stay[1].isoformat() if stay else None,
        "dygn": dygn,
        "activity": c.activity.strip(),
        "expenses": [{"amount_ore": e.amount_ore, "description": e.description.strip(), "receipt": e.receipt}
                     for e in c.expenses],
        "note": optional_text(c.note),
    }


def _stay_problems(c: LogMeeting) -> list[Problem]:
    """The first thing wrong with a kontaktfamilj stay's times, if any."""
    if c.stay_start is None or c.stay_end is None:
        return [Problem("a kontaktfamilj stay needs its start and end", "stay_start")]
    if c.stay_start.tzinfo is None or c.stay_end.tzinfo is None:
        return [Problem("stay times need a time zone", "stay_start")]
    if c.stay_end <= c.stay_start:
        return [Problem("the stay ends before it starts", "stay_end")]
    if c.stay_end > c.at:
        return [Problem("the stay has not ended yet", "stay_end")]
    if (c.stay_end - c.stay_start).days >= MAX_STAY_DAYS:
        return [Problem(f"a stay is at most {MAX_STAY_DAYS} days", "stay_end")]
    return []


def _date_problems(state: Assignment, on, today) -> list[Problem]:
    if on is None:
        return [Problem("the meeting's date is required", "on")]
    problems = []
    if on > today:
        problems.append(Problem("the meeting date is in the future", "on"))
    if state.start_date is not None and on < state.start_date:
        problems.append(Problem("the meeting date is before the assignment started", "on"))
    if state.ended_on is not None and on > state.ended_on:
        problems.append(Problem("the meeting date is after the assignment ended", "on"))
    if any(start <= on and (end is None or on < end) for start, end in state.interruptions):
        problems.append(Problem("the assignment was interrupted on that date", "on"))
    return problems


def _expense_problems(state: Assignment, c: LogMeeting, on) -> list[Problem]:
    problems = []
    plan = state.plan_on(on)  # a meeting is under the plan in force on its day (revisions: assignment.py)
    receipts_allowed = plan is not None and plan.omkostnad.receipts_allowed
    for i, expense in enumerate(c.expenses):
        if type(expense.amount_ore) is not int or expense.amount_ore <= 0:
            problems.append(Problem("an expense is a positive whole number of öre", f"expenses.{i}.amount_ore"))
        if expense.receipt and not receipts_allowed:
            problems.append(Problem("the plan does not allow expenses against receipts", f"expenses.{i}.receipt"))
        problems += text_problems(expense.description, f"expenses.{i}.description")
    return problems
