"""The calculate phase's work on one item (an approved assignment-month): CalculateCompensation on the month's
compensation stream, with what the job read once for all its items (jobs.py holds the job together).

The day of payment the law's rules are looked up on is the day the run is prepared, within the run's month (the
payment follows the approval within days; the arbetsgivardeklaration reports by month)."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from marshmallow import ValidationError

from services.common.decider import CommandRefused, Problem
from services.common.envelope import Metadata
from services.common.store import ConcurrencyError
from services.common.validation import field_problems

from ..domain.calculation import month_end, month_start
from ..domain.compensation import COMPENSATION, CalculateCompensation
from ..domain.compensation import stream_id as compensation_stream
from ..domain.decisions import in_force
from ..domain.rate_table import RateTable
from ..read import assignments, compensations, decisions, tax_details
from .phases import item_problem
from .plan import terms_of


class CalculationContext:
    """What a calculation job reads once for all its items: the assignments and their individual decisions, the
    volunteers' tax profiles, their year-to-date, and whether their assignments go on. The job holds every one of
    its volunteers' advisory locks, so nobody else changes a year-to-date meanwhile: it is carried forward in
    memory from each compensation the job calculates."""

    def __init__(self, conn, municipality: str, period: str, items: list[dict], prepared_on: date):
        volunteers = sorted({item["volunteer_id"] for item in items})
        assignment_ids = [item["assignment_id"] for item in items]
        self.paid_on = min(max(prepared_on, month_start(period)), month_end(period))
        self.assignments = assignments.assignments(conn, assignment_ids)
        self.decisions = decisions.decided(conn, assignment_ids)
        self.profiles = tax_details.tax_profiles(conn, municipality, volunteers)
        self.ytd = compensations.years_to_date(conn, municipality, volunteers, period)
        self.going_on = assignments.volunteers_going_on(conn, municipality, volunteers, month_start(period))

    def carry_forward(self, volunteer_id: str, data: dict) -> None:
        self.ytd[volunteer_id] = self.ytd[volunteer_id].after(data)


_terms_cache: dict[tuple, Any] = {}


def _terms(assignment: dict, rates: RateTable, rates_key: tuple, month: str, decided: dict):
    """terms_of, remembered for plans alike (most assignments share a handful of plans)."""
    key = (assignment["kind"], json.dumps(assignment["plan"], sort_keys=True),
           str(assignment["client_birth_dates"] or assignment["client_birth_date"]), month, rates_key,
           tuple(sorted((kind, d.decision_id) for kind, d in decided.items())))
    if key not in _terms_cache:
        if len(_terms_cache) > 10_000:
            _terms_cache.clear()
        _terms_cache[key] = terms_of(assignment, rates, month, decided)
    return _terms_cache[key]


def calculate(kernel, conn, job: dict, item: dict, rates: tuple[tuple, RateTable],
              context: CalculationContext) -> dict | None:
    """Calculate one month in the job's transaction; None when done, else why not (phases.item_problem)."""
    rates_key, rates = rates
    municipality, period = job["municipality"], job["period"]
    assignment = context.assignments.get(item["assignment_id"])
    if assignment is None:
        return item_problem(item, [Problem("the assignment's start has not reached payments", "assignment_id",
                                           "assignment_unknown")])
    decided = in_force(context.decisions.get(item["assignment_id"], ()), item["month"])
    try:
        terms = _terms(assignment, rates, rates_key, item["month"], decided)
    except ValidationError as error:
        return item_problem(item, [Problem(f"the plan's terms: {p['field']} {p['message']}", f"terms.{p['field']}",
                                           "terms_invalid") for p in field_problems(error)])
    profile = context.profiles.get(item["volunteer_id"])
    if profile is None:
        return item_problem(item, [Problem("no tax details are recorded for the volunteer", "volunteer_id",
                                           "tax_details_missing")])
    command = CalculateCompensation(municipality, item["assignment_id"], item["month"], period, terms, profile,
                                    context.ytd[item["volunteer_id"]], rates, paid_on=context.paid_on,
                                    further_pay_expected=item["volunteer_id"] in context.going_on)
    metadata = Metadata(municipality=municipality, actor=job["requested_by"])
    for attempt in range(3):
        try:
            events = kernel.execute(COMPENSATION, compensation_stream(item["assignment_id"], item["month"]),
                                    command, metadata, conn=conn)
        except CommandRefused as refused:
            return item_problem(item, refused.problems)
        except ConcurrencyError:  # a report approved again meanwhile: decide on the newer state
            if attempt == 2:
                return item_problem(item, [Problem("the month kept changing while it was calculated", "month",
                                                   "conflict")])
            continue
        for event in events:
            context.carry_forward(item["volunteer_id"], event.data)
        return None
    return None
