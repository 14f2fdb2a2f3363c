"""What payments knows of each assignment, from the assignments service's AssignmentStarted and AssignmentEnded:
who the volunteer and the responsible case worker are, and the plan's compensation terms (app/plan.py reads them
as payments' Terms)."""
from __future__ import annotations

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
        birth = ((d.get("client_birth_dates") or [None])[0]  # siblings: the first child's (see app/plan.py)
                 or d.get("client_birth_date") or d["plan"].get("client_birth_date")
                 or (d.get("client") or {}).get("birth_date"))
        upsert(conn, "pay_assignments", ("assignment_id",), {
            "assignment_id": assignment_key(event.stream_id),
            "municipality": event.municipality or d.get("municipality"), "volunteer_id": d["volunteer_id"],
            "kind": d["insats"], "case_worker_id": d["case_worker_id"], "start_date": d["start_date"],
            "plan": Jsonb(plan), "client_birth_date": birth, "updated_at": event.recorded_at})

    def on_AssignmentEnded(self, conn, event: Event) -> None:
        conn.execute("UPDATE pay_assignments SET ended_on = %s, updated_at = %s WHERE assignment_id = %s",
                     (event.data["ended_on"], event.recorded_at, assignment_key(event.stream_id)))


def assignment(conn, assignment_id: str) -> dict | None:
    return row(conn, "SELECT * FROM pay_assignments WHERE assignment_id = %s", (assignment_key(assignment_id),))


def assignments(conn, assignment_ids: Iterable[str]) -> dict[str, dict]:
    return {found["assignment_id"]: found for found in rows(
        conn, "SELECT * FROM pay_assignments WHERE assignment_id = ANY(%s)", (list(set(assignment_ids)),))}
