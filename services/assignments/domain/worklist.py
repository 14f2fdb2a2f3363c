"""What the case worker must act on, computed from the read models' rows: pure functions of the rows and a date.

- Decisions not carried out (ej verkställda beslut): a favourable decision (gynnande beslut) not carried out within
  3 months of its date, or whose carrying out was interrupted for 3 months, must be reported to IVO
  (Inspektionen för vård och omsorg), SoL 16 kap. 6 f § and LSS 28 f §. `decisions_not_carried_out` lists them
  per municipality with the dates the report needs; `ivo_csv` exports them.
- Follow-up (uppföljning) of the genomförandeplan is due 6 months after the start or the last follow-up.
- Deviations reported, flags raised when the volunteer left the pool, and requests to end, until dealt with.

The rows carry no names or personnummer: the report identifies the decision by its ids; the case worker's
own view looks the client up.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from services.common.sweden import add_months

from .assignment import Assignment
from .need import ClientNeed

REPORT_AFTER_MONTHS = 3
FOLLOW_UP_MONTHS = 6


@dataclass(frozen=True)
class NeedRow:
    need_id: str
    municipality: str
    insats: str
    legal_basis: str
    decision_date: date
    started_on: date | None = None  # start date of the first assignment started for it
    closed_on: date | None = None


@dataclass(frozen=True)
class AssignmentRow:
    assignment_id: str
    need_id: str
    municipality: str
    insats: str
    legal_basis: str
    case_worker_id: str
    volunteer_id: str
    status: str
    start_date: date | None = None
    interruptions: tuple[tuple[date, date | None], ...] = ()
    last_follow_up_on: date | None = None
    open_deviations: tuple[tuple[str, date], ...] = ()
    open_flags: tuple[tuple[str, str, date], ...] = ()
    end_requested_on: date | None = None
    ended_on: date | None = None


def need_row(need_id: str, need: ClientNeed, started_on: date | None) -> NeedRow:
    return NeedRow(need_id, need.municipality, need.insats, need.legal_basis, need.decision_date,
                   started_on, need.closed_on)


def assignment_row(assignment_id: str, a: Assignment) -> AssignmentRow:
    return AssignmentRow(assignment_id, a.need_id, a.municipality, a.insats, a.legal_basis, a.case_worker_id,
                         a.volunteer_id, a.status, a.start_date, a.interruptions, a.last_follow_up_on,
                         a.open_deviations, a.open_flags, a.end_requested_on, a.ended_on)


# ---- IVO ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IvoRow:
    municipality: str
    kind: str  # not_started | interrupted
    need_id: str
    assignment_id: str | None
    insats: str
    legal_basis: str
    decision_date: date | None  # None only if the need's row is missing
    interrupted_on: date | None
    deadline: date  # the day the 3 months ran out
    carried_out_on: date | None  # started (or resumed) after the deadline
    closed_on: date | None  # closed (or ended) after the deadline without being carried out

    @property
    def status(self) -> str:
        if self.carried_out_on:
            return "carried_out_late"
        if self.closed_on:
            return "closed"
        return "pending"


def _late(deadline: date, done_on: date | None, today: date) -> bool:
    """Reportable once the deadline has passed without the thing being done by then."""
    return today > deadline and (done_on is None or done_on > deadline)


def decisions_not_carried_out(municipality: str, needs, assignments, today: date) -> list[IvoRow]:
    """The municipality's decisions to report to IVO as of `today`, oldest deadline first."""
    rows = []
    for n in needs:
        if n.municipality != municipality:
            continue
        deadline = add_months(n.decision_date, REPORT_AFTER_MONTHS)
        done = n.started_on or n.closed_on  # closing it in time is not a failure to carry it out
        if _late(deadline, done, today):
            rows.append(IvoRow(municipality, "not_started", n.need_id, None, n.insats, n.legal_basis,
                               n.decision_date, None, deadline, n.started_on, None if n.started_on else n.closed_on))
    decisions = {n.need_id: n.decision_date for n in needs}
    for a in assignments:
        if a.municipality != municipality:
            continue
        for start, resumed_on in a.interruptions:
            deadline = add_months(start, REPORT_AFTER_MONTHS)
            ended_on = a.ended_on if resumed_on is None else None
            if _late(deadline, resumed_on or ended_on, today):
                rows.append(IvoRow(municipality, "interrupted", a.need_id, a.assignment_id, a.insats,
                                   a.legal_basis, decisions.get(a.need_id), start, deadline, resumed_on, ended_on))
    return sorted(rows, key=lambda r: (r.deadline, r.need_id, r.assignment_id or ""))


IVO_COLUMNS = ("kommunkod", "typ", "beslut_id", "uppdrag_id", "insats", "lagrum", "beslutsdatum",
               "avbrott_fran", "frist", "verkstallt", "avslutat", "status")
_KIND_SV = {"not_started": "ej verkställt", "interrupted": "avbrott"}


def ivo_csv(rows) -> str:
    """The IVO list as CSV (semicolon-separated, as Swedish spreadsheets open it; dates ISO 8601)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(IVO_COLUMNS)
    for r in rows:
        writer.writerow([r.municipality, _KIND_SV[r.kind], r.need_id, r.assignment_id or "", r.insats,
                         r.legal_basis, _iso(r.decision_date), _iso(r.interrupted_on), _iso(r.deadline),
                         _iso(r.carried_out_on), _iso(r.closed_on), r.status])
    return out.getvalue()


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


# ---- the case worker's worklist -----------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkItem:
    kind: str  # deviation | flag | end_requested | follow_up_due
    assignment_id: str
    need_id: str
    case_worker_id: str
    since: date  # when it arose (for follow_up_due: the start or last follow-up)
    due: date | None = None  # follow_up_due only
    ref: str | None = None  # the deviation's or flag's id (what a supervision `resolves`)
    reason: str | None = None  # a flag's reason: withdrawn | check_expired | consent_revoked

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


def follow_up_due_on(a: AssignmentRow) -> date | None:
    """When the next follow-up of a running assignment is due (None unless it is running)."""
    if a.status not in ("started", "interrupted") or a.start_date is None:
        return None
    return add_months(a.last_follow_up_on or a.start_date, FOLLOW_UP_MONTHS)


def case_worker_items(assignments, today: date, case_worker_id: str | None = None,
                      notice_days: int = 30) -> list[WorkItem]:
    """Open deviations, flags and end requests, and follow-ups due within `notice_days`; oldest first."""
    items = []
    horizon = today + timedelta(days=notice_days)
    for a in assignments:
        if case_worker_id is not None and a.case_worker_id != case_worker_id:
            continue
        if a.status in ("declined", "ended"):
            continue

        def item(kind, since, due=None, ref=None, reason=None):
            items.append(WorkItem(kind, a.assignment_id, a.need_id, a.case_worker_id, since, due, ref, reason))

        for deviation_id, reported_on in a.open_deviations:
            item("deviation", reported_on, ref=deviation_id)
        for flag_id, reason, flagged_on in a.open_flags:
            item("flag", flagged_on, ref=flag_id, reason=reason)
        if a.end_requested_on is not None:
            item("end_requested", a.end_requested_on)
        due = follow_up_due_on(a)
        if due is not None and due <= horizon:
            item("follow_up_due", a.last_follow_up_on or a.start_date, due=due)
    return sorted(items, key=lambda i: (i.due or i.since, i.kind, i.assignment_id, i.ref or ""))
