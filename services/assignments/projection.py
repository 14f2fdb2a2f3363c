"""The assignments service's read side: the matching pool (from applicants' and registry_checks' events, and the
service's own offers and ends), the client needs, and the assignments with their meetings and timeline; and the
queries the service answers from them.

Ids: needs are "need-<uuid>", assignments "assignment-<uuid>", volunteers the applicant's stream id
"applicant-<uuid>" (the form applicants' events carry). `need_key`, `assignment_key` and `volunteer_key` accept
the bare uuid too.

Nothing here decides who may see what: the service checks the caller, then calls these queries; the functions
that shape answers (`need_detail`, `assignment_for_case_worker`, `assignment_for_volunteer`) leave out what the
reader may not see.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any, Iterable

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.identity import mask_personnummer
from services.common.projections import Projection, update_row
from services.common.sweden import age_on, today

from .domain.volunteer import AVAILABILITY_KINDS, PoolEntry
from .domain.assignment import ACTIVE_STATUSES, ASSIGNMENT_STATUSES  # noqa: F401 (contract)
from .domain.need import NEED_STATUSES, normalise_words  # noqa: F401 (contract)
from .domain.worklist import AssignmentRow, NeedRow



# --- ids ---------------------------------------------------------------------------------------------------

def _key(kind: str, value: Any) -> str | None:
    """'<kind>-<uuid>' from either that form or the bare uuid; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text.startswith(f"{kind}-"):
        text = text[len(kind) + 1:]
    try:
        return f"{kind}-{uuid.UUID(text)}"
    except ValueError:
        return None


def need_key(value: Any) -> str | None:
    return _key("need", value)


def assignment_key(value: Any) -> str | None:
    return _key("assignment", value)


def volunteer_key(value: Any) -> str | None:
    """The applicant's stream id. Applicants' events carry it; the gateway's `sub` for a volunteer may be either."""
    if isinstance(value, str) and value.startswith("applicant-") and _key("applicant", value) is None:
        return value  # an id of another shape, as the events carry it: compared as it is
    return _key("applicant", value)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# --- the matching pool ---------------------------------------------------------------------------------------

class MatchingPool(Projection):
    """Approved volunteers as matching reads them. Check events may arrive before or after the applicant's own
    (they come from another service): checks are kept per check, and folded into the volunteer's row whenever
    either side changes."""

    tables = ("pool_volunteers", "pool_checks")

    def on_ApplicantRegistered(self, conn, event: Event) -> None:
        d = event.data
        volunteer_id = volunteer_key(d["applicant_id"])
        _lock_volunteer(conn, volunteer_id)
        preferences = d.get("preferences") or {}
        address = (d.get("contact") or {}).get("address") or {}
        conn.execute(
            "INSERT INTO pool_volunteers (volunteer_id, municipality, status, name, regional_consent, "
            "max_assignments, age_min, age_max, interests, languages, postnummer, availability, "
            "household_birth_years, updated_at) "
            "VALUES (%s, %s, 'registered', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (volunteer_id) DO NOTHING",
            (volunteer_id, d.get("municipality") or event.municipality,
             f"{d.get('given_name', '')} {d.get('family_name', '')}".strip(),
             bool((d.get("consents") or {}).get("regional_pool")),
             preferences.get("max_assignments") or 1, preferences.get("client_age_min"),
             preferences.get("client_age_max"), list(normalise_words(d.get("interests") or ())),
             list(normalise_words(d.get("languages") or ())), address.get("postnummer"),
             _availability(d.get("availability")),
             [m["birth_year"] for m in d.get("household") or ()], event.recorded_at))
        _fold_checks(conn, volunteer_id)

    def on_ApplicantApproved(self, conn, event: Event) -> None:
        d = event.data
        self._set(conn, event, status="approved", approved_roles=list(d["roles"]),
                  approval_valid_until=d["valid_until"])

    def on_ApplicantRejected(self, conn, event: Event) -> None:
        self._set(conn, event, status="rejected")

    def on_ApplicantWithdrawn(self, conn, event: Event) -> None:
        self._set(conn, event, status="withdrawn")

    def on_AvailabilityChanged(self, conn, event: Event) -> None:
        self._set(conn, event, availability=_availability(event.data["availability"]))

    def on_RegionalConsentChanged(self, conn, event: Event) -> None:
        self._set(conn, event, regional_consent=bool(event.data["regional_pool"]))

    @staticmethod
    def _set(conn, event: Event, **columns: Any) -> None:
        columns["updated_at"] = event.recorded_at
        update_row(conn, "pool_volunteers", "volunteer_id", volunteer_key(event.data["applicant_id"]), columns,
                   also=_NEW_VERSION)

    # registry_checks' events. A clear result stays in force while its check is renewed (requested again),
    # until it expires or a new result replaces it.

    def on_CheckRequested(self, conn, event: Event) -> None:
        self._check(conn, event, "requested", keep_clear=True)

    def on_CheckCompleted(self, conn, event: Event) -> None:
        d = event.data
        clear_until = d["valid_until"] if d["outcome"] == "clear" else None
        self._check(conn, event, "completed", clear_until=clear_until)

    def on_CheckExpired(self, conn, event: Event) -> None:
        self._check(conn, event, "expired")

    def on_CheckCancelled(self, conn, event: Event) -> None:
        self._check(conn, event, "cancelled", keep_clear=True)

    @staticmethod
    def _check(conn, event: Event, state: str, clear_until: str | None = None, keep_clear: bool = False) -> None:
        d = event.data
        volunteer_id = volunteer_key(d["applicant_id"]) or d["applicant_id"]
        _lock_volunteer(conn, volunteer_id)
        clear = "pool_checks.clear_until" if keep_clear else "excluded.clear_until"
        conn.execute(
            "INSERT INTO pool_checks (check_id, volunteer_id, register, state, clear_until, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (check_id) DO UPDATE SET state = excluded.state, "
            f"clear_until = {clear}, updated_at = excluded.updated_at",
            (d["check_id"], volunteer_id, d["register"], state, clear_until, event.recorded_at))
        _fold_checks(conn, volunteer_id)

    # The service's own events: how many places of the volunteer's capacity are taken.

    def on_AssignmentOffered(self, conn, event: Event) -> None:
        conn.execute(f"UPDATE pool_volunteers SET active_assignments = active_assignments + 1, {_NEW_VERSION} "
                     "WHERE volunteer_id = %s", (event.data["volunteer_id"],))

    def on_OfferDeclined(self, conn, event: Event) -> None:
        self._free_a_place(conn, event)

    def on_AssignmentEnded(self, conn, event: Event) -> None:
        self._free_a_place(conn, event)  # only offered, accepted, started or interrupted ones end

    @staticmethod
    def _free_a_place(conn, event: Event) -> None:
        conn.execute("UPDATE pool_volunteers SET active_assignments = greatest(active_assignments - 1, 0), "
                     f"{_NEW_VERSION} WHERE volunteer_id = %s", (event.data["volunteer_id"],))


_NEW_VERSION = "version = nextval('pool_version_seq')"  # on every write: see PoolCache


def _availability(data: dict | None) -> list[str]:
    data = data or {}
    return [kind for kind in AVAILABILITY_KINDS if data.get(kind)]


def _lock_volunteer(conn, volunteer_id: str) -> None:
    """Serialise, per volunteer, the receipts that fold checks into the pool row. Applicants' and registry_checks'
    events come through different queues at once; without this, a fold could read the checks before another
    receipt's check (or the registration itself) commits and leave checks_clear_until stale. Held to the end of
    the inbox's transaction, so each statement after it sees what the one before committed."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('pool:' || %s))", (volunteer_id,))


def _fold_checks(conn, volunteer_id: str) -> None:
    """checks_clear_until: the earliest last-valid day of the live (not cancelled) checks when each has a clear
    result in force; NULL when any has none, or when there are no checks at all."""
    conn.execute(
        "UPDATE pool_volunteers SET checks_clear_until = ("
        "  SELECT CASE WHEN count(*) > 0 AND bool_and(clear_until IS NOT NULL) THEN min(clear_until) END "
        f"  FROM pool_checks WHERE volunteer_id = %s AND state <> 'cancelled'), {_NEW_VERSION} "
        "WHERE volunteer_id = %s", (volunteer_id, volunteer_id))


_POOL_COLUMNS = ("volunteer_id, municipality, approved_roles, checks_clear_until, regional_consent, max_assignments, "
                 "active_assignments, age_min, age_max, interests, languages, postnummer, availability, "
                 "household_birth_years")


def _entry(row) -> PoolEntry:
    return PoolEntry(row[0], row[1], frozenset(row[2]), row[3], row[4], row[5], row[6], row[7], row[8],
                     frozenset(row[9]), frozenset(row[10]), row[11], frozenset(row[12]), tuple(row[13]))


_ELIGIBLE = ("status = 'approved' AND approved_roles @> ARRAY[%s]::text[] AND approval_valid_until >= %s "
             "AND checks_clear_until >= %s AND active_assignments < max_assignments "
             "AND (municipality = %s OR regional_consent)")
_NOT_ASKED = ("NOT EXISTS (SELECT 1 FROM assignments a WHERE a.need_id = %s AND a.volunteer_id = p.volunteer_id "
              "AND a.status <> 'ended')")


def _eligible_where(insats: str, municipality: str, today: date, excluding_need: str | None) -> tuple[str, list]:
    """The rules matching.eligible states, as SQL: approved for the insats and in force, checks clear today,
    capacity left, at home or consenting to the region; and not already asked for `excluding_need` (a live or
    declined assignment for it)."""
    where, params = _ELIGIBLE, [insats, today, today, municipality]
    if excluding_need is not None:
        where += " AND " + _NOT_ASKED
        params.append(excluding_need)
    return where, params


def eligible_entries(conn, insats: str, municipality: str, today: date,
                     excluding_need: str | None = None, cache: "PoolCache | None" = None) -> list[PoolEntry]:
    """The pool for one need, pre-filtered in SQL (see _eligible_where); matching.rank then scores these.

    With a `cache`, only the ids and versions of the eligible rows are read, and whole rows only for those the
    cache does not hold at that version: a pool changes slowly, and building 20,000 PoolEntry objects on every
    request costs more than scoring them."""
    where, params = _eligible_where(insats, municipality, today, excluding_need)
    if cache is None:
        rows = conn.execute(f"SELECT {_POOL_COLUMNS} FROM pool_volunteers p WHERE {where}", params).fetchall()
        return [_entry(row) for row in rows]
    versions = conn.execute(f"SELECT volunteer_id, version FROM pool_volunteers p WHERE {where}", params).fetchall()
    return cache.entries(conn, versions)


class PoolCache:
    """PoolEntry objects by volunteer id, each with the row version it was built from. A row's version changes
    on every write (one sequence, never reset), so an entry whose version matches is exactly the row.

    One per process; not shared between threads (nameko's greenthreads take turns, and a dict operation does
    not yield). At most `max_size` entries: past that it starts afresh."""

    def __init__(self, max_size: int = 250_000):
        self.max_size = max_size
        self._entries: dict[str, tuple[int, PoolEntry]] = {}

    def entries(self, conn, versions: list[tuple[str, int]]) -> list[PoolEntry]:
        held = self._entries
        stale = [volunteer_id for volunteer_id, version in versions
                 if (held.get(volunteer_id) or (None,))[0] != version]
        if stale:
            if len(held) + len(stale) > self.max_size:
                held.clear()
            rows = conn.execute(f"SELECT {_POOL_COLUMNS}, version FROM pool_volunteers WHERE volunteer_id = ANY(%s)",
                                (stale,)).fetchall()
            for row in rows:
                held[row[0]] = (row[-1], _entry(row))
        out = []
        for volunteer_id, _ in versions:
            found = held.get(volunteer_id)
            if found is not None:  # (a row deleted meanwhile: rows are never deleted but by a rebuild)
                out.append(found[1])
        return out

    def __len__(self) -> int:
        return len(self._entries)


def pool_entry(conn, volunteer_id: str, today: date, lock: bool = False) -> PoolEntry | None:
    """One volunteer as matching sees them today; None unless in the pool at all. A volunteer who is not approved
    (or whose approval has run out) has no roles, so matching.ineligibility names why they may not be asked.
    `lock` holds the row to the end of the transaction, so two offers cannot both take the last place."""
    row = conn.execute(
        f"SELECT {_POOL_COLUMNS}, status, approval_valid_until FROM pool_volunteers WHERE volunteer_id = %s"
        + (" FOR UPDATE" if lock else ""), (volunteer_id,)).fetchone()
    if row is None:
        return None
    entry = _entry(row)
    status, valid_until = row[-2], row[-1]
    if status != "approved" or valid_until is None or valid_until < today:
        entry = PoolEntry(**{**_entry_fields(entry), "roles": frozenset()})
    return entry


def _entry_fields(entry: PoolEntry) -> dict:
    return {name: getattr(entry, name) for name in (
        "volunteer_id", "municipality", "roles", "checks_clear_until", "regional_consent", "max_assignments",
        "active_assignments", "age_min", "age_max", "interests", "languages", "postnummer", "availability",
        "household_birth_years")}


def volunteer_names(conn, volunteer_ids: list[str]) -> dict[str, str]:
    rows = conn.execute("SELECT volunteer_id, name FROM pool_volunteers WHERE volunteer_id = ANY(%s)",
                        (volunteer_ids,)).fetchall()
    return dict(rows)


def volunteer_home(conn, volunteer_id: str) -> tuple[str, str] | None:
    """(municipality, status) of a volunteer known to the pool."""
    row = conn.execute("SELECT municipality, status FROM pool_volunteers WHERE volunteer_id = %s",
                       (volunteer_id,)).fetchone()
    return (row[0], row[1]) if row else None


def pool_status(conn, volunteer_id: str) -> dict | None:
    """What the pool holds of one volunteer (for tests and operators): no personal data beyond the id."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "SELECT volunteer_id, municipality, status, approved_roles, approval_valid_until, regional_consent, "
            "max_assignments, active_assignments, checks_clear_until FROM pool_volunteers WHERE volunteer_id = %s",
            (volunteer_id,)).fetchone()
    return _jsonable(row) if row else None


def active_assignments_of(conn, volunteer_id: str) -> list[tuple[str, str]]:
    """(assignment_id, municipality) of the volunteer's offered, accepted, started and interrupted assignments."""
    return [tuple(row) for row in conn.execute(
        "SELECT assignment_id, municipality FROM assignments WHERE volunteer_id = %s AND status = ANY(%s) "
        "ORDER BY assignment_id", (volunteer_id, list(ACTIVE_STATUSES))).fetchall()]


# --- client needs --------------------------------------------------------------------------------------------

class Needs(Projection):
    tables = ("needs",)

    def on_ClientNeedRegistered(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO needs (need_id, municipality, insats, legal_basis, decision_date, period_from, period_to, "
            "clients, needs, goals, interests, languages, postnummer, protected_identity, frequency_per_month, "
            "frequency_unit, case_worker_id, status, registered_by, registered_at, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, %s)",
            (event.stream_id, d["municipality"], d["insats"], d["legal_basis"], d["decision_date"],
             d["period_from"], d["period_to"], Jsonb(d["clients"]), d["needs"], d["goals"], d["interests"],
             d["languages"], d["postnummer"], d["protected_identity"], d["frequency_per_month"],
             d["frequency_unit"], d["case_worker_id"], event.actor, event.recorded_at, event.stream_version))

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
    out = _jsonable(row)
    out.pop("version", None)
    out["clients"] = [{**c, "age": _age(c["birth_date"])} for c in row["clients"]]
    if row["protected_identity"] and reader != row["case_worker_id"]:
        out["postnummer"] = None
        out["location_withheld"] = True
    out["assignments"] = [_jsonable(a) for a in assignments]
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
        item = _jsonable(row)
        item["clients"] = [{"name": c["name"], "personnummer": mask_personnummer(c["personnummer"]), "age": _age(c["birth_date"])}
                           for c in row["clients"]]
        items.append(item)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def need_rows(conn, municipality: str) -> list[NeedRow]:
    rows = conn.execute("SELECT need_id, municipality, insats, legal_basis, decision_date, started_on, closed_on "
                        "FROM needs WHERE municipality = %s", (municipality,)).fetchall()
    return [NeedRow(*row) for row in rows]


def _age(birth_date: str) -> int:
    return age_on(date.fromisoformat(birth_date), today())


# --- assignments ---------------------------------------------------------------------------------------------

class Assignments(Projection):
    tables = ("assignments", "assignment_meetings", "assignment_timeline")

    def on_AssignmentOffered(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            "INSERT INTO assignments (assignment_id, need_id, municipality, volunteer_id, volunteer_municipality, "
            "insats, legal_basis, decision_date, period_from, period_to, case_worker_id, status, offered_on, "
            "client_view, version, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'offered', %s, %s, %s, %s)",
            (event.stream_id, d["need_id"], d["municipality"], d["volunteer_id"], d["volunteer_municipality"],
             d["insats"], d["legal_basis"], d["decision_date"], d["period_from"], d["period_to"],
             d["case_worker_id"], d["offered_on"], Jsonb(d["client"]), event.stream_version, event.recorded_at))

    def on_OfferAccepted(self, conn, event: Event) -> None:
        self._set(conn, event, status="accepted", accepted_on=event.data["accepted_on"])

    def on_OfferDeclined(self, conn, event: Event) -> None:
        self._set(conn, event, status="declined", declined_on=event.data["declined_on"],
                  decline_reason=event.data.get("reason"))

    def on_AssignmentStarted(self, conn, event: Event) -> None:
        d = event.data
        self._set(conn, event, status="started", start_date=d["start_date"], case_worker_id=d["case_worker_id"],
                  plan=Jsonb(d["plan"]))

    def on_MeetingLogged(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            'INSERT INTO assignment_meetings (meeting_id, assignment_id, volunteer_id, "on", status, minutes, '
            "stay_start, stay_end, dygn, activity, expenses, note, logged_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (d["meeting_id"], event.stream_id, d["volunteer_id"], d["on"], d["status"], d.get("minutes"),
             d.get("stay_start"), d.get("stay_end"), d.get("dygn"), d["activity"], Jsonb(d["expenses"]),
             d.get("note"), event.recorded_at, event.recorded_at))
        self._set(conn, event)

    def on_MeetingCorrected(self, conn, event: Event) -> None:
        d = event.data
        conn.execute(
            'UPDATE assignment_meetings SET "on" = %s, status = %s, minutes = %s, stay_start = %s, stay_end = %s, '
            "dygn = %s, activity = %s, expenses = %s, note = %s, corrections = corrections + 1, updated_at = %s "
            "WHERE assignment_id = %s AND meeting_id = %s",
            (d["on"], d["status"], d.get("minutes"), d.get("stay_start"), d.get("stay_end"), d.get("dygn"),
             d["activity"], Jsonb(d["expenses"]), d.get("note"), event.recorded_at, event.stream_id, d["corrects"]))
        self._timeline(conn, event)
        self._set(conn, event)

    def on_DeviationReported(self, conn, event: Event) -> None:
        d = event.data
        self._timeline(conn, event)
        self._set(conn, event, _sql={"open_deviations": ("open_deviations || %s", Jsonb([[d["deviation_id"],
                                                                                         d["reported_on"]]]))})

    def on_SupervisionRecorded(self, conn, event: Event) -> None:
        d = event.data
        self._timeline(conn, event)
        resolved = list(d["resolves"])
        remaining = ("(SELECT coalesce(jsonb_agg(x), '[]'::jsonb) FROM jsonb_array_elements({column}) x "
                     "WHERE NOT (x->>0 = ANY(%s)))")
        sql = {"open_deviations": (remaining.format(column="open_deviations"), resolved),
               "open_flags": (remaining.format(column="open_flags"), resolved)}
        columns = {"last_follow_up_on": d["on"]} if d["kind"] == "follow_up" else {}
        self._set(conn, event, _sql=sql, **columns)

    def on_AssignmentEndRequested(self, conn, event: Event) -> None:
        self._timeline(conn, event)
        self._set(conn, event, end_requested_on=event.data["requested_on"])

    def on_AssignmentEnded(self, conn, event: Event) -> None:
        self._timeline(conn, event)
        self._set(conn, event, status="ended", ended_on=event.data["ended_on"], end_reason=event.data["reason"])

    def on_AssignmentFlagged(self, conn, event: Event) -> None:
        d = event.data
        self._timeline(conn, event)
        self._set(conn, event, _sql={"open_flags": ("open_flags || %s",
                                                    Jsonb([[d["flag_id"], d["reason"], d["flagged_on"]]]))})

    def on_AssignmentInterrupted(self, conn, event: Event) -> None:
        self._timeline(conn, event)
        self._set(conn, event, status="interrupted", _sql={
            "interruptions": ("interruptions || %s", Jsonb([[event.data["interrupted_on"], None]]))})

    def on_AssignmentResumed(self, conn, event: Event) -> None:
        self._timeline(conn, event)
        self._set(conn, event, status="started", _sql={"interruptions": (
            "jsonb_set(interruptions, ARRAY[(jsonb_array_length(interruptions) - 1)::text, '1'], to_jsonb(%s::text))",
            event.data["resumed_on"])})

    @staticmethod
    def _timeline(conn, event: Event) -> None:
        conn.execute("INSERT INTO assignment_timeline (event_id, assignment_id, event_type, stream_version, actor, "
                     "data, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                     (event.event_id, event.stream_id, event.event_type, event.stream_version, event.actor,
                      Jsonb(event.data), event.recorded_at))

    @staticmethod
    def _set(conn, event: Event, _sql: dict[str, tuple[str, Any]] | None = None, **columns: Any) -> None:
        """Set `columns` to values and `_sql` columns to expressions (one parameter each); names are fixed in
        this class, never input."""
        parts, params = [], []
        for name, value in columns.items():
            parts.append(f"{name} = %s")
            params.append(value)
        for name, (expression, value) in (_sql or {}).items():
            parts.append(f"{name} = {expression}")
            params.append(value)
        parts += ["version = %s", "updated_at = %s"]
        params += [event.stream_version, event.recorded_at]
        conn.execute(f"UPDATE assignments SET {', '.join(parts)} WHERE assignment_id = %s",
                     (*params, event.stream_id))


def assignment_header(conn, assignment_id: str) -> dict | None:
    """Who an assignment belongs to: municipality, volunteer_id, volunteer_municipality, case_worker_id, need_id."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT assignment_id, municipality, volunteer_id, volunteer_municipality, case_worker_id, "
                           "need_id, status FROM assignments WHERE assignment_id = %s", (assignment_id,)).fetchone()


def active_assignment_for(conn, need_id: str, volunteer_id: str) -> str | None:
    row = conn.execute("SELECT assignment_id FROM assignments WHERE need_id = %s AND volunteer_id = %s "
                       "AND status <> 'ended' LIMIT 1", (need_id, volunteer_id)).fetchone()
    return row[0] if row else None


_SUMMARY = ("assignment_id, need_id, municipality, volunteer_id, volunteer_municipality, insats, legal_basis, "
            "case_worker_id, status, offered_on, accepted_on, declined_on, start_date, ended_on, end_reason, "
            "end_requested_on, open_deviations, open_flags")


def assignment_for_case_worker(conn, assignment_id: str) -> dict | None:
    """Everything: the plan, meetings with their notes, the timeline with its texts, the volunteer's name."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT a.*, p.name AS volunteer_name FROM assignments a LEFT JOIN pool_volunteers p "
                          "USING (volunteer_id) WHERE a.assignment_id = %s", (assignment_id,)).fetchone()
        if row is None:
            return None
        meetings = _meetings(cur, assignment_id, with_notes=True)
        timeline = cur.execute("SELECT event_type, stream_version, actor, data, recorded_at FROM assignment_timeline "
                               "WHERE assignment_id = %s ORDER BY stream_version", (assignment_id,)).fetchall()
    out = _jsonable(row)
    out.pop("version", None)
    out["meetings"] = meetings
    out["timeline"] = [_jsonable(t) for t in timeline]
    return out


def assignment_for_volunteer(conn, assignment_id: str) -> dict | None:
    """What the volunteer's own assignment needs: the de-identified client view, the plan, their meetings (without
    the notes, which only the case worker reads) and what they reported; no other volunteer, no case notes."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT {_SUMMARY}, period_from, period_to, client_view, plan, interruptions "
                          "FROM assignments WHERE assignment_id = %s", (assignment_id,)).fetchone()
        if row is None:
            return None
        meetings = _meetings(cur, assignment_id, with_notes=False)
    out = _jsonable(row)
    out.pop("decline_reason", None)
    out["open_flags"] = []  # why the case worker was alerted is the case worker's matter
    out["meetings"] = meetings
    return out


def _meetings(cur, assignment_id: str, with_notes: bool) -> list[dict]:
    columns = ('meeting_id, "on", status, minutes, stay_start, stay_end, dygn, activity, expenses, corrections, '
               "logged_at" + (", note" if with_notes else ""))
    rows = cur.execute(f'SELECT {columns} FROM assignment_meetings WHERE assignment_id = %s ORDER BY "on", logged_at',
                       (assignment_id,)).fetchall()
    return [_jsonable(r) for r in rows]


def list_assignments(conn, *, municipality: str | None = None, volunteer_id: str | None = None,
                     statuses: Iterable[str] | None = None, need_id: str | None = None,
                     with_client_view: bool = False) -> list[dict]:
    where, params = [], []
    for column, value in (("municipality", municipality), ("volunteer_id", volunteer_id), ("need_id", need_id)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if statuses is not None:
        where.append("status = ANY(%s)")
        params.append(list(statuses))
    columns = _SUMMARY + (", client_view, plan" if with_client_view else "")
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"SELECT {columns} FROM assignments WHERE {' AND '.join(where) or 'true'} "
                           "ORDER BY offered_on DESC, assignment_id", params).fetchall()
    return [_jsonable(r) for r in rows]


def assignment_rows(conn, municipality: str, *, live_only: bool = False) -> list[AssignmentRow]:
    """The municipality's assignments as worklist.py reads them."""
    condition = "AND status NOT IN ('declined', 'ended')" if live_only else ""
    rows = conn.execute(
        "SELECT assignment_id, need_id, municipality, insats, legal_basis, case_worker_id, volunteer_id, status, "
        "start_date, interruptions, last_follow_up_on, open_deviations, open_flags, end_requested_on, ended_on "
        f"FROM assignments WHERE municipality = %s {condition}", (municipality,)).fetchall()
    return [AssignmentRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
        tuple((_date(start), _date(end)) for start, end in r[9]), r[10],
        tuple((d, _date(on)) for d, on in r[11]), tuple((f, reason, _date(on)) for f, reason, on in r[12]),
        r[13], r[14]) for r in rows]


# --- answers -------------------------------------------------------------------------------------------------

def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """What crosses RPC is JSON: dates as 'YYYY-MM-DD', instants ISO 8601 in UTC, uuids as text."""
    out = {}
    for name, value in row.items():
        if isinstance(value, datetime):
            value = value.astimezone(timezone.utc).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[name] = value
    return out
