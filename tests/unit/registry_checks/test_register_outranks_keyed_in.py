"""The register's signed answer outranks a paper extract keyed in by hand: it replaces the keyed-in result, and where
their outcomes differ the check has a conflict a recruiter resolves with a reason (ResolveConflict). A paper extract
never replaces a result in force. See docs/domain.md, "Register checks"."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from services.common.testing import given
from services.registry_checks.domain import CHECK, RecordResult, ResolveConflict
from services.registry_checks.events import EVENT_SCHEMAS
from services.registry_checks.inbound import Accepted, assess_inbound
from tests.unit.registry_checks import examples
from tests.unit.registry_checks.examples import (CHECK_ID, MARCH_10, STOCKHOLM, completed, conflict_raised,
                                                 keyed_in, requested)

register_says = RecordResult(
    check_id=CHECK_ID, municipality=STOCKHOLM, outcome="remarks", completed_at=MARCH_10 + timedelta(days=1),
    recorded_at=MARCH_10 + timedelta(days=1, minutes=1), source="register", register="kronofogden",
    register_reference="KFM-1", valid_until=None, summary="Skuld hos Kronofogden")
paper_says = replace(register_says, source="manual", register=None, register_reference=None, by="rekryterare-2",
                     outcome="clear")
resolve = ResolveConflict(check_id=CHECK_ID, municipality=STOCKHOLM, reason="Pappersutdraget var äldre.",
                          by="rekryterare-2", resolved_at=MARCH_10 + timedelta(days=2))


def test_a_signed_result_that_differs_from_a_keyed_in_one_is_recorded_and_raises_a_conflict():
    # given a "clear" keyed in by hand; when the register's signed "remarks" arrives
    completed_event, conflict = given(CHECK, requested(), keyed_in("clear")).when(register_says).then(
        "CheckCompleted", "CheckConflictRaised")
    # then the register's result is the check's, and the conflict names both
    assert (completed_event.data["outcome"], completed_event.data["source"]) == ("remarks", "register")
    assert conflict.data["keyed_in"] == {"outcome": "clear", "entered_by": "rekryterare-1",
                                         "completed_at": "2025-03-11T00:00:00+01:00", "register_reference": None}
    assert (conflict.data["register_outcome"], conflict.data["register_reference"]) == ("remarks", "KFM-1")
    state = CHECK.fold([requested(), keyed_in("clear"), completed_event, conflict])
    assert state.outcome == "remarks" and state.clear_until is None and state.conflict
    # and both follow their published schemas
    for event in (completed_event, conflict, conflict_raised()):
        assert EVENT_SCHEMAS[event.type][1]().validate(event.data) == {}, event.type


def test_a_signed_result_that_agrees_with_a_keyed_in_one_replaces_it_without_a_conflict():
    [event] = given(CHECK, requested(), keyed_in("remarks")).when(register_says).then("CheckCompleted")
    assert event.data["source"] == "register"


def test_the_register_is_not_a_repeat_of_the_reference_typed_from_its_paper_extract():
    given(CHECK, requested(), keyed_in("clear", reference="KFM-1")).when(register_says).then(
        "CheckCompleted", "CheckConflictRaised")


def test_once_the_register_has_answered_a_second_answer_is_a_repeat():
    given(CHECK, requested(), keyed_in("clear"), completed("remarks")).when(
        replace(register_says, register_reference="KFM-2")).then_refused("already has this result")


def test_a_paper_extract_does_not_replace_a_result_in_force():
    given(CHECK, requested(), completed("remarks")).when(paper_says).then_refused("already has this result")
    given(CHECK, requested(), keyed_in("remarks")).when(paper_says).then_refused("already has this result")


def test_a_recruiter_resolves_a_conflict_with_a_reason_and_the_register_result_stands():
    [event] = given(CHECK, requested(), keyed_in("clear"), completed("remarks"), conflict_raised()).when(
        resolve).then("CheckConflictResolved")
    assert event.data["outcome"] == "remarks" and event.data["reason"] == "Pappersutdraget var äldre."
    assert event.data["resolved_by"] == "rekryterare-2"
    assert EVENT_SCHEMAS["CheckConflictResolved"][1]().validate(event.data) == {}
    assert not CHECK.fold([requested(), keyed_in("clear"), completed("remarks"), conflict_raised(), event]).conflict


def test_a_resolution_needs_a_conflict_and_a_reason():
    given(CHECK, requested(), completed()).when(resolve).then_refused("no conflict to resolve")
    refused = given(CHECK, requested(), keyed_in("clear"), completed("remarks"), conflict_raised()).when(
        replace(resolve, reason="  ", resolved_at=datetime(2025, 3, 12))).then_refused("gives its reason",
                                                                                      "time zone")
    assert {p.field for p in refused.problems} == {"reason", "resolved_at"}


def test_a_conflict_stays_open_through_a_renewal_until_resolved():
    renewal = examples.requested()
    state = CHECK.fold([requested(), keyed_in("clear"), completed("remarks"), conflict_raised(), renewal])
    assert state.conflict


def test_inbound_accepts_the_register_answer_to_a_check_completed_by_hand():
    now = datetime(2025, 3, 11, 9, 0, tzinfo=timezone.utc)
    body = examples.result(CHECK_ID, outcome="remarks", reference="KFM-9", completed_at=now - timedelta(minutes=1))
    outcome = assess_inbound(*examples.signed(body, sent_at=now), examples.KEYS, now,
                             CHECK.fold([requested(), keyed_in("clear")]))
    assert isinstance(outcome, Accepted) and outcome.command.outcome == "remarks"
