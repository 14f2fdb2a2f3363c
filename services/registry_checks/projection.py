"""registry_checks' read side: the `checks` table, fed inline by the service's own events, and the queries over it.

    Checks                 projection: one row per check, in the append's transaction
    check_row / checks_of_applicant / pending_checks_of_applicant / worklist / due_for_expiry    queries
    record_refusal / refused_results (operators: everything) / refused_results_page (admins)   refused results
    health_counts                                                                               for health()

`refused_results` is no projection (a refusal is not an event, and nothing about the check changes): it is written
by the inbound handler and never emptied by a rebuild. Rows come back as JSON-ready dicts (dates as ISO text),
the shape the RPC methods return.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterable

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.projections import Projection
from services.common.rows import json_row

from .domain import EXPIRY_WARNING
from .registers import REGISTERS


class Checks(Projection):
    tables = ("checks",)

    def on_CheckRequested(self, conn, event: Event) -> None:
        d = event.data
        # A renewal reopens the row; the result in force (outcome, valid_until, clear_until) stays until it
        # expires or a new result replaces it.
        conn.execute(
            "INSERT INTO checks (check_id, applicant_id, register, municipality, roles, state, validity_months, "
            "                    requested_at, updated_at, version) "
            "VALUES (%s, %s, %s, %s, %s, 'pending', %s, %s, %s, %s) "
            "ON CONFLICT (check_id) DO UPDATE SET state = 'pending', roles = excluded.roles, "
            "    validity_months = excluded.validity_months, requested_at = excluded.requested_at, "
            "    cancelled_at = NULL, cancel_reason = NULL, expired_on = NULL, "
            "    updated_at = excluded.updated_at, version = excluded.version",
            (d["check_id"], d["applicant_id"], d["register"], d["municipality"], list(d["roles"]),
             d["validity_months"], d["requested_at"], event.recorded_at, event.stream_version))

    def on_CheckCompleted(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "UPDATE checks SET state = 'completed', outcome = %s, valid_until = %s, clear_until = %s, "
            "    register_reference = %s, summary = %s, source = %s, entered_by = %s, completed_at = %s, "
            "    expired_on = NULL, updated_at = %s, version = %s WHERE check_id = %s",
            (d["outcome"], d["valid_until"], d["valid_until"] if d["outcome"] == "clear" else None,
             d["register_reference"], d["summary"], d["source"], d["entered_by"], d["completed_at"],
             event.recorded_at, event.stream_version, d["check_id"]))

    def on_CheckConflictRaised(self, conn, event: Event) -> None:
        d = event.data
        conflict = {"state": "open", "keyed_in": d["keyed_in"], "register_outcome": d["register_outcome"],
                    "register_reference": d["register_reference"], "raised_at": d["raised_at"],
                    "resolved_at": None, "resolved_by": None, "reason": None}
        conn.execute("UPDATE checks SET conflict = %s, updated_at = %s, version = %s WHERE check_id = %s",
                     (Jsonb(conflict), event.recorded_at, event.stream_version, d["check_id"]))

    def on_CheckConflictResolved(self, conn, event: Event) -> None:
        d = event.data
        resolution = {"state": "resolved", "resolved_at": d["resolved_at"], "resolved_by": d["resolved_by"],
                      "reason": d["reason"]}
        conn.execute("UPDATE checks SET conflict = coalesce(conflict, '{}'::jsonb) || %s, updated_at = %s, "
                     "version = %s WHERE check_id = %s",
                     (Jsonb(resolution), event.recorded_at, event.stream_version, d["check_id"]))

    def on_CheckExpired(self, conn, event: Event) -> None:
        d = event.data
        # During a renewal the check stays pending; only the old result ends (as domain.evolve).
        conn.execute(
            "UPDATE checks SET state = CASE WHEN state = 'completed' THEN 'expired' ELSE state END, "
            "    clear_until = NULL, expired_on = %s, updated_at = %s, version = %s WHERE check_id = %s",
            (d["expired_on"], event.recorded_at, event.stream_version, d["check_id"]))

    def on_CheckCancelled(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "UPDATE checks SET state = 'cancelled', cancelled_at = %s, cancel_reason = %s, updated_at = %s, "
            "    version = %s WHERE check_id = %s",
            (d["cancelled_at"], d["reason"], event.recorded_at, event.stream_version, d["check_id"]))


# --------------------------------------------------------------------------------------------- check queries

_CHECK_COLUMNS = ("check_id", "applicant_id", "register", "municipality", "roles", "state", "validity_months",
                  "outcome", "valid_until", "clear_until", "register_reference", "summary", "source", "entered_by",
                  "requested_at", "completed_at", "expired_on", "cancelled_at", "cancel_reason", "conflict",
                  "updated_at", "version")
_SELECT_CHECKS = f"SELECT {', '.join(_CHECK_COLUMNS)} FROM checks"


def _check(row) -> dict:
    check = json_row(dict(zip(_CHECK_COLUMNS, row)))
    register = REGISTERS.get(check["register"])
    check["register_name"] = register.name if register else check["register"]
    check["stream_id"] = f"check-{check['check_id']}"
    return check


def check_row(conn, check_id: str) -> dict | None:
    row = conn.execute(_SELECT_CHECKS + " WHERE check_id = %s", (check_id,)).fetchone()
    return _check(row) if row else None


def checks_of_applicant(conn, applicant_id: str) -> list[dict]:
    """The applicant's checks, in the order recruiters expect the registers (registers.REGISTERS)."""
    rows = conn.execute(_SELECT_CHECKS + " WHERE applicant_id = %s", (applicant_id,)).fetchall()
    order = {register: index for index, register in enumerate(REGISTERS)}
    return sorted((_check(row) for row in rows), key=lambda c: (order.get(c["register"], 99), c["check_id"]))


def pending_checks_of_applicant(conn, applicant_id: str) -> list[dict]:
    rows = conn.execute(_SELECT_CHECKS + " WHERE applicant_id = %s AND state = 'pending' ORDER BY check_id",
                        (applicant_id,)).fetchall()
    return [_check(row) for row in rows]


def worklist(conn, today: date, municipalities: Iterable[str] | None = None) -> list[dict]:
    """Checks whose clear result in force ends within 60 days of `today` (domain.EXPIRY_WARNING), soonest first;
    those already past their last day and waiting for the expiry run are included. `municipalities` None: all."""
    query = _SELECT_CHECKS + " WHERE clear_until IS NOT NULL AND clear_until <= %s"
    params: list[Any] = [today + EXPIRY_WARNING]
    if municipalities is not None:
        query += " AND municipality = ANY(%s)"
        params.append(sorted(municipalities))
    rows = conn.execute(query + " ORDER BY clear_until, municipality, check_id", params).fetchall()
    return [_check(row) for row in rows]


def due_for_expiry(conn, today: date, limit: int = 1000) -> list[tuple[str, str]]:
    """(check_id, municipality) of clear results whose last valid day is before `today`."""
    return [tuple(row) for row in conn.execute(
        "SELECT check_id, municipality FROM checks WHERE clear_until IS NOT NULL AND clear_until < %s "
        "ORDER BY clear_until, check_id LIMIT %s", (today, limit)).fetchall()]


# --------------------------------------------------------------------------------------------- refused results

_REFUSED_COLUMNS = ("id", "received_at", "reason_code", "message", "fields", "register", "check_id",
                    "municipality", "routing_key", "headers", "raw_body")


def _headers_json(headers: dict | None) -> dict:
    """AMQP headers as JSON: values that JSON cannot hold (bytes, dates, decimals) are kept as their text."""
    ready = {}
    for key, value in (headers or {}).items():
        try:
            json.dumps(value)
            ready[str(key)] = value
        except (TypeError, ValueError):
            ready[str(key)] = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return ready


def record_refusal(conn, *, reason_code: str, message: str, fields: Iterable[str] = (), register: str | None = None,
                   check_id: str | None = None, municipality: str | None = None, routing_key: str | None = None,
                   headers: dict | None = None, raw_body: bytes = b"", received_at: datetime | None = None) -> int:
    row = conn.execute(
        "INSERT INTO refused_results (received_at, reason_code, message, fields, register, check_id, municipality, "
        "                             routing_key, headers, raw_body) "
        "VALUES (coalesce(%s, now()), %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (received_at, reason_code, message, list(fields), register, check_id, municipality, routing_key,
         Jsonb(_headers_json(headers)), raw_body)).fetchone()
    return row[0]


def _refused_filters(municipalities: Iterable[str] | None, register: str | None, reason_code: str | None,
                     since: datetime | None) -> tuple[str, list[Any]]:
    where, params = ["true"], []
    for condition, value in (("municipality = ANY(%s)", None if municipalities is None else sorted(municipalities)),
                             ("register = %s", register), ("reason_code = %s", reason_code),
                             ("received_at >= %s", since)):
        if value is not None:
            where.append(condition)
            params.append(value)
    return " AND ".join(where), params


def refused_results(conn, *, limit: int = 100, municipalities: Iterable[str] | None = None,
                    unattributed: bool = False, register: str | None = None, reason_code: str | None = None,
                    since: datetime | None = None) -> list[dict]:
    """Everything kept of each refused result, the raw body and headers included, newest first: for the
    deployment's operators (refused.py), never for a municipality's admins. `municipalities` None: all;
    `unattributed`: only those of no known check (forged, unknown or unreadable, which name no municipality)."""
    condition, params = _refused_filters(municipalities, register, reason_code, since)
    if unattributed:
        condition += " AND municipality IS NULL"
    rows = conn.execute(f"SELECT {', '.join(_REFUSED_COLUMNS)} FROM refused_results WHERE {condition} "
                        "ORDER BY received_at DESC, id DESC LIMIT %s", [*params, limit]).fetchall()
    results = []
    for row in rows:
        result = json_row(dict(zip(_REFUSED_COLUMNS, row)))
        result["raw_body"] = bytes(row[-1]).decode("utf-8", "replace")
        results.append(result)
    return results


# What an admin is shown of a refused result: why, from which register, for which check and when. Not the headers
# or the body, whose summary and reference may hold personal data (docs/register-contract.md).
ADMIN_REFUSED_COLUMNS = ("id", "received_at", "reason_code", "message", "fields", "register", "check_id",
                         "municipality")


def refused_results_page(conn, municipalities: Iterable[str] | None, *, page: int = 1, page_size: int = 50,
                         register: str | None = None, reason_code: str | None = None,
                         since: datetime | None = None) -> dict:
    """One page of the refused results of checks of `municipalities` (None: of every municipality), newest first:
    {"items", "total", "page", "page_size"}. A result that belongs to no known check names no municipality and is
    never among them."""
    condition, params = _refused_filters(municipalities, register, reason_code, since)
    condition += " AND municipality IS NOT NULL"
    total = conn.execute(f"SELECT count(*) FROM refused_results WHERE {condition}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT {', '.join(ADMIN_REFUSED_COLUMNS)} FROM refused_results WHERE {condition} "
        "ORDER BY received_at DESC, id DESC LIMIT %s OFFSET %s", [*params, page_size, (page - 1) * page_size]
    ).fetchall()
    return {"items": [json_row(dict(zip(ADMIN_REFUSED_COLUMNS, row))) for row in rows], "total": total,
            "page": page, "page_size": page_size}


# --------------------------------------------------------------------------------------------- health

def health_counts(conn) -> dict[str, int]:
    """What health() reports of the tables: the kernel's backlog (outbox, dead letters) and the checks'."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM dead_letters), "
        "       (SELECT count(*) FROM checks WHERE state = 'pending'), "
        "       (SELECT count(*) FROM refused_results WHERE received_at > now() - interval '1 day')"
    ).fetchone()
    return dict(zip(("outbox", "dead_letters", "pending_checks", "refused_results_last_day"), row))
