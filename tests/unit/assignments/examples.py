"""Ready-made commands and events for the assignments tests: a child's need in Stockholm (0180), one volunteer.

Events are produced by the deciders themselves from valid commands, so a test's `given` is history that
could really have happened.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from services.assignments.domain.assignment import (
    ASSIGNMENT, AcceptOffer, Expense, LogMeeting, OfferAssignment, ReviseAssignmentPlan, StartAssignment)
from services.assignments.domain.need import NEED, ClientInput, RegisterClientNeed
from services.assignments.domain.plan import ARVODE_BASIS, Arvode, Omkostnad, Plan
from services.assignments.domain.volunteer import PoolEntry
from services.common.sweden import SWEDEN

TODAY = date(2025, 6, 2)
AT = datetime.combine(TODAY, time(10, 0), SWEDEN)
STOCKHOLM, SOLNA = "0180", "0184"
CHILD = "201212031239"  # born 2012-12-03: 12 years old on TODAY
SIBLING = "201405152347"  # born 2014-05-15: 11
ADULT = "198507074568"
NEED_ID = "need-11111111-1111-1111-1111-111111111111"
VOLUNTEER = "applicant-aaaa"
OTHER_VOLUNTEER = "applicant-bbbb"
CASE_WORKER = "handlaggare-1"
START = date(2025, 5, 5)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), SWEDEN)


def register(**changes) -> RegisterClientNeed:
    command = RegisterClientNeed(
        municipality=STOCKHOLM, by=CASE_WORKER, at=AT, insats="kontaktperson", legal_basis="SoL",
        decision_date=date(2025, 4, 1), period_from=date(2025, 4, 1), period_to=date(2026, 3, 31),
        clients=(ClientInput(CHILD, "Alva Exempel"),), needs="Bryta isolering", goals=("Fler fritidsaktiviteter",),
        frequency_per_month=4, case_worker_id=CASE_WORKER, interests=("Fotboll", "musik"),
        languages=("arabiska",), postnummer="112 34", protected_identity=False)
    return replace(command, **changes)


def registered(**changes):
    return NEED.decide(None, register(**changes))[0]


def need_state(**changes):
    return NEED.fold([registered(**changes)])


def entry(**changes) -> PoolEntry:
    fields = dict(volunteer_id=VOLUNTEER, municipality=STOCKHOLM, roles={"kontaktperson", "kontaktfamilj"},
                  checks_clear_until=date(2026, 1, 1), regional_consent=False, max_assignments=2,
                  active_assignments=0)
    fields.update(changes)
    return PoolEntry(**fields)


def offer(need=None, volunteer=None, **changes) -> OfferAssignment:
    command = OfferAssignment(municipality=STOCKHOLM, by=CASE_WORKER, at=at(date(2025, 4, 20)), need_id=NEED_ID,
                              need=need or need_state(), volunteer=volunteer or entry())
    return replace(command, **changes)


def offered(**kwargs):
    return ASSIGNMENT.decide(None, offer(**kwargs))[0]


def plan(insats: str = "kontaktperson", receipts_allowed: bool = False, **changes) -> Plan:
    arvode = {"category": Arvode("category", 2, 30), "per_dygn": Arvode("per_dygn", 1),
              "fixed": Arvode("fixed", monthly_ore=450_000)}[ARVODE_BASIS[insats]]
    return replace(Plan(("Fler fritidsaktiviteter",), 4, arvode, Omkostnad(1, receipts_allowed)), **changes)


def accepted():
    return ASSIGNMENT.decide(ASSIGNMENT.fold([offered()]), AcceptOffer(STOCKHOLM, VOLUNTEER, at(date(2025, 4, 22))))[0]


def history(insats: str = "kontaktperson", receipts_allowed: bool = False, start: date = START) -> list:
    """Offered, accepted and started on `start` for a need of this insats."""
    need = need_state(insats=insats, languages=()) if insats != "kontaktfamilj" else need_state(insats="kontaktfamilj")
    events = [offered(need=need, volunteer=entry(roles={insats}))]
    state = ASSIGNMENT.fold(events)
    events += ASSIGNMENT.decide(state, AcceptOffer(STOCKHOLM, VOLUNTEER, at(date(2025, 4, 22))))
    state = ASSIGNMENT.fold(events)
    events += ASSIGNMENT.decide(state, StartAssignment(STOCKHOLM, CASE_WORKER, at(start), start,
                                                       plan(insats, receipts_allowed)))
    return events


def revise(**changes) -> ReviseAssignmentPlan:
    """The case worker revises the running kontaktperson plan of history() from June: a higher arvode."""
    command = ReviseAssignmentPlan(municipality=STOCKHOLM, by=CASE_WORKER, at=AT, effective_from=date(2025, 6, 1),
                                   plan=plan(arvode=Arvode("category", 2, 40)), reason="Fler träffar behövs")
    return replace(command, **changes)


def meeting(**changes) -> LogMeeting:
    command = LogMeeting(municipality=STOCKHOLM, by=VOLUNTEER, at=AT, meeting_id="meeting-1", status="held",
                         on=date(2025, 5, 20), minutes=120, activity="Bio", expenses=(Expense(12_000, "Biobiljetter"),),
                         note="Gick bra")
    return replace(command, **changes)
