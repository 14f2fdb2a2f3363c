"""The matching pool: every applicant the service has heard of, as matching reads them, from applicants' events
(registration, approval, withdrawal, availability, regional consent), registry_checks' events (the register
checks) and the service's own offers and ends (how many places of a volunteer's capacity are taken); and the
queries matching and offers read. See docs/domain.md, "Matching".

Who may be offered a need is domain/eligibility.py; `eligible_where` states the same rule in SQL, to read only
the rows that can pass it (a test checks the two agree).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from psycopg.rows import dict_row

from services.common.envelope import Event
from services.common.projections import Projection, update_row
from services.common.rows import json_row

from ..domain.need import normalise_words
from ..domain.volunteer import AVAILABILITY_KINDS, PoolEntry, canonical_volunteer_id
from .tables import insert_row


def event_volunteer_id(data: dict) -> str | None:
    """The volunteer an applicants' or registry_checks' event is about: their canonical id, or an id of another
    shape as the event carries it (compared as it is)."""
    value = data.get("applicant_id")
    return canonical_volunteer_id(value) or (value if isinstance(value, str) and value else None)


class MatchingPool(Projection):
    """Approved volunteers as matching reads them. Check events may arrive before or after the applicant's own
    (they come from another service): checks are kept per check, and folded into the volunteer's row whenever
    either side changes."""

    tables = ("pool_volunteers", "pool_checks")

    def on_ApplicantRegistered(self, conn, event: Event) -> None:
        d = event.data
        volunteer_id = event_volunteer_id(d)
        _lock_volunteer(conn, volunteer_id)
        preferences = d.get("preferences") or {}
        address = (d.get("contact") or {}).get("address") or {}
        insert_row(conn, "pool_volunteers", {
            "volunteer_id": volunteer_id, "municipality": d.get("municipality") or event.municipality,
            "status": "registered", "name": f"{d.get('given_name', '')} {d.get('family_name', '')}".strip(),
            "regional_consent": bool((d.get("consents") or {}).get("regional_pool")),
            "max_assignments": preferences.get("max_assignments") or 1,
            "age_min": preferences.get("client_age_min"), "age_max": preferences.get("client_age_max"),
            "interests": list(normalise_words(d.get("interests") or ())),
            "languages": list(normalise_words(d.get("languages") or ())), "postnummer": address.get("postnummer"),
            "availability": _availability(d.get("availability")),
            "household_birth_years": [m["birth_year"] for m in d.get("household") or ()],
            "updated_at": event.recorded_at}, on_conflict="ON CONFLICT (volunteer_id) DO NOTHING")
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
        update_row(conn, "pool_volunteers", "volunteer_id", event_volunteer_id(event.data), columns,
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
        volunteer_id = event_volunteer_id(d)
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


POOL_COLUMNS = ("volunteer_id, municipality, approved_roles, checks_clear_until, regional_consent, max_assignments, "
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


def eligible_where(insats: str, municipality: str, today: date, excluding_need: str | None) -> tuple[str, list]:
    """domain/eligibility.py's rule as SQL, on the rows `pool_entry` turns into PoolEntry objects: approved for the
    insats and the approval in force, checks clear today, capacity left, at home or consenting to the region.
    With `excluding_need`, also not already asked for that need (a live or declined assignment for it): the offer
    refuses those too (read/assignments.py, `active_assignment_for`)."""
    where, params = _ELIGIBLE, [insats, today, today, municipality]
    if excluding_need is not None:
        where += " AND " + _NOT_ASKED
        params.append(excluding_need)
    return where, params


def eligible_entries(conn, insats: str, municipality: str, today: date,
                     excluding_need: str | None = None, cache: "PoolCache | None" = None) -> list[PoolEntry]:
    """The pool for one need, pre-filtered in SQL (see eligible_where); domain/matching.py's `rank` then scores
    these.

    With a `cache`, only the ids and versions of the eligible rows are read, and whole rows only for those the
    cache does not hold at that version: a pool changes slowly, and building 20,000 PoolEntry objects on every
    request costs more than scoring them."""
    where, params = eligible_where(insats, municipality, today, excluding_need)
    if cache is None:
        rows = conn.execute(f"SELECT {POOL_COLUMNS} FROM pool_volunteers p WHERE {where}", params).fetchall()
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
            rows = conn.execute(f"SELECT {POOL_COLUMNS}, version FROM pool_volunteers WHERE volunteer_id = ANY(%s)",
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
    (or whose approval has run out) has no roles, so domain/eligibility.py names why they may not be asked.
    `lock` holds the row to the end of the transaction, so two offers cannot both take the last place."""
    row = conn.execute(
        f"SELECT {POOL_COLUMNS}, status, approval_valid_until FROM pool_volunteers WHERE volunteer_id = %s"
        + (" FOR UPDATE" if lock else ""), (volunteer_id,)).fetchone()
    if row is None:
        return None
    entry = _entry(row)
    status, valid_until = row[-2], row[-1]
    if status != "approved" or valid_until is None or valid_until < today:
        entry = replace(entry, roles=frozenset())
    return entry


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
    return json_row(row) if row else None
