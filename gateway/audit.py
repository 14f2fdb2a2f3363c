"""The audit log: every read or change of personal data by a person, and every attempt refused because it named
another municipality's, append-only (the table's triggers refuse UPDATE, DELETE and TRUNCATE, and the gateway's
database role may only INSERT and SELECT: docs/security.md, "Audit log"), queried by auditors within their own
municipalities.

A row says who (the token's sub, roles and municipalities), when, read, change or refused, which route (its
template, never the query string, which may hold a name) and whose data (the subject's id in its one spelling, and
the municipality whose auditors see the row). No personal data of the subject itself goes in.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from psycopg.types.json import Jsonb

from services.common.roles import Caller
from services.common.sweden import SWEDEN

READ, CHANGE, REFUSED = "read", "change", "refused"
ROWS_PER_INSERT = 1000  # rows the group writer puts in one statement at most

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Access:
    """One subject's data read or changed by one request."""
    action: str  # READ, CHANGE or REFUSED
    subject: str | None
    municipality: str | None  # whose auditors see it: the subject's; for REFUSED, the one the attempt named


@dataclass(frozen=True)
class Entry:
    """What one request read or changed, by whom."""
    caller: Caller
    route: str
    request_id: str
    accesses: list[Access]


def record(conn, caller: Caller, route: str, request_id: str, accesses: list[Access]) -> None:
    """Append one row per access, in `conn`'s transaction (or, on an autocommit connection, in one of its own).
    System callers (the public form) are not persons."""
    record_all(conn, [Entry(caller, route, request_id, accesses)])


def record_all(conn, entries: list[Entry]) -> None:
    """The rows of several requests, in one statement: one JSON document of rows (one call of the json module's C
    encoder, and the same statement text whatever the number, so PostgreSQL keeps it prepared)."""
    rows = [{"actor": entry.caller.actor, "roles": roles, "municipality": municipality,
             "caller_municipalities": municipalities, "action": a.action, "route": entry.route,
             "subject": a.subject, "request_id": entry.request_id}
            for entry in entries if not entry.caller.system
            for roles, municipalities in [(sorted(entry.caller.roles), sorted(entry.caller.municipalities))]
            for a in entry.accesses
            for municipality in _where_seen(entry, a, municipalities)]
    if rows:
        conn.execute(
            "INSERT INTO audit_log (actor, roles, municipality, caller_municipalities, action, route, subject,"
            " request_id) SELECT actor, roles, municipality, caller_municipalities, action, route, subject,"
            " request_id FROM jsonb_to_recordset(%s::jsonb) AS r(actor text, roles text[], municipality text,"
            " caller_municipalities text[], action text, route text, subject text, request_id uuid)",
            (Jsonb(rows),))


def _where_seen(entry: Entry, access: Access, municipalities: list[str]) -> list[str]:
    """The access's municipality; a handler that did not know it is a defect, and its row goes, rather than
    nowhere, to each municipality of the token that made it (where rows without one were shown before)."""
    if access.municipality is not None:
        return [access.municipality]
    log.warning("%s: an access was noted without its municipality; audited in the caller's", entry.route)
    return municipalities


def query(conn, municipalities: frozenset[str], subject: str | None = None, actor: str | None = None,
          since: datetime | None = None, until: datetime | None = None, limit: int = 100) -> list[dict]:
    """Newest first; only the rows of `municipalities`. (Rows written before every row named its municipality,
    migration 0002, count for the municipalities of the token that made them, as they did then.)"""
    conditions = ["(municipality = ANY(%(m)s) OR (municipality IS NULL AND caller_municipalities && %(m)s))"]
    params = {"m": sorted(municipalities), "limit": limit}
    for column, operator, value in (("subject", "=", subject), ("actor", "=", actor),
                                    ("at", ">=", since), ("at", "<", until)):
        if value is not None:
            conditions.append(f"{column} {operator} %({column}{operator})s")
            params[f"{column}{operator}"] = value
    rows = conn.execute(
        "SELECT id, at, actor, roles, caller_municipalities, municipality, action, route, subject, request_id"
        f" FROM audit_log WHERE {' AND '.join(conditions)} ORDER BY at DESC, id DESC LIMIT %(limit)s",
        params).fetchall()
    return [{"id": id_, "at": at.astimezone(SWEDEN).isoformat(), "actor": actor_, "roles": roles,
             "caller_municipalities": callers, "municipality": municipality, "action": action, "route": route,
             "subject": subject_, "request_id": str(request_id)}
            for id_, at, actor_, roles, callers, municipality, action, route, subject_, request_id in rows]
