"""The volunteer's own offers and assignments: accept or decline an offer, log and correct meetings, report a
deviation, ask to end. Someone else's assignment is "not found" to them."""
from __future__ import annotations

from marshmallow import ValidationError

from services.common.kernel import Kernel
from services.common.roles import Caller

from ..domain.assignment import (
    AcceptOffer, CorrectMeeting, DeclineOffer, LogMeeting, ReportDeviation, RequestEnd)
from ..read import assignments as read_assignments
from ..schemas import (
    AcceptOfferBody, CorrectMeetingBody, DeclineOfferBody, LogMeetingBody, ReportDeviationBody, RequestEndBody)
from .access import acts_as_volunteer, as_case_worker, as_volunteer, calling_volunteer, visible_to_volunteer


def my_offers(kernel: Kernel, caller: Caller) -> list[dict]:
    """The caller's open offers, each with the de-identified client view (ages, interests, area, frequency); as
    for one offer, only those the token's municipalities may see."""
    volunteer = calling_volunteer(caller)
    with kernel.connection() as conn:
        items = read_assignments.list_assignments(conn, volunteer_id=volunteer, statuses=("offered",),
                                                  with_client_view=True)
    return [_for_volunteer(item) for item in items if visible_to_volunteer(caller, item)]


def my_assignments(kernel: Kernel, caller: Caller) -> list[dict]:
    """The caller's accepted, running and ended assignments (offers are in my_offers)."""
    volunteer = calling_volunteer(caller)
    with kernel.connection() as conn:
        items = read_assignments.list_assignments(conn, volunteer_id=volunteer, with_client_view=True,
                                                  statuses=("accepted", "started", "interrupted", "ended"))
    return [_for_volunteer(item) for item in items if visible_to_volunteer(caller, item)]


def accept_offer(kernel: Kernel, caller: Caller, assignment_id) -> dict:
    return as_volunteer(kernel, caller, assignment_id, AcceptOffer, AcceptOfferBody)


def decline_offer(kernel: Kernel, caller: Caller, assignment_id, body=None) -> dict:
    """`body`: {"reason"} or nothing: nobody has to explain a no."""
    return as_volunteer(kernel, caller, assignment_id, DeclineOffer, DeclineOfferBody, body)


def log_meeting(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    """`body`: a LogMeetingBody. Only the assignment's volunteer; returns their view of the assignment."""
    return as_volunteer(kernel, caller, assignment_id, LogMeeting, LogMeetingBody, body)


def correct_meeting(kernel: Kernel, caller: Caller, assignment_id, meeting_id, body) -> dict:
    """`body`: the whole meeting as it should have been, and "reason"."""
    if not isinstance(meeting_id, str) or not meeting_id:
        raise ValidationError({"meeting_id": ["a meeting id is required"]})
    return as_volunteer(kernel, caller, assignment_id, CorrectMeeting, CorrectMeetingBody, body,
                        meeting_id=meeting_id)


def request_end(kernel: Kernel, caller: Caller, assignment_id, body=None) -> dict:
    """The volunteer asks to end: `body` {"reason", "wished_end_date"}, both optional."""
    return as_volunteer(kernel, caller, assignment_id, RequestEnd, RequestEndBody, body)


def report_deviation(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    """The plan is not working: by the assignment's volunteer or a case worker of its municipality."""
    if acts_as_volunteer(kernel, caller, assignment_id):
        return as_volunteer(kernel, caller, assignment_id, ReportDeviation, ReportDeviationBody, body)
    return as_case_worker(kernel, caller, assignment_id, ReportDeviation, ReportDeviationBody, body)


def _for_volunteer(item: dict) -> dict:
    return {**item, "open_flags": []}  # why the case worker was alerted is the case worker's matter
