"""Monthly reports (närvarorapporter): the responsible case worker approves a month's meetings as shown; case
workers see what is pending; the volunteer reads their own."""
from __future__ import annotations

from services.common.envelope import Metadata
from services.common.problems import ServiceProblem
from services.common.roles import AUDITOR, CASE_WORKER, FINANCE, VOLUNTEER, Caller
from services.common.sweden import today
from services.common.validation import load_body

from ..domain.compensation import COMPENSATION, ApproveReport, meeting_from_data
from ..domain.compensation import stream_id as compensation_stream
from ..read import assignments, meetings, reports
from ..schemas import ApproveReportBody
from .volunteers import volunteer_key


def report(kernel, caller: Caller, assignment_id, month) -> dict:
    """The month's närvarorapport: {"assignment_id", "municipality", "month", "status": pending|approved,
    "meetings": [...], "approved_revision", "approved_by", "approved_on", "changed_since_approval"}. Each meeting's
    "meeting_id" is the id to approve (its latest version); "logged_meeting_id" is the assignments' id."""
    found = _assignment(kernel, caller, assignment_id, CASE_WORKER, FINANCE, AUDITOR, volunteer_reads=True)
    with kernel.connection() as conn:  # the municipality: whose audit log the gateway notes the read in
        return {**reports.report(conn, found["assignment_id"], month), "municipality": found["municipality"]}


def pending_reports(kernel, caller: Caller, municipality: str) -> list[dict]:
    """Months with meetings not approved as they stand, for the case workers of the municipality."""
    caller.require(municipality, CASE_WORKER, FINANCE, AUDITOR)
    with kernel.connection() as conn:
        return reports.pending_reports(conn, municipality=municipality, today=today())


def approve_report(kernel, caller: Caller, assignment_id, body) -> dict:
    """ReportApproved by the assignment's responsible case worker. `body`: {"month", "meeting_ids"}, the ids
    shown in report(); refused as a conflict when the month's meetings are no longer exactly those. A kontaktfamilj
    report is approved with the month before's stays too, for the 14-day count of a stay that goes on into this
    month. Returns report(assignment_id, month)."""
    found = _assignment(kernel, caller, assignment_id, CASE_WORKER)
    fields = load_body(ApproveReportBody, body)
    key, month = found["assignment_id"], fields["month"]
    with kernel.connection() as conn:
        shown = meetings.month_meetings(conn, key, month)
        preceding = meetings.preceding_stays(conn, key, month) if found["kind"] == "kontaktfamilj" else ()
    if sorted(set(fields["meeting_ids"])) != sorted(m["meeting_id"] for m in shown):
        raise ServiceProblem("conflict", "the month's meetings have changed: show the report again", [
            {"message": "the meetings are no longer the ones shown", "field": "meeting_ids",
             "code": "report_changed"}])
    command = ApproveReport(found["municipality"], key, month, caller.actor, found["case_worker_id"],
                            found["volunteer_id"], found["kind"], tuple(meeting_from_data(m) for m in shown),
                            today(), preceding)
    kernel.execute(COMPENSATION, compensation_stream(key, month), command,
                   Metadata(municipality=found["municipality"], actor=caller.actor))
    with kernel.connection() as conn:
        return {**reports.report(conn, key, month), "municipality": found["municipality"]}


def _assignment(kernel, caller: Caller, assignment_id, *roles: str, volunteer_reads: bool = False) -> dict:
    """The assignment as payments knows it, if the caller may act on it with one of `roles` (or, with
    `volunteer_reads`, is its volunteer); else not found (or forbidden)."""
    found = kernel.find(assignments.assignment_key(assignment_id), assignments.assignment, "assignment")
    if volunteer_reads and not caller.system and caller.has_role(VOLUNTEER) \
            and volunteer_key(caller.actor) == found["volunteer_id"]:
        return found  # a volunteer reads their own assignment's report, whichever municipality it is in
    caller.require(found["municipality"], *roles)
    return found
