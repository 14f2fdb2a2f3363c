"""The running assignment: deviations, supervision, interruptions, flags, and the end."""
from datetime import date

from services.assignments.domain.assignment import (
    ASSIGNMENT, EndAssignment, FlagAssignment, InterruptAssignment, RecordSupervision, ReportDeviation, RequestEnd,
    ResumeAssignment)
from services.common.testing import given

from .examples import AT, CASE_WORKER, OTHER_VOLUNTEER, STOCKHOLM, VOLUNTEER, accepted, history, offered


def after(events, *commands):
    events = list(events)
    for command in commands:
        events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), command)
    return events


def deviation(deviation_id="dev-1", by=VOLUNTEER):
    return ReportDeviation(STOCKHOLM, by, AT, deviation_id, "Klienten kommer inte till träffarna")


def supervision(**changes):
    fields = dict(municipality=STOCKHOLM, by=CASE_WORKER, at=AT, supervision_id="sup-1", on=date(2025, 6, 1))
    return RecordSupervision(**{**fields, **changes})


def flag(flag_id="flag-1", reason="check_expired"):
    return FlagAssignment(STOCKHOLM, AT, flag_id, reason)


def test_the_volunteer_reports_a_deviation():
    [event] = given(ASSIGNMENT, *history()).when(deviation()).then("DeviationReported")
    assert event.data["by_volunteer"] is True and event.data["reported_on"] == "2025-06-02"
    assert ASSIGNMENT.fold(history() + [event]).open_deviations == (("dev-1", date(2025, 6, 2)),)


def test_a_deviation_needs_a_description():
    given(ASSIGNMENT, *history()).when(ReportDeviation(STOCKHOLM, VOLUNTEER, AT, "dev-1", " ")).then_refused(
        "description is required")


def test_no_deviation_on_an_assignment_not_started():
    given(ASSIGNMENT, offered()).when(deviation()).then_refused("cannot report a deviation")


def test_supervision_is_recorded_and_resolves_deviations_and_flags():
    events = after(history(), deviation(), flag())
    [event] = given(ASSIGNMENT, *events).when(supervision(resolves=("dev-1", "flag-1"), note="Samtal")).then(
        "SupervisionRecorded")
    state = ASSIGNMENT.fold(events + [event])
    assert state.open_deviations == () and state.open_flags == ()


def test_supervision_can_only_resolve_open_items_of_this_assignment():
    given(ASSIGNMENT, *history()).when(supervision(resolves=("dev-9",))).then_refused("not an open deviation")


def test_a_follow_up_moves_the_next_follow_up():
    [event] = given(ASSIGNMENT, *history()).when(supervision(kind="follow_up")).then("SupervisionRecorded")
    assert ASSIGNMENT.fold(history() + [event]).last_follow_up_on == date(2025, 6, 1)


def test_supervision_dates_are_within_the_assignment_and_not_ahead():
    given(ASSIGNMENT, *history()).when(supervision(on=date(2025, 5, 1), kind="coffee")).then_refused(
        "before the assignment started", "kind must be")
    given(ASSIGNMENT, *history()).when(supervision(on=date(2025, 6, 3))).then_refused("in the future")


def test_the_volunteer_asks_to_end():
    [event] = given(ASSIGNMENT, *history()).when(RequestEnd(STOCKHOLM, VOLUNTEER, AT, "Flyttar")).then(
        "AssignmentEndRequested")
    assert event.data["requested_on"] == "2025-06-02"


def test_only_the_volunteer_of_the_assignment_asks_to_end():
    given(ASSIGNMENT, *history()).when(RequestEnd(STOCKHOLM, OTHER_VOLUNTEER, AT)).then_refused(
        "only the volunteer of this assignment")


def test_an_end_is_requested_once():
    given(ASSIGNMENT, *after(history(), RequestEnd(STOCKHOLM, VOLUNTEER, AT))).when(
        RequestEnd(STOCKHOLM, VOLUNTEER, AT)).then_refused("already requested")


def test_the_case_worker_ends_with_a_reason():
    [event] = given(ASSIGNMENT, *history()).when(
        EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "volunteer_request")).then("AssignmentEnded")
    assert (event.data["reason"], event.data["ended_on"], event.data["was_started"]) == (
        "volunteer_request", "2025-06-01", True)


def test_an_end_needs_a_known_reason_and_a_date_in_the_assignment():
    given(ASSIGNMENT, *history()).when(EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 1), "tired")) \
        .then_refused("reason must be", "before the assignment began")
    given(ASSIGNMENT, *history()).when(EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 9), "other")) \
        .then_refused("in the future")


def test_an_ended_assignment_cannot_end_again():
    ended = after(history(), EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "need_met"))
    given(ASSIGNMENT, *ended).when(EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "other")) \
        .then_refused("the assignment is ended")


def test_a_volunteer_leaving_the_pool_flags_the_assignment():
    [event] = given(ASSIGNMENT, *history()).when(flag(reason="consent_revoked")).then("AssignmentFlagged")
    assert event.data == {"flag_id": "flag-1", "volunteer_id": VOLUNTEER, "reason": "consent_revoked",
                          "flagged_on": "2025-06-02"}


def test_a_pending_offer_is_flagged_too():
    given(ASSIGNMENT, offered(), accepted()).when(flag(reason="withdrawn")).then("AssignmentFlagged")


def test_the_same_flag_twice_or_on_an_ended_assignment_does_nothing():
    given(ASSIGNMENT, *after(history(), flag())).when(flag()).then()
    ended = after(history(), EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "need_met"))
    given(ASSIGNMENT, *ended).when(flag()).then()


def test_an_unknown_flag_reason_is_refused():
    given(ASSIGNMENT, *history()).when(flag(reason="bored")).then_refused("reason must be")


def test_a_running_assignment_is_interrupted_and_resumed():
    interrupt = InterruptAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 20), "Klienten på behandlingshem")
    [event] = given(ASSIGNMENT, *history()).when(interrupt).then("AssignmentInterrupted")
    events = history() + [event]
    assert ASSIGNMENT.fold(events).status == "interrupted"
    [resumed] = given(ASSIGNMENT, *events).when(ResumeAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1))) \
        .then("AssignmentResumed")
    state = ASSIGNMENT.fold(events + [resumed])
    assert state.status == "started" and state.interruptions == ((date(2025, 5, 20), date(2025, 6, 1)),)


def test_interruption_and_resumption_dates_must_make_sense():
    given(ASSIGNMENT, *history()).when(InterruptAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 1), "")) \
        .then_refused("reason is required", "before the assignment started")
    interrupted = after(history(), InterruptAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 20), "Paus"))
    given(ASSIGNMENT, *interrupted).when(ResumeAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 19))) \
        .then_refused("before the interruption")
    given(ASSIGNMENT, *history()).when(ResumeAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 19))) \
        .then_refused("cannot resume: the assignment is started")
