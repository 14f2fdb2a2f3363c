"""What staff and volunteers read of assignments beyond their own commands' answers: an assignment, the
municipality's list, the case workers' worklist, the IVO report, one applicant's assignments and pool status.

Reads of personal data are audited by the gateway, which knows why the user asked.
"""
from __future__ import annotations

from dataclasses import asdict

from services.common.decider import NotFound
from services.common.kernel import Kernel
from services.common.roles import AUDITOR, CASE_WORKER, RECRUITER, Caller
from services.common.rows import json_row
from services.common.sweden import today

from ..domain import worklist as rules
from ..domain.assignment import ASSIGNMENT_STATUSES
from ..domain.need import stream_id as need_stream_id
from ..domain.volunteer import canonical_volunteer_id
from ..read import assignments as read_assignments
from ..read import needs as read_needs
from ..read import pool as read_pool
from .access import acts_as_volunteer, case_worker_view, own_assignment, staff_assignment, volunteer_view
from .arguments import one_of, whole_number

IVO_READERS = (CASE_WORKER, AUDITOR)
APPLICANT_VIEW_READERS = (RECRUITER, CASE_WORKER, AUDITOR)
# What staff of another municipality than the assignment's (the regional pool) see of an applicant's assignment.
_FOREIGN_SUMMARY = ("assignment_id", "municipality", "insats", "status", "start_date", "ended_on")


def get_assignment(kernel: Kernel, caller: Caller, assignment_id) -> dict:
    """For its volunteer: their view (client de-identified, no notes). For a case worker of its
    municipality: everything, meetings' notes and the timeline included."""
    if acts_as_volunteer(kernel, caller, assignment_id):
        key, _ = own_assignment(kernel, caller, assignment_id)
        return volunteer_view(kernel, key)
    key, _ = staff_assignment(kernel, caller, assignment_id, CASE_WORKER)
    return case_worker_view(kernel, key)


def list_assignments(kernel: Kernel, caller: Caller, municipality: str, status=None, need_id=None,
                     volunteer_id=None) -> list[dict]:
    """The municipality's assignments, newest offer first (summaries: no client data, no notes)."""
    caller.require(municipality, CASE_WORKER)
    one_of("status", status, ASSIGNMENT_STATUSES)
    need = None if need_id is None else need_stream_id(need_id)
    volunteer = None if volunteer_id is None else canonical_volunteer_id(volunteer_id)
    if (need_id is not None and need is None) or (volunteer_id is not None and volunteer is None):
        return []
    with kernel.connection() as conn:
        return read_assignments.list_assignments(conn, municipality=municipality, need_id=need,
                                                 volunteer_id=volunteer,
                                                 statuses=None if status is None else (status,))


def worklist(kernel: Kernel, caller: Caller, municipality: str, case_worker_id=None, notice_days=30) -> list[dict]:
    """What the case workers must act on: open deviations, flags (the volunteer left the pool), requests to
    end, and follow-ups due within `notice_days`; oldest first. [{"kind", "assignment_id", "need_id",
    "case_worker_id", "since", "due", "overdue", "ref", "reason"}]. `case_worker_id` narrows it to one."""
    caller.require(municipality, CASE_WORKER)
    notice_days = whole_number("notice_days", notice_days, 0, 366)
    on = today()
    with kernel.connection() as conn:
        rows = read_assignments.assignment_rows(conn, municipality, live_only=True)
    items = rules.case_worker_items(rows, on, case_worker_id, notice_days)
    return [{**json_row(asdict(item)), "overdue": item.overdue(on)} for item in items]


def ivo_report(kernel: Kernel, caller: Caller, municipality: str) -> list[dict]:
    """Decisions not carried out within 3 months (not started, or interrupted), to report to IVO:
    [{"municipality", "kind", "need_id", "assignment_id", "insats", "legal_basis", "decision_date",
    "interrupted_on", "deadline", "carried_out_on", "closed_on", "status"}]."""
    return [{**json_row(asdict(row)), "status": row.status} for row in _ivo_rows(kernel, caller, municipality)]


def ivo_csv(kernel: Kernel, caller: Caller, municipality: str) -> dict:
    """The IVO report as CSV (semicolons, Swedish headers): {"filename", "content_type", "content", "rows",
    "need_ids"}; "need_ids" are the decisions the file names, whose clients' data the gateway audits as read."""
    rows = _ivo_rows(kernel, caller, municipality)
    return {"filename": f"ivo-{municipality}.csv", "content_type": "text/csv; charset=utf-8",
            "content": rules.ivo_csv(rows), "rows": len(rows), "need_ids": sorted({row.need_id for row in rows})}


def _ivo_rows(kernel: Kernel, caller: Caller, municipality: str) -> list[rules.IvoRow]:
    caller.require(municipality, *IVO_READERS)
    with kernel.connection() as conn:
        needs = read_needs.need_rows(conn, municipality)
        assignments = read_assignments.assignment_rows(conn, municipality)
    return rules.decisions_not_carried_out(municipality, needs, assignments, today())


def assignments_for_volunteer(kernel: Kernel, caller: Caller, applicant_id) -> list[dict]:
    """One applicant's assignments, for the gateway's aggregated applicant view, to staff of the applicant's
    municipality: summaries without client data; those of other municipalities (the regional pool) only as
    {"assignment_id", "municipality", "insats", "status", "start_date", "ended_on"}."""
    volunteer = canonical_volunteer_id(applicant_id)
    if volunteer is None:
        raise NotFound("no such applicant")
    with kernel.connection() as conn:
        home = read_pool.volunteer_home(conn, volunteer)
        if home is None:
            caller.require_role(*APPLICANT_VIEW_READERS)
            return []  # not in the pool yet (events on their way, or never approved): no assignments
        caller.require(home[0], *APPLICANT_VIEW_READERS)
        items = read_assignments.list_assignments(conn, volunteer_id=volunteer)
    out = []
    for item in items:
        if caller.has_role_in(item["municipality"], *APPLICANT_VIEW_READERS):
            item.pop("open_flags", None)
            item.pop("open_deviations", None)
            out.append(item)
        else:
            out.append({k: item[k] for k in _FOREIGN_SUMMARY})
    return out


def pool_status(kernel: Kernel, caller: Caller, applicant_id) -> dict:
    """What the matching pool holds of one volunteer (status, roles, checks clear until, capacity), for
    staff of their municipality: why someone is, or is not, a candidate."""
    found = kernel.find(canonical_volunteer_id(applicant_id), read_pool.pool_status, "volunteer")
    caller.require(found["municipality"], *APPLICANT_VIEW_READERS)
    return found


def health(kernel: Kernel) -> dict:
    kernel.check_database()
    return {"database": True}
