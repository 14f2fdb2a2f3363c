"""The client needs (beslut) as case workers read them: one row per need, with the clients' identity, which only
the municipality's case workers see; and the queries over it. See docs/domain.md, "Assignments and meetings".

Nothing here decides who may see what: the service checks the caller first. `need_detail` and `list_needs` leave
out what no reader of theirs may see (the location of a client with skyddad identitet, the whole personnummer in
a list).
"""
from __future__ import annotations

from datetime import date

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.identity import mask_personnummer
from services.common.projections import Projection
from services.common.rows import json_row
from services.common.sweden import age_on, today

from ..domain.assignment import ACTIVE_STATUSES
from ..domain.worklist import NeedRow
from .tables import insert_row

# The columns that hold ClientNeedRegistered's data as it is.
_AS_REGISTERED = ("municipality", "insats", "legal_basis", "decision_date", "period_from", "period_to", "needs",
                  "goals", "interests", "languages", "postnummer", "protected_identity", "frequency_per_month",
                  "frequency_unit", "case_worker_id")


class Needs(Projection):
    tables = ("needs",)

    def on_ClientNeedRegistered(self, conn, event: Event) -> None:
        d = event.data
        insert_row(conn, "needs", {"need_id": event.stream_id, **{name: d[name] for name in _AS_REGISTERED},
                                   "clients": Jsonb(d["clients"]), "status": "open", "registered_by": event.actor,
                                   "registered_at": event.recorded_at, "version": event.stream_version})

    def on_ClientNeedClosed(self, conn, event: Event) -> None:
        conn.execute("UPDATE needs SET status = 'closed', closed_on = %s, close_reason = %s, version = %s "
                     "WHERE need_id = %s",
                     (event.data["closed_on"], event.data["reason"], event.stream_version, event.stream_id))

    def on_AssignmentStarted(self, conn, event: Event) -> None:
        conn.execute("UPDATE needs SET started_on = least(coalesce(started_on, %s::date), %s::date) "
                     "WHERE need_id = %s", (event.data["start_date"], event.data["start_date"],
                                            event.data["need_id"]))


def need_municipality(conn, need_id: str) -> str | None:
    row = conn.execute("SELECT municipality FROM needs WHERE need_id = %s", (need_id,)).fetchone()
    return row[0] if row else None


def need_detail(conn, need_id: str, reader: str | None) -> dict | None:
    """The whole need for a case worker of its municipality; for skyddad identitet the postnummer only for the
    responsible case worker (`reader`)."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM needs WHERE need_id = %s", (need_id,)).fetchone()
        if row is None:
            return None
        assignments = cur.execute(
            "SELECT assignment_id, volunteer_id, status, offered_on, start_date, ended_on FROM assignments "
            "WHERE need_id = %s ORDER BY offered_on, assignment_id", (need_id,)).fetchall()
    out = json_row(row)
    out.pop("version", None)
    out["clients"] = [{**c, "age": _age(c["birth_date"])} for c in row["clients"]]
    if row["protected_identity"] and reader != row["case_worker_id"]:
        out["postnummer"] = None
        out["location_withheld"] = True
    out["assignments"] = [json_row(a) for a in assignments]
    return out


def list_needs(conn, municipality: str, status: str | None, page: int, page_size: int) -> dict:
    """One page of the municipality's needs, newest decision first. Clients by name and masked personnummer; no
    location (that is in the detail, for those who may see it)."""
    where, params = ["municipality = %s"], [municipality]
    if status is not None:
        where.append("status = %s")
        params.append(status)
    condition = " AND ".join(where)
    with conn.cursor(row_factory=dict_row) as cur:
        total = cur.execute(f"SELECT count(*) AS n FROM needs WHERE {condition}", params).fetchone()["n"]
        rows = cur.execute(
            "SELECT n.need_id, n.municipality, n.insats, n.legal_basis, n.decision_date, n.period_from, "
            "n.period_to, n.clients, n.protected_identity, n.frequency_per_month, n.frequency_unit, "
            "n.case_worker_id, n.status, n.closed_on, n.started_on, "
            "(SELECT count(*) FROM assignments a WHERE a.need_id = n.need_id AND a.status = ANY(%s)) AS active "
            f"FROM needs n WHERE {condition} ORDER BY n.decision_date DESC, n.need_id LIMIT %s OFFSET %s",
            [list(ACTIVE_STATUSES), *params, page_size, (page - 1) * page_size]).fetchall()
    items = []
    for row in rows:
        item = json_row(row)
        item["clients"] = [{"name": c["name"], "personnummer": mask_personnummer(c["personnummer"]),
                            "age": _age(c["birth_date"])} for c in row["clients"]]
        items.append(item)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def need_rows(conn, municipality: str) -> list[NeedRow]:
    rows = conn.execute("SELECT need_id, municipality, insats, legal_basis, decision_date, started_on, closed_on "
                        "FROM needs WHERE municipality = %s", (municipality,)).fetchall()
    return [NeedRow(*row) for row in rows]


def _age(birth_date: str) -> int:
    return age_on(date.fromisoformat(birth_date), today())
