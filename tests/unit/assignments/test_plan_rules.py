"""The genomförandeplan's compensation terms are refused when payments could not pay them, and a running
assignment's plan is revised (AssignmentPlanRevised) from the first day of a month."""
from datetime import date

from services.assignments.domain.assignment import ASSIGNMENT, Expense, StartAssignment
from services.assignments.domain.plan import Arvode
from services.assignments.events import EVENT_SCHEMAS, public_data
from services.common.arvode_bands import band
from services.common.testing import given

from .examples import (
    AT, CASE_WORKER, START, STOCKHOLM, VOLUNTEER, accepted, at, history, meeting, offered, plan, revise)


def start(arvode: Arvode):
    return StartAssignment(STOCKHOLM, CASE_WORKER, AT, START, plan(arvode=arvode))


def codes(refused) -> set:
    return {(p.field, p.code) for p in refused.problems}


def test_a_kontaktperson_arvode_outside_its_category_band_is_refused_when_the_plan_is_made():
    # given an accepted kontaktperson assignment; when it is started at 100 %, category 1 (SKR: 10-35 %)
    refused = given(ASSIGNMENT, offered(), accepted()).when(start(Arvode("category", 1, 100))).then_refused(
        "outside category 1's band 10-35 %")
    # then it is refused naming the field, not stored for the payment run to refuse months later
    assert codes(refused) == {("plan.arvode.percent", "arvode_outside_band")}


def test_a_kontaktperson_arvode_has_no_default_percent():
    refused = given(ASSIGNMENT, offered(), accepted()).when(start(Arvode("category", 1))).then_refused(
        "needs its percent")
    assert codes(refused) == {("plan.arvode.percent", "required")}


def test_every_percent_within_the_band_is_accepted_at_its_edges():
    for percent in (10, 35):
        given(ASSIGNMENT, offered(), accepted()).when(start(Arvode("category", 1, percent))).then("AssignmentStarted")


def test_the_bands_are_skrs_dated_bands():
    assert [(band(c, START).min_percent, band(c, START).max_percent) for c in (1, 2, 3)] == [(10, 35), (20, 45),
                                                                                          (30, 55)]
    assert band(1, date(2022, 12, 31)) is None and band(4, START) is None


def test_a_per_dygn_or_fixed_arvode_takes_only_what_payments_applies():
    family = [e for e in history("kontaktfamilj")][:2]
    refused = given(ASSIGNMENT, *family).when(StartAssignment(
        STOCKHOLM, CASE_WORKER, AT, START, plan("kontaktfamilj", arvode=Arvode("per_dygn", 1, 100)))).then_refused(
        "takes no percent")
    assert codes(refused) == {("plan.arvode.percent", "not_applicable")}
    skkp = [e for e in history("skkp")][:2]
    refused = given(ASSIGNMENT, *skkp).when(StartAssignment(
        STOCKHOLM, CASE_WORKER, AT, START, plan("skkp", arvode=Arvode("fixed", 2, 20, 450_000)))).then_refused()
    assert codes(refused) == {("plan.arvode.percent", "not_applicable"), ("plan.arvode.category", "not_applicable")}


def test_a_running_assignments_plan_is_revised_from_the_first_day_of_a_month():
    # given a running assignment started 5 May 2025 at 30 %; when the case worker revises it to 40 % from June
    [event] = given(ASSIGNMENT, *history()).when(revise()).then("AssignmentPlanRevised")
    # then the revision is the plan's second, from 1 June, the whole plan, with why
    assert event.data["revision"] == 2 and event.data["effective_from"] == "2025-06-01"
    assert event.data["plan"]["arvode"] == {"basis": "category", "category": 2, "percent": 40, "monthly_ore": None}
    assert event.data["reason"] == "Fler träffar behövs" and "reason" not in public_data(event.type, event.data)
    EVENT_SCHEMAS[event.type][1]().load(event.data)
    # and May keeps the plan it had, June on has the new one
    state = ASSIGNMENT.fold(history() + [event])
    assert state.plan_on(date(2025, 5, 31)).arvode.percent == 30
    assert state.plan_on(date(2025, 6, 1)).arvode.percent == 40


def test_a_revision_is_refused_as_a_start_is_when_payments_could_not_pay_it():
    refused = given(ASSIGNMENT, *history()).when(revise(plan=plan(arvode=Arvode("category", 2, 100)))).then_refused(
        "outside category 2's band")
    assert codes(refused) == {("plan.arvode.percent", "arvode_outside_band")}


def test_a_revision_takes_effect_from_a_month_start_not_before_the_start_month():
    refused = given(ASSIGNMENT, *history()).when(revise(effective_from=date(2025, 6, 15))).then_refused(
        "first day of a month")
    assert codes(refused) == {("effective_from", "not_month_start")}
    refused = given(ASSIGNMENT, *history()).when(revise(effective_from=date(2025, 4, 1))).then_refused(
        "before the month the assignment started")
    assert codes(refused) == {("effective_from", "before_start")}
    given(ASSIGNMENT, *history()).when(revise(effective_from=date(2025, 5, 1))).then("AssignmentPlanRevised")


def test_a_revision_needs_a_running_assignment_a_reason_and_a_change():
    given(ASSIGNMENT, offered(), accepted()).when(revise()).then_refused("cannot revise the plan: the assignment is "
                                                                          "accepted")
    given(ASSIGNMENT, *history()).when(revise(reason=" ")).then_refused("reason is required")
    refused = given(ASSIGNMENT, *history()).when(revise(plan=plan())).then_refused("already this one")
    assert codes(refused) == {("plan", "plan_unchanged")}


def test_a_meeting_is_under_the_plan_in_force_on_its_day():
    # given receipts allowed by a revision from June only
    events = history()
    events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), revise(plan=plan(receipts_allowed=True)))
    with_receipt = (Expense(5_000, "Bussbiljett", receipt=True),)
    # then a May meeting may not claim a receipt, a June one may
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 5, 20), expenses=with_receipt)).then_refused(
        "does not allow expenses against receipts")
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 6, 1), at=at(date(2025, 6, 2)), expenses=with_receipt,
                                            by=VOLUNTEER)).then("MeetingLogged")


def test_the_bands_the_plan_is_checked_against_are_the_ones_payments_pays_by():
    # given payments' shipped SKR table (the payment run's check) and the bands the plan is made against
    from services.payments.domain.rate_table import skr_defaults
    table = skr_defaults()
    for category in (1, 2, 3):
        for day in (date(2023, 1, 1), START, date(2030, 1, 1)):
            found = band(category, day)
            # then they agree on every category and day
            assert (found.min_percent, found.max_percent) == (
                table.value(f"kontaktperson.arvode.category_{category}.min", day),
                table.value(f"kontaktperson.arvode.category_{category}.max", day))
