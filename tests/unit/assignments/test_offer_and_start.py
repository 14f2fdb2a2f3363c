"""Offer, accept or decline, and start under a genomförandeplan."""
from datetime import date

import pytest

from services.assignments.domain.assignment import (
    ASSIGNMENT, AcceptOffer, DeclineOffer, EndAssignment, StartAssignment)
from services.assignments.domain.need import NEED, CloseClientNeed
from services.assignments.domain.plan import Arvode
from services.assignments.events import public_data
from services.common.decider import NotFound
from services.common.testing import given

from .examples import (
    AT, CASE_WORKER, CHILD, OTHER_VOLUNTEER, SOLNA, START, STOCKHOLM, VOLUNTEER, accepted, entry, need_state,
    offer, offered, plan, registered)


def test_an_offer_goes_to_an_eligible_volunteer():
    [event] = given(ASSIGNMENT).when(offer()).then("AssignmentOffered")
    assert event.data["volunteer_id"] == VOLUNTEER
    assert event.data["case_worker_id"] == CASE_WORKER


def test_the_offer_shows_the_client_de_identified():
    [event] = given(ASSIGNMENT).when(offer()).then("AssignmentOffered")
    assert event.data["client"] == {"ages": [12], "interests": ["fotboll", "musik"], "area": "112",
                                    "area_municipality": STOCKHOLM, "frequency_per_month": 4,
                                    "frequency_unit": "meetings"}
    text = repr(event.data)
    assert CHILD not in text and "Alva" not in text and "Bryta isolering" not in text


def test_an_offer_for_a_client_with_protected_identity_has_no_location():
    [event] = given(ASSIGNMENT).when(offer(need=need_state(protected_identity=True))).then("AssignmentOffered")
    assert event.data["client"]["area"] is None and event.data["client"]["area_municipality"] is None
    assert "112" not in repr(event.data) and "11234" not in repr(event.data)


def test_an_offer_to_an_ineligible_volunteer_is_refused_with_every_reason():
    volunteer = entry(roles={"kontaktfamilj"}, checks_clear_until=date(2025, 1, 1), active_assignments=2,
                      municipality=SOLNA)
    refused = given(ASSIGNMENT).when(offer(volunteer=volunteer)).then_refused(
        "not approved for kontaktperson", "checks", "no capacity", "regional pool")
    assert {p.field for p in refused.problems} == {"volunteer_id"}


def test_an_offer_for_a_closed_need_is_refused():
    need = NEED.fold([registered()])
    closed = NEED.decide(need, CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 4, 10), "withdrawn"))
    given(ASSIGNMENT).when(offer(need=NEED.fold(closed, need))).then_refused("the need is closed")


def test_a_need_of_another_municipality_cannot_be_offered():
    with pytest.raises(NotFound):
        given(ASSIGNMENT).when(offer(municipality=SOLNA))


def test_only_the_offered_volunteer_may_accept():
    given(ASSIGNMENT, offered()).when(AcceptOffer(STOCKHOLM, OTHER_VOLUNTEER, AT)).then_refused(
        "only the volunteer of this assignment")


def test_the_offered_volunteer_accepts():
    [event] = given(ASSIGNMENT, offered()).when(AcceptOffer(STOCKHOLM, VOLUNTEER, AT)).then("OfferAccepted")
    assert event.data == {"volunteer_id": VOLUNTEER, "accepted_on": "2025-06-02"}


def test_the_offered_volunteer_may_decline_without_a_reason():
    [event] = given(ASSIGNMENT, offered()).when(DeclineOffer(STOCKHOLM, VOLUNTEER, AT)).then("OfferDeclined")
    assert event.data["reason"] is None


def test_only_the_offered_volunteer_may_decline():
    given(ASSIGNMENT, offered()).when(DeclineOffer(STOCKHOLM, OTHER_VOLUNTEER, AT, "nej")).then_refused(
        "only the volunteer of this assignment")


def test_a_declined_offer_cannot_be_accepted():
    declined = ASSIGNMENT.decide(ASSIGNMENT.fold([offered()]), DeclineOffer(STOCKHOLM, VOLUNTEER, AT, "Ingen tid"))
    given(ASSIGNMENT, offered(), *declined).when(AcceptOffer(STOCKHOLM, VOLUNTEER, AT)).then_refused(
        "the assignment is declined")


def test_another_municipality_sees_no_assignment():
    with pytest.raises(NotFound):
        given(ASSIGNMENT, offered()).when(AcceptOffer(SOLNA, VOLUNTEER, AT))


def test_an_accepted_assignment_starts_under_a_plan():
    [event] = given(ASSIGNMENT, offered(), accepted()).when(
        StartAssignment(STOCKHOLM, CASE_WORKER, AT, START, plan())).then("AssignmentStarted")
    assert event.data["start_date"] == "2025-05-05"
    assert event.data["plan"]["arvode"] == {"basis": "category", "category": 2, "percent": 30, "monthly_ore": None}
    assert event.data["plan"]["omkostnad"] == {"level": 1, "receipts_allowed": False}
    assert event.data["case_worker_id"] == CASE_WORKER


def test_an_offer_not_yet_accepted_cannot_start():
    given(ASSIGNMENT, offered()).when(StartAssignment(STOCKHOLM, CASE_WORKER, AT, START, plan())).then_refused(
        "cannot start: the assignment is offered")


def test_the_arvode_must_fit_the_insats():
    given(ASSIGNMENT, offered(), accepted()).when(
        StartAssignment(STOCKHOLM, CASE_WORKER, AT, START, plan(arvode=Arvode("fixed", monthly_ore=1)))
    ).then_refused("arvode for kontaktperson is set as category")


def test_a_plan_is_checked_whole():
    bad = plan(goals=(), frequency_per_month=0, arvode=Arvode("category", 7, 0))
    refused = given(ASSIGNMENT, offered(), accepted()).when(
        StartAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 3, 1), bad)).then_refused(
        "at least one goal", "frequency", "category must be", "percent", "before the decision period")
    assert len(refused.problems) == 5


def test_skkp_has_a_fixed_arvode():
    events = [offered(need=need_state(insats="skkp"), volunteer=entry(roles={"skkp"}))]
    events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), AcceptOffer(STOCKHOLM, VOLUNTEER, AT))
    [event] = given(ASSIGNMENT, *events).when(
        StartAssignment(STOCKHOLM, CASE_WORKER, AT, START, plan("skkp"))).then("AssignmentStarted")
    assert event.data["plan"]["arvode"]["monthly_ore"] == 450_000


def test_an_offer_can_be_withdrawn_by_ending_it():
    [event] = given(ASSIGNMENT, offered()).when(
        EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 1), "offer_withdrawn")).then("AssignmentEnded")
    assert event.data["was_started"] is False


def test_a_kontaktfamilj_start_carries_the_childs_birth_date_and_publishes_nothing_else_of_the_client():
    # given an accepted kontaktfamilj offer
    events = [offered(need=need_state(insats="kontaktfamilj"), volunteer=entry(roles={"kontaktfamilj"}))]
    events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), AcceptOffer(STOCKHOLM, VOLUNTEER, AT))
    # when it starts with the child's birth date from the need
    [event] = given(ASSIGNMENT, *events).when(StartAssignment(
        STOCKHOLM, CASE_WORKER, AT, START, plan("kontaktfamilj"), client_birth_dates=(date(2014, 6, 1),))
    ).then("AssignmentStarted")
    # then payments can see the birth date (its rates follow the child's age), and no goals of the plan
    published = public_data("AssignmentStarted", event.data)
    assert published["client_birth_dates"] == ["2014-06-01"]
    assert "goals" not in published["plan"]


def test_a_kontaktperson_start_publishes_no_birth_date():
    [event] = given(ASSIGNMENT, offered(), accepted()).when(StartAssignment(
        STOCKHOLM, CASE_WORKER, AT, START, plan(), client_birth_dates=(date(2010, 1, 1),))).then("AssignmentStarted")
    assert event.data["client_birth_dates"] == []
