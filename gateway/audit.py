"""The audit log: every read or change of personal data by a person, append-only (the table's triggers refuse
UPDATE, DELETE and TRUNCATE), queried by auditors within their own municipalities.

A row says who (the token's sub and roles), when, read or change, which route (its template, never the query
string, which may hold a name) and whose data (the subject's id and municipality). No personal data of the
subject itself goes in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from services.common.adapters import Caller

READ, CHANGE = "read", "change"
ROWS_PER_INSERT = 1000
_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s)"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Access:
    """One subject's data read or changed by one request."""
    action: str  # READ or CHANGE
    subject: str | None
    municipality: str | None = None


def record(conn, caller: Caller, route: str, request_id: str, accesses: list[Access]) -> None:
    """Append one row per access, in `conn`'s transaction. System callers (the public form) are not persons."""
    if caller.system or not accesses:
        return
    roles, municipalities = sorted(caller.roles), sorted(caller.municipalities)
    # One statement per ROWS_PER_INSERT subjects (one round trip for any usual request; PostgreSQL takes at most
    # 65,535 parameters in one statement).
    for start in range(0, len(accesses), ROWS_PER_INSERT):
        chunk = accesses[start:start + ROWS_PER_INSERT]
        params = [value for a in chunk
                  for value in (caller.actor, roles, a.municipality, municipalities, a.action, route, a.subject,
                                request_id)]
        conn.execute("INSERT INTO audit_log (actor, roles, municipality, caller_municipalities, action, route,"
                     " subject, request_id) VALUES " + ", ".join([_ROW] * len(chunk)), params)


def query(conn, municipalities: frozenset[str], subject: str | None = None, actor: str | None = None,
          since: datetime | None = None, until: datetime | None = None, limit: int = 100) -> list[dict]:
    """Newest first; only accesses to `municipalities` (an access whose subject's municipality was not known
    counts for the municipalities of the token that made it)."""
    conditions = ["(municipality = ANY(%(m)s) OR (municipality IS NULL AND caller_municipalities && %(m)s))"]
    params = {"m": sorted(municipalities), "limit": limit}
    for column, operator, value in (("subject", "=", subject), ("actor", "=", actor),
                                    ("at", ">=", since), ("at", "<", until)):
        if value is not None:
            conditions.append(f"{column} {operator} %({column}{operator})s")
            params[f"{column}{operator}"] = value
    rows = conn.execute(
        "SELECT id, at, actor, roles, municipality, action, route, subject, request_id FROM audit_log"
        f" WHERE {' AND '.join(conditions)} ORDER BY at DESC, id DESC LIMIT %(limit)s", params).fetchall()
    return [{"id": id_, "at": at.astimezone(STOCKHOLM).isoformat(), "actor": actor_, "roles": roles,
             "municipality": municipality, "action": action, "route": route, "subject": subject_,
             "request_id": str(request_id)}
            for id_, at, actor_, roles, municipality, action, route, subject_, request_id in rows]
