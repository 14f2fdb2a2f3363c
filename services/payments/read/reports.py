"""The monthly reports (närvarorapporter): which months the responsible case worker approved, with which meetings,
and the revision each month was last calculated on."""
from __future__ import annotations

from datetime import date

from services.common.envelope import Event
from services.common.projections import Projection
from services.common.rows import json_value
from services.common.sweden import today as today_in_sweden

from ..domain.calculation import month_end
from .meetings import month_meetings
from .query import row, rows, upsert


class Reports(Projection):
    tables = ("pay_reports",)

    def on_ReportApproved(self, conn, event: Event) -> None:
        d = event.data
        # A month approved again keeps its calculated_revision: the next run calculates the difference.
        upsert(conn, "pay_reports", ("assignment_id", "month"), {
            "assignment_id": d["assignment_id"], "month": d["month"], "municipality": d["municipality"],
            "volunteer_id": d["volunteer_id"], "kind": d["kind"], "revision": d["revision"],
            "meeting_version_ids": sorted(m["meeting_id"] for m in d["meetings"]),
            "approved_by": d["approved_by"], "approved_on": d["approved_on"]})

    def on_CompensationCalculated(self, conn, event: Event) -> None:
        d = event.data
        conn.execute("UPDATE pay_reports SET calculated_revision = greatest(calculated_revision, %s) "
                     "WHERE assignment_id = %s AND month = %s", (d["report_revision"], d["assignment_id"], d["month"]))


def report(conn, assignment_id: str, month: str) -> dict:
    """The month's närvarorapport: the meetings now, and whether that is what was approved."""
    meetings = month_meetings(conn, assignment_id, month)
    approved = row(conn, "SELECT revision, meeting_version_ids, approved_by, approved_on, calculated_revision "
                         "FROM pay_reports WHERE assignment_id = %s AND month = %s", (assignment_id, month))
    current = sorted(m["meeting_id"] for m in meetings)
    status = "approved" if approved is not None and approved["meeting_version_ids"] == current else "pending"
    return {"assignment_id": assignment_id, "month": month, "status": status, "meetings": meetings,
            "approved_revision": approved["revision"] if approved else None,
            "approved_by": approved["approved_by"] if approved else None,
            "approved_on": json_value(approved["approved_on"]) if approved else None,
            "changed_since_approval": approved is not None and status == "pending"}


def pending_reports(conn, *, municipality: str | None = None, volunteer_id: str | None = None,
                    case_worker_id: str | None = None, today: date | None = None) -> list[dict]:
    """Months whose meetings are not approved as they stand: never approved, or changed since."""
    where, params = [], []
    for column, value in (("a.municipality", municipality), ("a.volunteer_id", volunteer_id),
                          ("a.case_worker_id", case_worker_id)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    found = rows(conn, f"""
        WITH current AS (
            SELECT m.assignment_id, month, array_agg(m.version_id ORDER BY m.version_id) AS ids, count(*) AS meetings
            FROM pay_meetings m, unnest(m.months) AS month GROUP BY m.assignment_id, month),
        months AS (
            SELECT assignment_id, month FROM current
            UNION SELECT assignment_id, month FROM pay_reports)
        SELECT a.assignment_id, a.municipality, a.volunteer_id, a.kind, a.case_worker_id, mo.month,
               coalesce(c.meetings, 0) AS meetings, r.revision AS approved_revision
        FROM months mo JOIN pay_assignments a USING (assignment_id)
        LEFT JOIN current c USING (assignment_id, month)
        LEFT JOIN pay_reports r USING (assignment_id, month)
        WHERE (r.assignment_id IS NULL OR r.meeting_version_ids <> coalesce(c.ids, '{{}}'))
          {"AND " + " AND ".join(where) if where else ""}
        ORDER BY mo.month, a.assignment_id""", params)
    today = today or today_in_sweden()
    for pending in found:
        pending["can_be_approved_from"] = month_end(pending["month"]).isoformat()
        pending["month_over"] = month_end(pending["month"]) <= today
        pending["changed_since_approval"] = pending["approved_revision"] is not None
    return found


def months_to_calculate(conn, municipality: str, period: str) -> list[dict]:
    """Approved months (up to the run's month) whose latest approval has not been calculated yet."""
    return rows(conn, "SELECT assignment_id, month, volunteer_id FROM pay_reports "
                      "WHERE municipality = %s AND month <= %s AND calculated_revision < revision "
                      "ORDER BY volunteer_id, month, assignment_id", (municipality, period))
