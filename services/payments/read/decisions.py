"""Every individual decision on an assignment's compensation (ArvodeLevelDecided, OmkostnadExcessApproved): what
a calculation applies in a month, and what case workers, finance and auditors read back."""
from __future__ import annotations

from typing import Iterable

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.projections import Projection

from ..domain.decisions import Decided, decided_from_data
from .query import rows


class Decisions(Projection):
    tables = ("pay_decisions",)

    def on_ArvodeLevelDecided(self, conn, event: Event) -> None:
        self._insert(conn, event)

    def on_OmkostnadExcessApproved(self, conn, event: Event) -> None:
        self._insert(conn, event)

    @staticmethod
    def _insert(conn, event: Event) -> None:
        d = event.data
        conn.execute("INSERT INTO pay_decisions (decision_id, assignment_id, municipality, event_type, from_month, "
                     "to_month, data, decided_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                     (d["decision_id"], d["assignment_id"], d["municipality"], event.event_type, d["from_month"],
                      d["to_month"], Jsonb(d), event.recorded_at))


def decided(conn, assignment_ids: Iterable[str]) -> dict[str, tuple[Decided, ...]]:
    """Each assignment's decisions, in the order decided (domain/decisions.in_force picks a month's)."""
    found: dict[str, list[Decided]] = {}
    for r in conn.execute("SELECT assignment_id, event_type, data FROM pay_decisions WHERE assignment_id = ANY(%s) "
                          "ORDER BY assignment_id, decided_at, decision_id", (list(set(assignment_ids)),)):
        found.setdefault(r[0], []).append(decided_from_data(r[1], r[2]))
    return {assignment: tuple(items) for assignment, items in found.items()}


def decisions(conn, assignment_id: str) -> list[dict]:
    """The assignment's decisions as finance and auditors read them: the event's data, and its type."""
    return [{"type": r["event_type"], **r["data"]} for r in rows(
        conn, "SELECT event_type, data FROM pay_decisions WHERE assignment_id = %s ORDER BY decided_at, decision_id",
        (assignment_id,))]
