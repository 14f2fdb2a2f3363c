"""Meetings: logged by the volunteer of the assignment, for dates it ran; corrections as new events."""
from datetime import date, datetime, time, timezone

from services.assignments.domain.assignment import (
    ASSIGNMENT, CorrectMeeting, EndAssignment, Expense, InterruptAssignment, ResumeAssignment)
from services.common.sweden import SWEDEN
from services.common.testing import given

from .examples import AT, CASE_WORKER, OTHER_VOLUNTEER, STOCKHOLM, VOLUNTEER, history, meeting, offered


def after(events, *commands):
    """The history extended by deciding each command in turn."""
    events = list(events)
    for command in commands:
        events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), command)
    return events


def test_the_volunteer_logs_a_held_meeting():
    [event] = given(ASSIGNMENT, *history()).when(meeting()).then("MeetingLogged")
    assert event.data == {
        "meeting_id": "meeting-1", "volunteer_id": VOLUNTEER, "insats": "kontaktperson", "on": "2025-05-20",
        "status": "held", "minutes": 120, "stay_start": None, "stay_end": None, "dygn": None, "activity": "Bio",
        "expenses": [{"amount_ore": 12_000, "description": "Biobiljetter", "receipt": False}], "note": "Gick bra"}


def test_a_volunteer_cannot_log_a_meeting_on_another_volunteers_assignment():
    given(ASSIGNMENT, *history()).when(meeting(by=OTHER_VOLUNTEER)).then_refused(
        "only the volunteer of this assignment")


def test_a_meeting_in_the_future_is_refused():
    given(ASSIGNMENT, *history()).when(meeting(on=date(2025, 6, 3))).then_refused("the meeting date is in the future")


def test_a_meeting_before_the_start_is_refused():
    given(ASSIGNMENT, *history()).when(meeting(on=date(2025, 5, 4))).then_refused("before the assignment started")


def test_no_meeting_before_the_assignment_has_started():
    given(ASSIGNMENT, offered()).when(meeting()).then_refused("cannot log a meeting: the assignment is offered")


def test_a_held_meeting_needs_its_length_and_activity():
    given(ASSIGNMENT, *history()).when(meeting(minutes=None, activity=" ")).then_refused(
        "length in minutes", "activity is required")


def test_a_cancelled_meeting_needs_no_length():
    [event] = given(ASSIGNMENT, *history()).when(meeting(status="cancelled", minutes=None, activity="",
                                                          expenses=())).then("MeetingLogged")
    assert event.data["status"] == "cancelled" and event.data["minutes"] is None


def test_the_client_not_coming_is_logged_as_no_show():
    given(ASSIGNMENT, *history()).when(meeting(status="no_show", minutes=30)).then("MeetingLogged")


def test_an_unknown_status_is_refused():
    given(ASSIGNMENT, *history()).when(meeting(status="maybe")).then_refused("status must be")


def test_expenses_are_positive_whole_ore():
    refused = given(ASSIGNMENT, *history()).when(meeting(expenses=(Expense(0), Expense(12.5)))).then_refused(
        "positive whole number of öre")
    assert {p.field for p in refused.problems} == {"expenses.0.amount_ore", "expenses.1.amount_ore"}


def test_expenses_against_receipts_need_a_plan_that_allows_them():
    with_receipt = meeting(expenses=(Expense(34_900, "Bowling", receipt=True),))
    given(ASSIGNMENT, *history()).when(with_receipt).then_refused("does not allow expenses against receipts")
    given(ASSIGNMENT, *history(receipts_allowed=True)).when(with_receipt).then("MeetingLogged")


def test_the_same_meeting_is_not_logged_twice():
    given(ASSIGNMENT, *after(history(), meeting())).when(meeting()).then_refused("already logged")


def test_a_kontaktfamilj_stay_counts_dygn_from_its_start_and_end():
    stay = meeting(on=None, minutes=None, stay_start=datetime(2025, 5, 23, 17, 0, tzinfo=SWEDEN),
                   stay_end=datetime(2025, 5, 25, 17, 0, tzinfo=SWEDEN), activity="Helgvistelse")
    [event] = given(ASSIGNMENT, *history("kontaktfamilj")).when(stay).then("MeetingLogged")
    assert (event.data["on"], event.data["dygn"], event.data["minutes"]) == ("2025-05-23", 2, None)
    assert event.data["stay_start"] == "2025-05-23T17:00:00+02:00"


def test_a_begun_dygn_counts_whole():
    stay = meeting(on=None, stay_start=datetime(2025, 5, 23, 16, 0, tzinfo=SWEDEN),
                   stay_end=datetime(2025, 5, 25, 18, 0, tzinfo=SWEDEN))
    [event] = given(ASSIGNMENT, *history("kontaktfamilj")).when(stay).then("MeetingLogged")
    assert event.data["dygn"] == 3


def test_a_held_kontaktfamilj_stay_needs_start_and_end_in_order_and_past():
    events = history("kontaktfamilj")
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 5, 20))).then_refused("needs its start and end")
    backwards = meeting(on=None, stay_start=datetime(2025, 5, 25, 17, 0, tzinfo=SWEDEN),
                        stay_end=datetime(2025, 5, 23, 17, 0, tzinfo=SWEDEN))
    given(ASSIGNMENT, *events).when(backwards).then_refused("ends before it starts")
    ongoing = meeting(on=None, stay_start=datetime(2025, 6, 1, 17, 0, tzinfo=SWEDEN),
                      stay_end=datetime.combine(date(2025, 6, 3), time(17), SWEDEN))
    given(ASSIGNMENT, *events).when(ongoing).then_refused("has not ended yet")


def test_no_meeting_on_a_date_the_assignment_was_interrupted():
    events = after(history(), InterruptAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 15), "Klienten bortrest"),
                   ResumeAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 25)))
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 5, 20))).then_refused("interrupted on that date")
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 5, 26))).then("MeetingLogged")


def test_meetings_may_be_logged_late_but_not_after_the_end():
    events = after(history(), EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 31), "need_met"))
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 5, 30))).then("MeetingLogged")
    given(ASSIGNMENT, *events).when(meeting(on=date(2025, 6, 1))).then_refused("after the assignment ended")


def correction(**changes) -> CorrectMeeting:
    base = meeting(minutes=90)
    return CorrectMeeting(**{**base.__dict__, "reason": "Fel tid", **changes})


def test_a_correction_is_a_new_event_naming_the_meeting():
    [event] = given(ASSIGNMENT, *after(history(), meeting())).when(correction()).then("MeetingCorrected")
    assert (event.data["corrects"], event.data["minutes"], event.data["reason"]) == ("meeting-1", 90, "Fel tid")


def test_only_a_logged_meeting_can_be_corrected():
    given(ASSIGNMENT, *history()).when(correction()).then_refused("no such meeting")


def test_a_correction_follows_the_meeting_rules_and_needs_a_reason():
    given(ASSIGNMENT, *after(history(), meeting())).when(correction(on=date(2025, 7, 1), reason="")).then_refused(
        "in the future", "reason is required")


def test_only_the_volunteer_of_the_assignment_corrects_its_meetings():
    given(ASSIGNMENT, *after(history(), meeting())).when(correction(by=OTHER_VOLUNTEER)).then_refused(
        "only the volunteer of this assignment")


def test_the_meeting_date_is_the_swedish_date_of_the_command():
    # 23:30 UTC on 1 June is already 2 June in Sweden: a meeting on 2 June is not in the future.
    late_evening = datetime(2025, 6, 1, 23, 30, tzinfo=timezone.utc)
    given(ASSIGNMENT, *history()).when(meeting(on=date(2025, 6, 2), at=late_evening)).then("MeetingLogged")
