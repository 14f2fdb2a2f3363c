"""The gateway over the real assignments service (in-process): what a case worker and a volunteer meet when the
genomförandeplan is made and revised and meetings are logged, and what a refusal tells them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common.sweden import today
from tests.integration.assignments.assignments_testing import (  # noqa: F401 - `stack` is a fixture
    CASE_WORKER, STOCKHOLM, approved_volunteer, days_ago, need_body, plan_body, stack, stored_events)

from gateway_testing import Client, assert_problem, token


@pytest.fixture(scope="module")
def case_worker(gateway):
    return Client(gateway, token("case_worker", municipalities=[STOCKHOLM], sub=CASE_WORKER["sub"]))


@pytest.fixture
def accepted(stack, gateway, case_worker):
    """An assignment offered to an approved volunteer, who accepted it: (its id, the volunteer's client)."""
    volunteer = approved_volunteer(stack)
    me = Client(gateway, token("volunteer", municipalities=[STOCKHOLM], sub=volunteer.key))
    need = case_worker.post(f"/api/v1/municipalities/{STOCKHOLM}/needs",
                            need_body(decision_date=days_ago(60), period_from=days_ago(60)))
    assert need.status_code == 201, need.text
    offer = case_worker.post("/api/v1/offers", {"need_id": need.json()["need_id"],
                                                "volunteer_id": volunteer.applicant_id})
    assert offer.status_code == 201, offer.text
    assignment_id = offer.json()["assignment_id"]
    assert me.post(f"/api/v1/me/offers/{assignment_id}/accept").status_code == 200
    return assignment_id, me


def fields_and_codes(problem: dict) -> set:
    return {(error["field"], error["code"]) for error in problem["errors"]}


def test_a_plan_the_payment_run_would_refuse_is_refused_when_the_assignment_starts(stack, case_worker, accepted):
    assignment_id, _ = accepted
    # when the case worker starts it at category 1 without a percent, or at 100 % (SKR's band is 10-35 %)
    for arvode, code in (({"basis": "category", "category": 1}, "required"),
                         ({"basis": "category", "category": 1, "percent": 100}, "arvode_outside_band")):
        answer = case_worker.post(f"/api/v1/assignments/{assignment_id}/start",
                                  {"start_date": days_ago(10), "plan": plan_body(arvode=arvode)})
        # then it is refused naming the field, and nothing is stored
        problem = assert_problem(answer, 422, "command-refused")
        assert fields_and_codes(problem) == {("plan.arvode.percent", code)}
    assert stored_events(stack, assignment_id) == ["AssignmentOffered", "OfferAccepted"]
    # and within the band it starts
    answer = case_worker.post(f"/api/v1/assignments/{assignment_id}/start", {
        "start_date": days_ago(10), "plan": plan_body(arvode={"basis": "category", "category": 1, "percent": 20})})
    assert answer.status_code == 200, answer.text


def test_a_case_worker_revises_a_running_assignments_plan_from_a_months_first_day(stack, case_worker, accepted):
    # given a running assignment at 20 % of category 1
    assignment_id, me = accepted
    started = case_worker.post(f"/api/v1/assignments/{assignment_id}/start", {
        "start_date": days_ago(40), "plan": plan_body(arvode={"basis": "category", "category": 1, "percent": 20})})
    assert started.status_code == 200, started.text
    this_month = today().replace(day=1).isoformat()
    revised_plan = plan_body(arvode={"basis": "category", "category": 2, "percent": 30}, frequency_per_month=8)
    # when the case worker revises it from the middle of a month: then it is refused, naming the field
    mid_month = (today().replace(day=1) + timedelta(days=14)).isoformat()
    problem = assert_problem(case_worker.post(f"/api/v1/assignments/{assignment_id}/plan-revisions", {
        "effective_from": mid_month, "plan": revised_plan, "reason": "Tätare träffar"}), 422)
    assert fields_and_codes(problem) == {("effective_from", "not_month_start")}
    # when the case worker revises it from this month's first day
    answer = case_worker.post(f"/api/v1/assignments/{assignment_id}/plan-revisions", {
        "effective_from": this_month, "plan": revised_plan, "reason": "Tätare träffar"})
    # then the plan is the revised one, with its history, and the event is stored
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["plan"]["arvode"] == {"basis": "category", "category": 2, "percent": 30, "monthly_ore": None}
    assert [(r["revision"], r["effective_from"]) for r in body["plan_revisions"]] == [(2, this_month)]
    assert stored_events(stack, assignment_id)[-1] == "AssignmentPlanRevised"
    # and the volunteer sees the plan in force
    mine = me.get(f"/api/v1/me/assignments/{assignment_id}").json()
    assert mine["plan"]["frequency_per_month"] == 8
    # and a volunteer may not revise it
    assert me.post(f"/api/v1/assignments/{assignment_id}/plan-revisions", {
        "effective_from": this_month, "plan": revised_plan, "reason": "x"}).status_code == 403


def test_a_held_meeting_without_its_activity_is_refused_naming_the_field_with_a_code(case_worker, accepted):
    assignment_id, me = accepted
    case_worker.post(f"/api/v1/assignments/{assignment_id}/start", {"start_date": days_ago(10), "plan": plan_body()})
    # when the volunteer logs a held meeting without saying what they did
    answer = me.post(f"/api/v1/me/assignments/{assignment_id}/meetings",
                     {"on": days_ago(2), "status": "held", "hours": 1})
    # then the refusal names the field with the code "required", as the documentation says it is for a held one
    problem = assert_problem(answer, 422)
    assert fields_and_codes(problem) == {("activity", "required")}
    # and a cancelled one needs none
    answer = me.post(f"/api/v1/me/assignments/{assignment_id}/meetings", {"on": days_ago(2), "status": "cancelled"})
    assert answer.status_code == 200, answer.text


def test_no_refusal_carries_the_string_none_as_its_field_or_code(accepted):
    assignment_id, me = accepted
    # when the volunteer accepts again: a refusal about no one field, whose rule names no code
    problem = assert_problem(me.post(f"/api/v1/me/offers/{assignment_id}/accept"), 422)
    # then the field is null and the code a word, never "None"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(None, "assignment_accepted")]
    answer = me.post(f"/api/v1/me/assignments/{assignment_id}/meetings", {"on": days_ago(2), "status": "held",
                                                                           "hours": 1, "activity": "Bio"})
    problem = assert_problem(answer, 422)  # not started yet: the rule names a code of its own
    assert "None" not in answer.text and all(e["code"] for e in problem["errors"])
