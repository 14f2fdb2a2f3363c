"""Every meeting's latest version, in the months it counts in, from the assignments service's MeetingLogged and
MeetingCorrected.

A meeting in a report is named by the event id of its latest version (MeetingLogged, or the MeetingCorrected that
replaced it), so a report approved before a correction no longer matches the month's meetings and the month is
pending again.
"""
from __future__ import annotations

from datetime import date, datetime

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.projections import Projection

from ..domain.calculation import Meeting, previous_month
from ..domain.compensation import meeting_data, meeting_from_data
from ..domain.stays import Stay, half_days
from .assignments import assignment_key
from .query import rows


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def meeting_of(event: Event) -> tuple[Meeting, list[str]]:
    """The payments view of a MeetingLogged / MeetingCorrected, and the months it counts in."""
    d = event.data
    start = datetime.fromisoformat(d["stay_start"]) if d.get("stay_start") else None
    end = datetime.fromisoformat(d["stay_end"]) if d.get("stay_end") else None
    expenses = d.get("expenses") or []
    receipted = [e for e in expenses if e.get("receipt")]
    # Payments reimburses expenses against receipts only; without any receipt the amount is listed as unpaid.
    counted = receipted or expenses
    meeting = Meeting(str(event.event_id), date.fromisoformat(d["on"]), d["status"], start, end,
                      sum(int(e["amount_ore"]) for e in counted), bool(receipted))
    if start is not None and end is not None and end > start:
        months = sorted({_month(h.date) for h in half_days([Stay(meeting.meeting_id, start, end)])})
    else:
        months = [_month(meeting.date)]
    return meeting, months


class Meetings(Projection):
    tables = ("pay_meetings",)

    def on_MeetingLogged(self, conn, event: Event) -> None:
        self._upsert(conn, event, event.data["meeting_id"], corrected=False)

    def on_MeetingCorrected(self, conn, event: Event) -> None:
        self._upsert(conn, event, event.data.get("corrects") or event.data["meeting_id"], corrected=True)

    @staticmethod
    def _upsert(conn, event: Event, meeting_id: str, corrected: bool) -> None:
        meeting, months = meeting_of(event)
        conn.execute(
            "INSERT INTO pay_meetings (meeting_id, assignment_id, version_id, months, meeting, corrections, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (meeting_id) DO UPDATE SET "
            "version_id = excluded.version_id, months = excluded.months, meeting = excluded.meeting, "
            "corrections = pay_meetings.corrections + excluded.corrections, updated_at = excluded.updated_at",
            (meeting_id, assignment_key(event.stream_id), meeting.meeting_id, months, Jsonb(meeting_data(meeting)),
             1 if corrected else 0, event.recorded_at))


def month_meetings(conn, assignment_id: str, month: str) -> list[dict]:
    """The month's meetings as they stand now: {"logged_meeting_id", "meeting_id" (version), meeting data}."""
    found = rows(conn, "SELECT meeting_id, version_id, meeting, corrections FROM pay_meetings "
                       "WHERE assignment_id = %s AND %s = ANY(months) ORDER BY meeting->>'date', version_id",
                 (assignment_id, month))
    return [{**r["meeting"], "logged_meeting_id": r["meeting_id"], "corrected": r["corrections"] > 0} for r in found]


def preceding_stays(conn, assignment_id: str, month: str) -> tuple[Meeting, ...]:
    """The month before's held stays that do not reach into `month` (those are among its own meetings): what a
    kontaktfamilj report needs to count a stay's days across the month's start."""
    this_month = {m["meeting_id"] for m in month_meetings(conn, assignment_id, month)}
    return tuple(meeting_from_data(m) for m in month_meetings(conn, assignment_id, previous_month(month))
                 if m["meeting_id"] not in this_month and m["status"] == "held")
