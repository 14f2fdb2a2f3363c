"""The payments service's read side: what it knows of assignments (plans and meetings, from the assignments
service's events), the monthly reports, compensations, payment runs, rates and volunteers' tax details (its own
events), and the queries the service, the run workers and the exports answer from them.

Ids: an assignment is named by its uuid (the assignments service's stream is "assignment-<uuid>";
`assignment_key` accepts either form). A meeting in a report is named by the event id of its latest version
(MeetingLogged, or the MeetingCorrected that replaced it), so a report approved before a correction no longer
matches the month's meetings and the month is pending again.

Personal data: the personnummer and bank account are read by `payroll_personnummer` (the payroll file) and
otherwise returned masked.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.identity import mask_personnummer
from services.common.projections import Projection

from .domain.calculation import Meeting, month_end
from .domain.compensation import meeting_data
from .domain.payment_run import RunItem
from .domain.stays import Stay, half_days
from .domain.tax import TaxProfile, YearToDate
from .domain.tax_details import mask_account

ASSIGNMENT_PREFIX = "assignment-"


def assignment_key(assignment_id: Any) -> str | None:
    if not isinstance(assignment_id, str) or not assignment_id.strip():
        return None
    text = assignment_id.strip()
    return text[len(ASSIGNMENT_PREFIX):] if text.startswith(ASSIGNMENT_PREFIX) else text


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# --- assignments' events into payments' terms ----------------------------------------------------------------

def meeting_of(event: Event) -> tuple[Meeting, list[str]]:
    """The payments view of a MeetingLogged / MeetingCorrected, and the months it counts in."""
    d = event.data
    start = datetime.fromisoformat(d["stay_start"]) if d.get("stay_start") else None
    end = datetime.fromisoformat(d["stay_end"]) if d.get("stay_end") else None
    expenses = d.get("expenses") or []
    receipted = [e for e in expenses if e.get("receipt")]
    # Payments reimburses expenses against receipts only; without any receipt the amount is listed as unpaid.
    counted = receipted or expenses
    meeting = Meeting(str(event.event_id), date.fromisoformat(d["on"]), d["status"], start, end,
                      sum(int(e["amount_ore"]) for e in counted), bool(receipted))
    if start is not None and end is not None and end > start:
        months = sorted({_month(h.date) for h in half_days([Stay(meeting.meeting_id, start, end)])})
    else:
        months = [_month(meeting.date)]
    return meeting, months


# --- projections ---------------------------------------------------------------------------------------------

class AssignmentPlans(Projection):
    """AssignmentStarted / AssignmentEnded: who the volunteer and the responsible case worker are, and the plan's
    compensation terms (runs.terms_of turns them into payments' Terms)."""

    tables = ("pay_assignments",)

    def on_AssignmentStarted(self, conn, event: Event) -> None:
        d = event.data
        plan = {key: d["plan"][key] for key in ("arvode", "omkostnad", "terms", "frequency_per_month")
                if key in d["plan"]}
        birth = ((d.get("client_birth_dates") or [None])[0]  # siblings: the first child's (see runs.py)
                 or d.get("client_birth_date") or d["plan"].get("client_birth_date")
                 or (d.get("client") or {}).get("birth_date"))
        conn.execute(
            "INSERT INTO pay_assignments (assignment_id, municipality, volunteer_id, kind, case_worker_id, "
            "start_date, plan, client_birth_date, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (assignment_id) DO UPDATE SET municipality = excluded.municipality, "
            "volunteer_id = excluded.volunteer_id, kind = excluded.kind, case_worker_id = excluded.case_worker_id, "
            "start_date = excluded.start_date, plan = excluded.plan, client_birth_date = excluded.client_birth_date, "
            "updated_at = excluded.updated_at",
            (assignment_key(event.stream_id), event.municipality or d.get("municipality"), d["volunteer_id"],
             d["insats"], d["case_worker_id"], d["start_date"], Jsonb(plan), birth, event.recorded_at))

    def on_AssignmentEnded(self, conn, event: Event) -> None:
        conn.execute("UPDATE pay_assignments SET ended_on = %s, updated_at = %s WHERE assignment_id = %s",
                     (event.data["ended_on"], event.recorded_at, assignment_key(event.stream_id)))


class Meetings(Projection):
    """Every meeting's latest version, in the months it counts in."""

    tables = ("pay_meetings",)

    def on_MeetingLogged(self, conn, event: Event) -> None:
        self._upsert(conn, event, event.data["meeting_id"], corrected=False)

    def on_MeetingCorrected(self, conn, event: Event) -> None:
        self._upsert(conn, event, event.data.get("corrects") or event.data["meeting_id"], corrected=True)

    @staticmethod
    def _upsert(conn, event: Event, meeting_id: str, corrected: bool) -> None:
        meeting, months = meeting_of(event)
        conn.execute(
            "INSERT INTO pay_meetings (meeting_id, assignment_id, version_id, months, meeting, corrections, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (meeting_id) DO UPDATE SET "
            "version_id = excluded.version_id, months = excluded.months, meeting = excluded.meeting, "
            "corrections = pay_meetings.corrections + excluded.corrections, updated_at = excluded.updated_at",
            (meeting_id, assignment_key(event.stream_id), meeting.meeting_id, months, Jsonb(meeting_data(meeting)),
             1 if corrected else 0, event.recorded_at))


class Reports(Projection):
    """Approved monthly reports, and the revision each month was last calculated on."""

    tables = ("pay_reports",)

    def on_ReportApproved(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO pay_reports (assignment_id, month, municipality, volunteer_id, kind, revision, "
            "meeting_version_ids, approved_by, approved_on) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (assignment_id, month) DO UPDATE SET revision = excluded.revision, "
            "meeting_version_ids = excluded.meeting_version_ids, approved_by = excluded.approved_by, "
            "approved_on = excluded.approved_on",
            (d["assignment_id"], d["month"], d["municipality"], d["volunteer_id"], d["kind"], d["revision"],
             sorted(m["meeting_id"] for m in d["meetings"]), d["approved_by"], d["approved_on"]))

    def on_CompensationCalculated(self, conn, event: Event) -> None:
        d = event.data
        conn.execute("UPDATE pay_reports SET calculated_revision = greatest(calculated_revision, %s) "
                     "WHERE assignment_id = %s AND month = %s", (d["report_revision"], d["assignment_id"], d["month"]))


class Compensations(Projection):
    tables = ("pay_compensations",)

    def on_CompensationCalculated(self, conn, event: Event) -> None:
        d = event.data
        taxable = sum(line["amount_ore"] for line in d["lines"] if line["taxable"])
        deferred = sum(line["employer_contributions_deferred_ore"] for line in d["lines"])
        conn.execute(
            "INSERT INTO pay_compensations (compensation_id, assignment_id, month, municipality, volunteer_id, "
            "kind, sequence, adjustment, paid_in, paid_in_year, payout_ore, taxable_ore, deferred_ore, "
            "catch_up_ore, data, calculated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (d["compensation_id"], d["assignment_id"], d["month"], d["municipality"], d["volunteer_id"], d["kind"],
             d["sequence"], d["adjustment"], d["paid_in"], int(d["paid_in"][:4]), d["totals"]["payout_ore"],
             taxable, deferred, d["employer_contributions_catch_up_ore"], Jsonb(d), event.recorded_at))

    def on_PaymentIssued(self, conn, event: Event) -> None:
        d = event.data
        conn.execute("UPDATE pay_compensations SET paid_run_id = %s, paid_on = %s, paid_event_id = %s "
                     "WHERE compensation_id = %s",
                     (d["run_id"], d["issued_on"], str(event.event_id), d["compensation_id"]))


class Runs(Projection):
    tables = ("pay_runs", "pay_run_items")

    def on_PaymentRunPrepared(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO pay_runs (run_id, municipality, period, status, preparation, prepared_by, prepared_on, "
            "item_count, total_payout_ore) VALUES (%s, %s, %s, 'prepared', %s, %s, %s, %s, %s) "
            "ON CONFLICT (run_id) DO UPDATE SET status = 'prepared', preparation = excluded.preparation, "
            "prepared_by = excluded.prepared_by, prepared_on = excluded.prepared_on, "
            "item_count = excluded.item_count, total_payout_ore = excluded.total_payout_ore",
            (d["run_id"], d["municipality"], d["period"], d["preparation"], d["prepared_by"], d["prepared_on"],
             d["item_count"], d["total_payout_ore"]))
        conn.execute("DELETE FROM pay_run_items WHERE run_id = %s", (d["run_id"],))
        with conn.cursor().copy("COPY pay_run_items (run_id, compensation_id, assignment_id, volunteer_id, month, "
                                "payout_ore) FROM STDIN") as copy:
            for item in d["items"]:
                copy.write_row((d["run_id"], item["compensation_id"], item["assignment_id"], item["volunteer_id"],
                                item["month"], item["payout_ore"]))

    def on_PaymentRunApproved(self, conn, event: Event) -> None:
        d = event.data
        conn.execute("UPDATE pay_runs SET status = 'approved', approved_by = %s, approved_on = %s WHERE run_id = %s",
                     (d["approved_by"], d["approved_on"], d["run_id"]))


class Rates(Projection):
    tables = ("pay_rates",)

    def on_RatesPublished(self, conn, event: Event) -> None:
        d = event.data
        for rate in d["rates"]:
            conn.execute(
                "INSERT INTO pay_rates (event_id, municipality, key, effective_from, value, unit, reason, "
                "published_by, published_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (str(event.event_id), d["municipality"], rate["key"], d["effective_from"], rate["value"],
                 rate["unit"], d["reason"], d["by"], event.recorded_at))


class TaxDetails(Projection):
    tables = ("pay_tax_details", "pay_tax_details_changes")

    def on_TaxDetailsChanged(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO pay_tax_details (municipality, volunteer_id, personnummer, birth_date, withholding_basis, "
            "withholding_percent, bank_account, changed_by, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (municipality, volunteer_id) DO UPDATE SET personnummer = excluded.personnummer, "
            "birth_date = excluded.birth_date, withholding_basis = excluded.withholding_basis, "
            "withholding_percent = excluded.withholding_percent, bank_account = excluded.bank_account, "
            "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            (d["municipality"], d["volunteer_id"], d["personnummer"], d["birth_date"], d["withholding_basis"],
             d["withholding_percent"], None if d.get("bank_account") is None else Jsonb(d["bank_account"]),
             d["changed_by"], event.recorded_at))
        conn.execute(
            "INSERT INTO pay_tax_details_changes (event_id, municipality, volunteer_id, changed_fields, reason, "
            "changed_by, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (str(event.event_id), d["municipality"], d["volunteer_id"], d["changed_fields"], d["reason"],
             d["changed_by"], event.recorded_at))


PROJECTIONS = (AssignmentPlans(), Meetings(), Reports(), Compensations(), Runs(), Rates(), TaxDetails())


# --- queries -------------------------------------------------------------------------------------------------

def _rows(conn, query: str, params: Iterable = ()) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, tuple(params)).fetchall()


def _row(conn, query: str, params: Iterable = ()) -> dict | None:
    rows = _rows(conn, query, params)
    return rows[0] if rows else None


def assignment(conn, assignment_id: str) -> dict | None:
    return _row(conn, "SELECT * FROM pay_assignments WHERE assignment_id = %s", (assignment_key(assignment_id),))


def assignments(conn, assignment_ids: Iterable[str]) -> dict[str, dict]:
    return {row["assignment_id"]: row for row in _rows(
        conn, "SELECT * FROM pay_assignments WHERE assignment_id = ANY(%s)", (list(set(assignment_ids)),))}


def month_meetings(conn, assignment_id: str, month: str) -> list[dict]:
    """The month's meetings as they stand now: {"logged_meeting_id", "meeting_id" (version), meeting data}."""
    rows = _rows(conn, "SELECT meeting_id, version_id, meeting, corrections FROM pay_meetings "
                       "WHERE assignment_id = %s AND %s = ANY(months) ORDER BY meeting->>'date', version_id",
                 (assignment_id, month))
    return [{**row["meeting"], "logged_meeting_id": row["meeting_id"], "corrected": row["corrections"] > 0}
            for row in rows]


def report(conn, assignment_id: str, month: str) -> dict:
    """The month's närvarorapport: the meetings now, and whether that is what was approved."""
    meetings = month_meetings(conn, assignment_id, month)
    approved = _row(conn, "SELECT revision, meeting_version_ids, approved_by, approved_on, calculated_revision "
                          "FROM pay_reports WHERE assignment_id = %s AND month = %s", (assignment_id, month))
    current = sorted(m["meeting_id"] for m in meetings)
    status = "approved" if approved is not None and approved["meeting_version_ids"] == current else "pending"
    return {"assignment_id": assignment_id, "month": month, "status": status, "meetings": meetings,
            "approved_revision": approved["revision"] if approved else None,
            "approved_by": approved["approved_by"] if approved else None,
            "approved_on": approved["approved_on"].isoformat() if approved else None,
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
    rows = _rows(conn, f"""
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
    today = today or date.today()
    for row in rows:
        row["can_be_approved_from"] = month_end(row["month"]).isoformat()
        row["month_over"] = month_end(row["month"]) <= today
        row["changed_since_approval"] = row["approved_revision"] is not None
    return rows


def months_to_calculate(conn, municipality: str, period: str) -> list[dict]:
    """Approved months (up to the run's month) whose latest approval has not been calculated yet."""
    return _rows(conn, "SELECT assignment_id, month, volunteer_id FROM pay_reports "
                       "WHERE municipality = %s AND month <= %s AND calculated_revision < revision "
                       "ORDER BY volunteer_id, month, assignment_id", (municipality, period))


def unpaid_items(conn, municipality: str, period: str) -> tuple[RunItem, ...]:
    """What a run prepared now pays: every calculated, unpaid compensation of months up to the run's month that
    no approved run lists already (that run pays it)."""
    rows = conn.execute(
        "SELECT c.compensation_id, c.assignment_id, c.volunteer_id, c.month, c.payout_ore "
        "FROM pay_compensations c WHERE c.municipality = %s AND c.month <= %s AND c.paid_run_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM pay_run_items i JOIN pay_runs r USING (run_id) "
        "                WHERE i.compensation_id = c.compensation_id AND r.status = 'approved') "
        "ORDER BY c.volunteer_id, c.month, c.compensation_id", (municipality, period)).fetchall()
    return tuple(RunItem(*row) for row in rows)


def tax_profile(conn, municipality: str, volunteer_id: str) -> TaxProfile | None:
    row = conn.execute("SELECT birth_date, withholding_percent, withholding_basis FROM pay_tax_details "
                       "WHERE municipality = %s AND volunteer_id = %s", (municipality, volunteer_id)).fetchone()
    if row is None:
        return None
    return TaxProfile(volunteer_id, row[0], None if row[1] is None else Decimal(row[1]), row[2])


def tax_profiles(conn, municipality: str, volunteer_ids: Iterable[str]) -> dict[str, TaxProfile]:
    rows = conn.execute("SELECT volunteer_id, birth_date, withholding_percent, withholding_basis FROM pay_tax_details "
                        "WHERE municipality = %s AND volunteer_id = ANY(%s)",
                        (municipality, list(volunteer_ids))).fetchall()
    return {row[0]: TaxProfile(row[0], row[1], None if row[2] is None else Decimal(row[2]), row[3]) for row in rows}


def years_to_date(conn, municipality: str, volunteer_ids: Iterable[str], year: int) -> dict[str, YearToDate]:
    """year_to_date of several volunteers in one query."""
    volunteer_ids = list(volunteer_ids)
    found = {row[0]: YearToDate(year, int(row[1]), int(row[2]) - int(row[3])) for row in conn.execute(
        "SELECT volunteer_id, sum(taxable_ore), sum(deferred_ore), sum(catch_up_ore) FROM pay_compensations "
        "WHERE municipality = %s AND volunteer_id = ANY(%s) AND paid_in_year = %s GROUP BY volunteer_id",
        (municipality, volunteer_ids, year))}
    return {volunteer: found.get(volunteer, YearToDate(year)) for volunteer in volunteer_ids}


def year_to_date(conn, municipality: str, volunteer_id: str, year: int) -> YearToDate:
    """The volunteer's taxable compensation calculated for payment in `year`, every assignment in the
    municipality (YearToDate.from_compensations, summed in the database)."""
    taxable, deferred, catch_up = conn.execute(
        "SELECT coalesce(sum(taxable_ore), 0), coalesce(sum(deferred_ore), 0), coalesce(sum(catch_up_ore), 0) "
        "FROM pay_compensations WHERE municipality = %s AND volunteer_id = %s AND paid_in_year = %s",
        (municipality, volunteer_id, year)).fetchone()
    return YearToDate(year, int(taxable), int(deferred) - int(catch_up))


def run(conn, run_id: str) -> dict | None:
    found = _row(conn, "SELECT * FROM pay_runs WHERE run_id = %s", (run_id,))
    if found is None:
        return None
    paid = conn.execute("SELECT count(*), coalesce(sum(payout_ore), 0) FROM pay_compensations "
                        "WHERE paid_run_id = %s", (run_id,)).fetchone()
    return {**_dates(found), "paid_count": paid[0], "paid_payout_ore": int(paid[1]),
            "complete": found["status"] == "approved" and paid[0] == found["item_count"]}


def runs(conn, municipality: str) -> list[dict]:
    return [_dates(row) for row in _rows(conn, "SELECT * FROM pay_runs WHERE municipality = %s ORDER BY period DESC",
                                         (municipality,))]


def paid_in_run(conn, run_id: str) -> list[dict]:
    """The CompensationCalculated data of every compensation the run paid."""
    return [row[0] for row in conn.execute(
        "SELECT data FROM pay_compensations WHERE paid_run_id = %s ORDER BY volunteer_id, month, compensation_id",
        (run_id,))]


def payroll_personnummer(conn, municipality: str, volunteer_ids: Iterable[str]) -> dict[str, str]:
    return dict(conn.execute("SELECT volunteer_id, personnummer FROM pay_tax_details "
                             "WHERE municipality = %s AND volunteer_id = ANY(%s)",
                             (municipality, list(volunteer_ids))).fetchall())


def rate_changes(conn, municipality: str) -> list[dict]:
    return [{**row, "effective_from": row["effective_from"].isoformat(), "published_at": row["published_at"].isoformat()}
            for row in _rows(conn, "SELECT key, effective_from, value, unit, reason, published_by, published_at "
                                   "FROM pay_rates WHERE municipality = %s ORDER BY published_at, key",
                             (municipality,))]


def tax_details(conn, municipality: str, volunteer_id: str) -> dict | None:
    row = _row(conn, "SELECT * FROM pay_tax_details WHERE municipality = %s AND volunteer_id = %s",
               (municipality, volunteer_id))
    if row is None:
        return None
    changes = _rows(conn, "SELECT changed_fields, reason, changed_by, changed_at FROM pay_tax_details_changes "
                          "WHERE municipality = %s AND volunteer_id = %s ORDER BY changed_at",
                    (municipality, volunteer_id))
    return {"municipality": municipality, "volunteer_id": volunteer_id,
            "personnummer": mask_personnummer(row["personnummer"]),
            "withholding_basis": row["withholding_basis"], "withholding_percent": row["withholding_percent"],
            "bank_account": mask_account(row["bank_account"]),
            "changes": [{**c, "changed_at": c["changed_at"].isoformat()} for c in changes]}


def volunteer_payments(conn, volunteer_id: str) -> list[dict]:
    """Every compensation of the volunteer, newest first, with the lines and what they rest on."""
    rows = _rows(conn, "SELECT c.data, c.paid_run_id, c.paid_on FROM pay_compensations c "
                       "WHERE c.volunteer_id = %s ORDER BY c.month DESC, c.compensation_id DESC", (volunteer_id,))
    out = []
    for row in rows:
        d = row["data"]
        out.append({"compensation_id": d["compensation_id"], "assignment_id": d["assignment_id"],
                    "municipality": d["municipality"], "month": d["month"], "kind": d["kind"],
                    "adjustment": d["adjustment"], "paid_in": d["paid_in"],
                    "status": "paid" if row["paid_run_id"] else "calculated",
                    "paid_on": row["paid_on"].isoformat() if row["paid_on"] else None,
                    "lines": d["lines"], "totals": d["totals"], "basis": d["basis"], "warnings": d["warnings"],
                    "tax": d["tax"]})
    return out


def _dates(row: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, (date, datetime)) else value for key, value in row.items()}
