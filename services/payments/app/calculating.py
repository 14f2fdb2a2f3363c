"""The calculate phase's work on one item (an approved assignment-month): CalculateCompensation on the month's
compensation stream, with what the job read once for all its items (jobs.py holds the job together)."""
from __future__ import annotations

import json
from typing import Any

from marshmallow import ValidationError

from services.common.decider import CommandRefused, Problem
from services.common.envelope import Metadata
from services.common.store import ConcurrencyError
from services.common.validation import field_problems

from ..domain.compensation import COMPENSATION, CalculateCompensation
from ..domain.compensation import stream_id as compensation_stream
from ..domain.rate_table import RateTable
from ..domain.tax import YearToDate
from ..read import assignments, compensations, tax_details
from .phases import item_problem
from .plan import terms_of


class CalculationContext:
    """What a calculation job reads once for all its items: the assignments, the volunteers' tax profiles and
    their year-to-date. The job holds every one of its volunteers' advisory locks, so nobody else changes a
    year-to-date meanwhile: it is carried forward in memory from each compensation the job calculates."""

    def __init__(self, conn, municipality: str, year: int, items: list[dict]):
        self.year = year
        volunteers = sorted({item["volunteer_id"] for item in items})
        self.assignments = assignments.assignments(conn, [item["assignment_id"] for item in items])
        self.profiles = tax_details.tax_profiles(conn, municipality, volunteers)
        self.ytd = compensations.years_to_date(conn, municipality, volunteers, year)

    def carry_forward(self, volunteer_id: str, data: dict) -> None:
        before = self.ytd[volunteer_id]
        taxable = sum(line["amount_ore"] for line in data["lines"] if line["taxable"])
        deferred = sum(line["employer_contributions_deferred_ore"] for line in data["lines"])
        self.ytd[volunteer_id] = YearToDate(before.year, before.taxable_ore + taxable,
                                            before.deferred_contributions_ore + deferred
                                            - data["employer_contributions_catch_up_ore"])


_terms_cache: dict[tuple, Any] = {}


def _terms(assignment: dict, rates: RateTable, rates_key: tuple, month: str):
    """terms_of, remembered for plans alike (most assignments share a handful of plans)."""
    key = (assignment["kind"], json.dumps(assignment["plan"], sort_keys=True), str(assignment["client_birth_date"]),
           month, rates_key)
    if key not in _terms_cache:
        if len(_terms_cache) > 10_000:
            _terms_cache.clear()
        _terms_cache[key] = terms_of(assignment, rates, month)
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
    try:
        terms = _terms(assignment, rates, rates_key, item["month"])
    except ValidationError as error:
        return item_problem(item, [Problem(f"the plan's terms: {p['field']} {p['message']}", f"terms.{p['field']}",
                                           "terms_invalid") for p in field_problems(error)])
    profile = context.profiles.get(item["volunteer_id"])
    if profile is None:
        return item_problem(item, [Problem("no tax details are recorded for the volunteer", "volunteer_id",
                                           "tax_details_missing")])
    command = CalculateCompensation(municipality, item["assignment_id"], item["month"], period, terms, profile,
                                    context.ytd[item["volunteer_id"]], rates)
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
