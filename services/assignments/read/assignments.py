"""The assignments as their case workers and volunteers read them: one row per assignment (with its open
deviations, flags and interruptions), its meetings as they now stand, and its timeline; and the queries over them.
See docs/domain.md, "Assignments and meetings".

Nothing here decides who may see what: the service checks the caller first. The functions that shape answers
(`assignment_for_case_worker`, `assignment_for_volunteer`, `list_assignments`) leave out what that reader may not
see.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.projections import Projection
from services.common.rows import json_row

from ..domain.assignment import ACTIVE_STATUSES
from ..domain.worklist import AssignmentRow
from .tables import insert_row

# The columns that hold AssignmentOffered's data as it is.
_AS_OFFERED = ("need_id", "municipality", "volunteer_id", "volunteer_municipality", "insats", "legal_basis",
               "decision_date", "period_from", "period_to", "case_worker_id", "offered_on")


class Assignments(Projection):
    tables = ("assignments", "assignment_meetings", "assignment_timeline")

    def on_AssignmentOffered(self, conn, event: Event) -> None:
        d = event.data
        insert_row(conn, "assignments", {"assignment_id": event.stream_id, **{name: d[name] for name in _AS_OFFERED},
                                         "status": "offered", "client_view": Jsonb(d["client"]),
                                         "version": event.stream_version, "updated_at": event.recorded_at})

    def on_OfferAccepted(self, conn, event: Event) -> None:
        self._set(conn, event, status="accepted", accepted_on=event.data["accepted_on"])

    def on_OfferDeclined(self, conn, event: Event) -> None:
        self._set(conn, event, status="declined", declined_on=event.data["declined_on"],
                  decline_reason=event.data.get("reason"))

    def on_AssignmentStarted(self, conn, event: Event) -> None:
        d = event.data
        self._set(conn, event, status="started", start_date=d["start_date"], case_worker_id=d["case_worker_id"],
                  plan=Jsonb(d["plan"]))

    def on_AssignmentPlanRevised(self, conn, event: Event) -> None:
        d = event.data
        self._timeline(conn, event)
        revision = {"revision": d["revision"], "effective_from": d["effective_from"], "plan": d["plan"],
                    "revised_on": d["revised_on"], "revised_by": event.actor}
        self._set(conn, event, plan=Jsonb(d["plan"]),
                  _sql={"plan_revisions": ("plan_revisions || %s", Jsonb([revision]))})

    def on_MeetingLogged(self, conn, event: Event) -> None:
        d = event.data
        insert_row(conn, "assignment_meetings", {
            "meeting_id": d["meeting_id"], "assignment_id": event.stream_id, "volunteer_id": d["volunteer_id"],
            **_meeting(d), "logged_at": event.recorded_at, "updated_at": event.recorded_at},
            on_conflict="ON CONFLICT DO NOTHING")
        self._set(conn, event)

    def on_MeetingCorrected(self, conn, event: Event) -> None:
        d = event.data
        columns = {**_meeting(d), "updated_at": event.recorded_at}
        conn.execute(f"UPDATE assignment_meetings SET {', '.join(f'{name} = %s' for name in columns)}, "
                     "corrections = corrections + 1 WHERE assignment_id = %s AND meeting_id = %s",
                     (*columns.values(), event.stream_id, d["corrects"]))
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
        insert_row(conn, "assignment_timeline", {
            "event_id": event.event_id, "assignment_id": event.stream_id, "event_type": event.event_type,
            "stream_version": event.stream_version, "actor": event.actor, "data": Jsonb(event.data),
            "recorded_at": event.recorded_at}, on_conflict="ON CONFLICT DO NOTHING")

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


def _meeting(d: dict) -> dict:
    """A meeting's columns as its MeetingLogged or MeetingCorrected data states them (a correction is whole)."""
    return {'"on"': d["on"], "status": d["status"], "minutes": d.get("minutes"), "stay_start": d.get("stay_start"),
            "stay_end": d.get("stay_end"), "dygn": d.get("dygn"), "activity": d["activity"],
            "expenses": Jsonb(d["expenses"]), "note": d.get("note")}


def assignment_header(conn, assignment_id: str) -> dict | None:
    """Who an assignment belongs to: municipality, volunteer_id, volunteer_municipality, case_worker_id, need_id."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT assignment_id, municipality, volunteer_id, volunteer_municipality, case_worker_id, "
                           "need_id, status FROM assignments WHERE assignment_id = %s", (assignment_id,)).fetchone()


def active_assignment_for(conn, need_id: str, volunteer_id: str) -> str | None:
    row = conn.execute("SELECT assignment_id FROM assignments WHERE need_id = %s AND volunteer_id = %s "
                       "AND status <> 'ended' LIMIT 1", (need_id, volunteer_id)).fetchone()
    return row[0] if row else None


def active_assignments_of(conn, volunteer_id: str) -> list[tuple[str, str]]:
    """(assignment_id, municipality) of the volunteer's offered, accepted, started and interrupted assignments."""
    return [tuple(row) for row in conn.execute(
        "SELECT assignment_id, municipality FROM assignments WHERE volunteer_id = %s AND status = ANY(%s) "
        "ORDER BY assignment_id", (volunteer_id, list(ACTIVE_STATUSES))).fetchall()]


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
    out = json_row(row)
    out.pop("version", None)
    out["meetings"] = meetings
    out["timeline"] = [json_row(t) for t in timeline]
    return out


def assignment_for_volunteer(conn, assignment_id: str) -> dict | None:
    """What the volunteer's own assignment needs: the de-identified client view, the plan, their meetings (without
    the notes, which only the case worker reads) and what they reported; no other volunteer, no case notes."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT {_SUMMARY}, period_from, period_to, client_view, plan, plan_revisions, "
                          "interruptions "
                          "FROM assignments WHERE assignment_id = %s", (assignment_id,)).fetchone()
        if row is None:
            return None
        meetings = _meetings(cur, assignment_id, with_notes=False)
    out = json_row(row)
    out.pop("decline_reason", None)
    out["open_flags"] = []  # why the case worker was alerted is the case worker's matter
    out["meetings"] = meetings
    return out


def _meetings(cur, assignment_id: str, with_notes: bool) -> list[dict]:
    columns = ('meeting_id, "on", status, minutes, stay_start, stay_end, dygn, activity, expenses, corrections, '
               "logged_at" + (", note" if with_notes else ""))
    rows = cur.execute(f'SELECT {columns} FROM assignment_meetings WHERE assignment_id = %s ORDER BY "on", logged_at',
                       (assignment_id,)).fetchall()
    return [json_row(r) for r in rows]


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
    return [json_row(r) for r in rows]


def assignment_rows(conn, municipality: str, *, live_only: bool = False) -> list[AssignmentRow]:
    """The municipality's assignments as domain/worklist.py reads them."""
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


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
