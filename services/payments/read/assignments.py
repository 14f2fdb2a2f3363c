"""What payments knows of each assignment, from the assignments service's AssignmentStarted and AssignmentEnded:
who the volunteer and the responsible case worker are, the plan's compensation terms (app/plan.py reads them
as payments' Terms), each child's birth date (kontaktfamilj), and when it ended."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.ids import bare_uuid
from services.common.projections import Projection

from .query import row, rows, upsert


def assignment_key(assignment_id: Any) -> str | None:
    """An assignment is named by its uuid here: the assignments service's stream is "assignment-<uuid>", and a
    caller may give either form (docs/contracts.md, "Ids")."""
    return bare_uuid("assignment", assignment_id)


class AssignmentPlans(Projection):
    tables = ("pay_assignments",)

    def on_AssignmentStarted(self, conn, event: Event) -> None:
        d = event.data
        plan = {key: d["plan"][key] for key in ("arvode", "omkostnad", "terms", "frequency_per_month")
                if key in d["plan"]}
        # Each child of a syskonpar, as AssignmentStarted lists them; older shapes named one child only.
        births = list(d.get("client_birth_dates") or [])
        if not births:
            one = (d.get("client_birth_date") or d["plan"].get("client_birth_date")
                   or (d.get("client") or {}).get("birth_date"))
            births = [one] if one else []
        upsert(conn, "pay_assignments", ("assignment_id",), {
            "assignment_id": assignment_key(event.stream_id),
            "municipality": event.municipality or d.get("municipality"), "volunteer_id": d["volunteer_id"],
            "kind": d["insats"], "case_worker_id": d["case_worker_id"], "start_date": d["start_date"],
            "plan": Jsonb(plan), "client_birth_date": births[0] if births else None,
            "client_birth_dates": births, "updated_at": event.recorded_at})

    def on_AssignmentEnded(self, conn, event: Event) -> None:
        conn.execute("UPDATE pay_assignments SET ended_on = %s, updated_at = %s WHERE assignment_id = %s",
                     (event.data["ended_on"], event.recorded_at, assignment_key(event.stream_id)))


def assignment(conn, assignment_id: str) -> dict | None:
    return row(conn, "SELECT * FROM pay_assignments WHERE assignment_id = %s", (assignment_key(assignment_id),))


def assignments(conn, assignment_ids: Iterable[str]) -> dict[str, dict]:
    return {found["assignment_id"]: found for found in rows(
        conn, "SELECT * FROM pay_assignments WHERE assignment_id = ANY(%s)", (list(set(assignment_ids)),))}


def volunteers_going_on(conn, municipality: str, volunteer_ids: Iterable[str], on: date) -> set[str]:
    """The volunteers with an assignment in the municipality not ended before `on`: more pay is to come."""
    return {found[0] for found in conn.execute(
        "SELECT DISTINCT volunteer_id FROM pay_assignments WHERE municipality = %s AND volunteer_id = ANY(%s) "
        "AND (ended_on IS NULL OR ended_on >= %s)", (municipality, list(volunteer_ids), on))}
