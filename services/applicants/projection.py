"""The applicants' read side: the list and detail tables, fed by the applicant's own events (inline, in the
append's transaction) and by registry_checks' check events (through the inbox), and the queries the use cases
(app.py) answer from.

Ids: the API names an applicant by its uuid ("applicant_id"); its stream, and the `applicant_id` inside every
event, is "applicant-<uuid>". The tables are keyed by the uuid (services.common.ids; docs/contracts.md, "Ids").

Personal data: the full personnummer is returned by `detail` only; `list_page` masks it.
"""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.identity import mask_personnummer
from services.common.ids import bare_uuid
from services.common.projections import Projection, update_row
from services.common.rows import json_row

from .domain.applicant import ROLES, STREAM_TYPE, reference_of
from .domain.checks import CheckStatus, check_status_after

# Projection status of an applicant (the domain calls "registered" open).
REGISTERED, APPROVED, REJECTED, WITHDRAWN = "registered", "approved", "rejected", "withdrawn"
STATUSES = (REGISTERED, APPROVED, REJECTED, WITHDRAWN)
OPEN_STATUSES = (REGISTERED, APPROVED)  # a second registration of the same person is refused while one is open
MAX_PAGE_SIZE = 200


# What the approval rule reads of a check (CheckStatus, in its field order).
_CHECK_STATUS_COLUMNS = "check_id, register, state, outcome, valid_until, result_source, entered_by, conflict_open"


def _key(applicant_id: Any) -> str | None:
    """The uuid a table row is keyed by, from an event's "applicant-<uuid>"."""
    return bare_uuid(STREAM_TYPE, applicant_id)


class Applicants(Projection):
    tables = ("applicants", "applicant_interviews", "applicant_references", "applicant_checks", "applicant_repeats")

    # --- the applicant's own events ------------------------------------------------------------------------

    def on_ApplicantRegistered(self, conn, event: Event) -> None:
        d = event.data
        key = _key(d["applicant_id"])
        conn.execute(
            "INSERT INTO applicants (applicant_id, stream_id, reference, municipality, status, channel, "
            "registered_on, registered_by, roles, given_name, family_name, personnummer, identity_kind, birth_date, "
            "contact, household, languages, interests, availability, preferences, experience, free_text, "
            "regional_consent, version, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s)",
            (key, event.stream_id, reference_of(key), d["municipality"], REGISTERED, d["channel"],
             d["registered_on"], d.get("by"), list(d["roles"]), d["given_name"], d["family_name"],
             d["personnummer"], d["identity_kind"], d["birth_date"], Jsonb(d["contact"]),
             None if d.get("household") is None else Jsonb(d["household"]), list(d.get("languages", ())),
             list(d.get("interests", ())), Jsonb(d["availability"]), Jsonb(d["preferences"]), d.get("experience"),
             d.get("free_text"), bool(d["consents"]["regional_pool"]), event.stream_version, event.recorded_at))

    def on_RegistrationRepeated(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO applicant_repeats (event_id, applicant_id, repeated_on, channel, receipt, contact, name, "
            "new_roles, recorded_by, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (event.event_id, _key(d["applicant_id"]), d["repeated_on"], d["channel"], d["receipt"],
             None if d["contact"] is None else Jsonb(d["contact"]), None if d["name"] is None else Jsonb(d["name"]),
             list(d["new_roles"]), d.get("by"), event.recorded_at))
        self._touch(conn, event)

    def on_InterviewRecorded(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO applicant_interviews (event_id, applicant_id, interviewed_on, interviewer, home_visit, "
            "notes, recorded_by, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (event.event_id, _key(d["applicant_id"]), d["interviewed_on"], d["interviewer"],
             d["home_visit"], d["notes"], d.get("by"), event.recorded_at))
        self._touch(conn, event)

    def on_ReferenceRecorded(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO applicant_references (event_id, applicant_id, kind, name, contact, outcome, notes, "
            "recorded_by, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (event.event_id, _key(d["applicant_id"]), d["kind"], d["name"], d["contact"], d["outcome"],
             d["notes"], d.get("by"), event.recorded_at))
        self._touch(conn, event)

    def on_ApplicantApproved(self, conn, event: Event) -> None:
        d = event.data
        self._touch(conn, event, status=APPROVED, approved_roles=list(d["roles"]), approved_on=d["approved_on"],
                    approval_valid_until=d["valid_until"], approved_by=d.get("by"), decided_by=d.get("by"))

    def on_ApplicantRejected(self, conn, event: Event) -> None:
        d = event.data
        self._touch(conn, event, status=REJECTED, rejection_reason=d["reason"], decided_by=d.get("by"))

    def on_ApplicantWithdrawn(self, conn, event: Event) -> None:
        d = event.data
        self._touch(conn, event, status=WITHDRAWN, withdrawn_by=d["withdrawn_by"], withdrawal_reason=d["reason"])

    def on_AvailabilityChanged(self, conn, event: Event) -> None:
        self._touch(conn, event, availability=Jsonb(event.data["availability"]))

    def on_RegionalConsentChanged(self, conn, event: Event) -> None:
        self._touch(conn, event, regional_consent=bool(event.data["regional_pool"]))

    @staticmethod
    def _touch(conn, event: Event, **columns: Any) -> None:
        """Set `columns` (fixed names from this class, never input) and the version the row now reflects."""
        columns.update(version=event.stream_version, updated_at=event.recorded_at)
        update_row(conn, "applicants", "applicant_id", _key(event.data["applicant_id"]), columns)

    # --- registry_checks' events (foreign, through the inbox) ----------------------------------------------

    def on_CheckRequested(self, conn, event: Event) -> None:
        self._fold_check(conn, event, requested_at=event.data.get("requested_at"), outcome=None,
                         valid_until=None, completed_at=None, register_reference=None, summary=None,
                         result_source=None, entered_by=None, cancel_reason=None)

    def on_CheckCompleted(self, conn, event: Event) -> None:
        d = event.data
        self._fold_check(conn, event, completed_at=d.get("completed_at"),
                         register_reference=d.get("register_reference"), summary=d.get("summary"),
                         result_source=d.get("source"), entered_by=d.get("entered_by"))

    def on_CheckConflictRaised(self, conn, event: Event) -> None:
        d = event.data
        self._fold_check(conn, event, conflict=Jsonb({
            "state": "open", "keyed_in": d["keyed_in"], "register_outcome": d["register_outcome"],
            "register_reference": d["register_reference"], "raised_at": d["raised_at"],
            "resolved_at": None, "resolved_by": None, "reason": None}))

    def on_CheckConflictResolved(self, conn, event: Event) -> None:
        d = event.data
        row = conn.execute("SELECT conflict FROM applicant_checks WHERE check_id = %s", (d["check_id"],)).fetchone()
        self._fold_check(conn, event, conflict=Jsonb({
            **((row and row[0]) or {}), "state": "resolved", "resolved_at": d["resolved_at"],
            "resolved_by": d["resolved_by"], "reason": d["reason"]}))

    def on_CheckExpired(self, conn, event: Event) -> None:
        self._fold_check(conn, event)

    def on_CheckCancelled(self, conn, event: Event) -> None:
        self._fold_check(conn, event, cancel_reason=event.data.get("reason"))

    @staticmethod
    def _fold_check(conn, event: Event, **details: Any) -> None:
        d = event.data
        row = conn.execute(f"SELECT {_CHECK_STATUS_COLUMNS} FROM applicant_checks "
                           "WHERE check_id = %s", (d["check_id"],)).fetchone()
        status = check_status_after(CheckStatus(*row) if row else None, event.event_type, d)
        columns = {"applicant_id": _key(d["applicant_id"]) or d["applicant_id"],
                   "municipality": d.get("municipality") or event.municipality, "register": status.register,
                   "state": status.state, "outcome": status.outcome, "valid_until": status.valid_until,
                   "conflict_open": status.conflict, **details, "updated_at": event.recorded_at}
        names = ", ".join(columns)
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
        conn.execute(
            f"INSERT INTO applicant_checks (check_id, {names}) VALUES (%s, {', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT (check_id) DO UPDATE SET {updates}",
            (d["check_id"], *columns.values()))


# --- queries ---------------------------------------------------------------------------------------------------

def municipality_of(conn, key: str) -> str | None:
    row = conn.execute("SELECT municipality FROM applicants WHERE applicant_id = %s", (key,)).fetchone()
    return row[0] if row else None


def find_open_registration(conn, municipality: str, personnummer: str) -> str | None:
    """The applicant id of the person's open registration in the municipality (`personnummer` normalised)."""
    row = conn.execute(
        "SELECT applicant_id FROM applicants WHERE municipality = %s AND personnummer = %s "
        "AND status = ANY(%s) ORDER BY registered_on LIMIT 1",
        (municipality, personnummer, list(OPEN_STATUSES))).fetchone()
    return row[0] if row else None


def check_statuses(conn, key: str) -> tuple[CheckStatus, ...]:
    """The applicant's register checks as the approval rule reads them."""
    rows = conn.execute(f"SELECT {_CHECK_STATUS_COLUMNS} FROM applicant_checks "
                        "WHERE applicant_id = %s ORDER BY register, check_id", (key,)).fetchall()
    return tuple(CheckStatus(*row) for row in rows)


def list_page(conn, municipalities: list[str] | None, *, status: str | None = None, role: str | None = None,
              q: str | None = None, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """One page of applicants of `municipalities` (None: all), newest registration first; personnummer masked."""
    errors = {}
    if status is not None and status not in STATUSES:
        errors["status"] = [f"must be one of {', '.join(STATUSES)}"]
    if role is not None and role not in ROLES:
        errors["role"] = [f"must be one of {', '.join(ROLES)}"]
    if q is not None and (not isinstance(q, str) or len(q) > 200):
        errors["q"] = ["text of at most 200 characters"]
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        errors["page"] = ["a whole number from 1"]
    if not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= MAX_PAGE_SIZE:
        errors["page_size"] = [f"a whole number from 1 to {MAX_PAGE_SIZE}"]
    if errors:
        raise ValidationError(errors)

    where, params = ["true"], []
    if municipalities is not None:
        where.append("a.municipality = ANY(%s)")
        params.append(list(municipalities))
    if status is not None:
        where.append("a.status = %s")
        params.append(status)
    if role is not None:
        where.append("a.roles @> ARRAY[%s]::text[]")
        params.append(role)
    if q and q.strip():
        pattern = "%" + _escape_like(" ".join(q.split())) + "%"
        # A repeat's sender quotes the receipt they were given: it finds the registration it was recorded on.
        where.append("(a.given_name || ' ' || a.family_name ILIKE %s OR a.family_name || ' ' || a.given_name "
                     "ILIKE %s OR a.reference ILIKE %s OR EXISTS (SELECT 1 FROM applicant_repeats r "
                     "WHERE r.applicant_id = a.applicant_id AND r.receipt ILIKE %s))")
        params += [pattern, pattern, pattern, pattern]
    condition = " AND ".join(where)

    with conn.cursor(row_factory=dict_row) as cur:
        total = cur.execute(f"SELECT count(*) AS n FROM applicants a WHERE {condition}", params).fetchone()["n"]
        rows = cur.execute(
            f"SELECT a.applicant_id, a.reference, a.municipality, a.status, a.channel, a.registered_on, a.roles, "
            f"a.approved_roles, a.approval_valid_until, a.given_name, a.family_name, a.personnummer, "
            f"a.availability, a.regional_consent, a.updated_at, "
            f"(SELECT count(*) FROM applicant_interviews i WHERE i.applicant_id = a.applicant_id) "
            f"AS interview_count, "
            f"(SELECT count(*) FROM applicant_references r WHERE r.applicant_id = a.applicant_id) "
            f"AS reference_count "
            f"FROM applicants a WHERE {condition} "
            f"ORDER BY a.registered_on DESC, a.family_name, a.given_name, a.applicant_id LIMIT %s OFFSET %s",
            [*params, page_size, (page - 1) * page_size]).fetchall()
        checks = _checks_of(cur, [row["applicant_id"] for row in rows], full=False)
    items = []
    for row in rows:
        item = json_row(row)
        item["name"] = f"{row['given_name']} {row['family_name']}"
        item["personnummer"] = mask_personnummer(row["personnummer"])
        item["checks"] = checks.get(row["applicant_id"], [])
        items.append(item)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def detail(conn, key: str) -> dict[str, Any] | None:
    """Everything known of one applicant, the full personnummer included; None if there is no such applicant."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM applicants WHERE applicant_id = %s", (key,)).fetchone()
        if row is None:
            return None
        interviews = cur.execute(
            "SELECT interviewed_on, interviewer, home_visit, notes, recorded_by, recorded_at "
            "FROM applicant_interviews WHERE applicant_id = %s ORDER BY interviewed_on, recorded_at",
            (key,)).fetchall()
        references = cur.execute(
            "SELECT kind, name, contact, outcome, notes, recorded_by, recorded_at "
            "FROM applicant_references WHERE applicant_id = %s ORDER BY recorded_at", (key,)).fetchall()
        checks = _checks_of(cur, [key], full=True).get(key, [])
        repeats = cur.execute(
            "SELECT repeated_on, channel, receipt, contact, name, new_roles, recorded_by, recorded_at "
            "FROM applicant_repeats WHERE applicant_id = %s ORDER BY recorded_at", (key,)).fetchall()
    result = json_row(row)
    result["name"] = f"{row['given_name']} {row['family_name']}"
    result["consents"] = {"personal_data": True, "regional_pool": row["regional_consent"]}
    result["interviews"] = [json_row(r) for r in interviews]
    result["references"] = [json_row(r) for r in references]
    result["checks"] = checks
    result["repeats"] = [json_row(r) for r in repeats]
    return result


def _checks_of(cur, keys: list[str], *, full: bool) -> dict[str, list[dict[str, Any]]]:
    if not keys:
        return {}
    columns = "check_id, register, state, outcome, valid_until, updated_at"
    if full:
        columns += (", requested_at, completed_at, register_reference, summary, result_source, entered_by, "
                    "cancel_reason, conflict")
    rows = cur.execute(f"SELECT applicant_id, {columns} FROM applicant_checks WHERE applicant_id = ANY(%s) "
                       "ORDER BY register, check_id", (keys,)).fetchall()
    by_applicant: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_applicant.setdefault(row.pop("applicant_id"), []).append(json_row(row))
    return by_applicant


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
