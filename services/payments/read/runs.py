"""Payment runs as prepared and approved (PaymentRunPrepared, PaymentRunApproved), with the items each lists."""
from __future__ import annotations

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.projections import Projection
from services.common.rows import json_row

from .query import row, rows, upsert


class Runs(Projection):
    tables = ("pay_runs", "pay_run_items")

    def on_PaymentRunPrepared(self, conn, event: Event) -> None:
        d = event.data
        # Prepared again before approval: the new preparation replaces the old one and its items.
        upsert(conn, "pay_runs", ("run_id",), {
            "run_id": d["run_id"], "municipality": d["municipality"], "period": d["period"], "status": "prepared",
            "preparation": d["preparation"], "prepared_by": d["prepared_by"], "prepared_on": d["prepared_on"],
            "item_count": d["item_count"], "total_payout_ore": d["total_payout_ore"],
            "warnings": Jsonb(d["warnings"])})
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


def run(conn, run_id: str) -> dict | None:
    """The run, with how much of it is paid so far (from the compensations paid by it), and the warnings of its
    items' calculations ({warning, items}: a rate carried forward, a rule not confirmed) for finance to see before
    approving."""
    found = row(conn, "SELECT * FROM pay_runs WHERE run_id = %s", (run_id,))
    if found is None:
        return None
    paid = conn.execute("SELECT count(*), coalesce(sum(payout_ore), 0) FROM pay_compensations "
                        "WHERE paid_run_id = %s", (run_id,)).fetchone()
    return {**json_row(found), "paid_count": paid[0], "paid_payout_ore": int(paid[1]),
            "complete": found["status"] == "approved" and paid[0] == found["item_count"]}


def runs(conn, municipality: str) -> list[dict]:
    return [json_row(r) for r in rows(conn, "SELECT * FROM pay_runs WHERE municipality = %s ORDER BY period DESC",
                                      (municipality,))]


def items_to_pay(conn, run_id: str) -> list[dict]:
    """The run's items not paid yet, one volunteer's together."""
    found = conn.execute(
        "SELECT i.compensation_id, i.assignment_id, i.volunteer_id, i.month FROM pay_run_items i "
        "JOIN pay_compensations c USING (compensation_id) WHERE i.run_id = %s AND c.paid_run_id IS NULL "
        "ORDER BY i.volunteer_id, i.month, i.compensation_id", (run_id,)).fetchall()
    return [{"compensation_id": r[0], "assignment_id": r[1], "volunteer_id": r[2], "month": r[3]} for r in found]
