"""Every compensation calculated (CompensationCalculated, the data whole) and whether it is paid (PaymentIssued):
what a run pays, a volunteer's year-to-date for the 1,000 kr rule, and what a volunteer sees of their payments."""
from __future__ import annotations

from typing import Iterable

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.projections import Projection
from services.common.rows import json_value

from ..domain.payment_run import RunItem
from ..domain.tax import YearToDate
from .query import rows


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


def unpaid_items(conn, municipality: str, period: str) -> tuple[RunItem, ...]:
    """What a run prepared now pays: every calculated, unpaid compensation of months up to the run's month that
    no approved run lists already (that run pays it)."""
    found = conn.execute(
        "SELECT c.compensation_id, c.assignment_id, c.volunteer_id, c.month, c.payout_ore "
        "FROM pay_compensations c WHERE c.municipality = %s AND c.month <= %s AND c.paid_run_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM pay_run_items i JOIN pay_runs r USING (run_id) "
        "                WHERE i.compensation_id = c.compensation_id AND r.status = 'approved') "
        "ORDER BY c.volunteer_id, c.month, c.compensation_id", (municipality, period)).fetchall()
    return tuple(RunItem(*item) for item in found)


def years_to_date(conn, municipality: str, volunteer_ids: Iterable[str], period: str) -> dict[str, YearToDate]:
    """Each volunteer's taxable compensation calculated for payment in the year of `period` (YYYY-MM), and in
    `period` itself, every assignment in the municipality (YearToDate.from_compensations, summed in the database)."""
    volunteer_ids, year = list(volunteer_ids), int(period[:4])
    found = {r[0]: YearToDate(year, int(r[1]), int(r[2]) - int(r[3]), period, int(r[4])) for r in conn.execute(
        "SELECT volunteer_id, sum(taxable_ore), sum(deferred_ore), sum(catch_up_ore), "
        "coalesce(sum(taxable_ore) FILTER (WHERE paid_in = %s), 0) FROM pay_compensations "
        "WHERE municipality = %s AND volunteer_id = ANY(%s) AND paid_in_year = %s GROUP BY volunteer_id",
        (period, municipality, volunteer_ids, year))}
    return {volunteer: found.get(volunteer, YearToDate(year, period=period)) for volunteer in volunteer_ids}


def warnings_of(conn, compensation_ids: Iterable[str]) -> list[tuple[str, int]]:
    """The calculations' warnings over these compensations, each with how many have it, most frequent first."""
    return [(r[0], int(r[1])) for r in conn.execute(
        "SELECT w, count(*) FROM pay_compensations c, jsonb_array_elements_text(c.data->'warnings') AS w "
        "WHERE c.compensation_id = ANY(%s) GROUP BY w ORDER BY count(*) DESC, w", (list(compensation_ids),))]


def paid_in_run(conn, run_id: str) -> list[dict]:
    """The CompensationCalculated data of every compensation the run paid."""
    return [r[0] for r in conn.execute(
        "SELECT data FROM pay_compensations WHERE paid_run_id = %s ORDER BY volunteer_id, month, compensation_id",
        (run_id,))]


def volunteer_payments(conn, volunteer_id: str) -> list[dict]:
    """Every compensation of the volunteer, newest first, with the lines and what they rest on."""
    found = rows(conn, "SELECT c.data, c.paid_run_id, c.paid_on FROM pay_compensations c "
                       "WHERE c.volunteer_id = %s ORDER BY c.month DESC, c.compensation_id DESC", (volunteer_id,))
    payments = []
    for r in found:
        d = r["data"]
        payments.append({"compensation_id": d["compensation_id"], "assignment_id": d["assignment_id"],
                         "municipality": d["municipality"], "month": d["month"], "kind": d["kind"],
                         "adjustment": d["adjustment"], "paid_in": d["paid_in"],
                         "status": "paid" if r["paid_run_id"] else "calculated", "paid_on": json_value(r["paid_on"]),
                         "lines": d["lines"], "totals": d["totals"], "basis": d["basis"], "warnings": d["warnings"],
                         "tax": d["tax"]})
    return payments
