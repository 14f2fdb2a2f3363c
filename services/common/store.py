"""The event store: one append-only `events` table per service database, with its outbox and inline projections.

All functions take a psycopg connection and work inside the caller's transaction, so that a command's events,
their outbox rows and the projections' rows commit together or not at all.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Sequence

from psycopg.types.json import Jsonb

from .decider import NewEvent
from .envelope import Event, Metadata, to_wire, upcast
from .projections import Projection

NOTIFY_CHANNEL = "kontakt_outbox"

_COLUMNS = ("event_id, event_type, schema_version, stream_id, stream_type, stream_version, occurred_at, "
            "recorded_at, data, municipality, actor, correlation_id, causation_id")


class ConcurrencyError(Exception):
    """Another writer appended to the stream since the caller read it (HTTP 409 at the gateway)."""

    def __init__(self, stream_id: str, expected: int, actual: int):
        self.stream_id, self.expected, self.actual = stream_id, expected, actual
        super().__init__(f"stream {stream_id} is at version {actual}, the append expected version {expected}")


@dataclass(frozen=True, order=True)
class Position:
    """Where a reader of all events has got to: the writing transaction's id, then the event's position."""

    tx_id: int = 0
    position: int = 0

    def __str__(self) -> str:
        return f"{self.tx_id}:{self.position}"

    @classmethod
    def parse(cls, text: str) -> "Position":
        tx_id, position = text.split(":")
        return cls(int(tx_id), int(position))


START = Position()


def _event_from_row(row: Sequence) -> Event:
    return upcast(Event(*row))


# (event type, data) -> the data other services may see; the store keeps the whole event.
PublishedData = Callable[[str, dict[str, Any]], dict[str, Any]]


class EventStore:
    def __init__(self, service: str, projections: Iterable[Projection] = (),
                 published_data: PublishedData | None = None):
        self.service = service
        self.exchange = f"{service}.events"
        self.projections = list(projections)
        # Data that must not leave the service (a client's identity, a note only the case worker reads) is
        # removed here, before the outbox, so no consumer, queue or broker log ever holds it.
        self.published_data = published_data

    def append(self, conn, stream_id: str, stream_type: str, expected_version: int,
               new_events: Sequence[NewEvent], metadata: Metadata = Metadata()) -> list[Event]:
        """Append after `expected_version` (0 for a new stream); raises ConcurrencyError if the stream moved."""
        if not new_events:
            return []
        current = self.version(conn, stream_id)
        if current != expected_version:
            raise ConcurrencyError(stream_id, expected_version, current)

        now = datetime.now(timezone.utc)
        occurred = metadata.occurred_at or now
        events = [
            Event(event_id=uuid.uuid4(), event_type=e.type, schema_version=e.schema_version,
                  stream_id=stream_id, stream_type=stream_type, stream_version=expected_version + i,
                  occurred_at=occurred, recorded_at=now, data=e.data, municipality=metadata.municipality,
                  actor=metadata.actor, correlation_id=metadata.correlation_id, causation_id=metadata.causation_id)
            for i, e in enumerate(new_events, start=1)
        ]
        rows = [(e.event_id, e.event_type, e.schema_version, e.stream_id, e.stream_type, e.stream_version,
                 e.occurred_at, e.recorded_at, Jsonb(e.data), e.municipality, e.actor, e.correlation_id,
                 e.causation_id) for e in events]
        one = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        outbox = [(e.event_id, e.event_type, Jsonb(to_wire(self.published(e)))) for e in events]
        # One statement: the events, their outbox rows and the relay's wake-up call (delivered at commit, and only
        # then). ON CONFLICT DO NOTHING rather than an error: the transaction stays usable, so the error can name
        # the version the winner reached; the caller's rollback then takes the outbox rows with it.
        values = ", ".join(["(%s::uuid, %s, %s::jsonb)"] * len(outbox))
        inserted, _ = conn.execute(
            f"""WITH inserted AS (
                    INSERT INTO events ({_COLUMNS}) VALUES {', '.join([one] * len(rows))}
                    ON CONFLICT (stream_id, stream_version) DO NOTHING RETURNING event_id),
                outboxed AS (
                    INSERT INTO outbox (event_id, routing_key, body)
                    SELECT o.event_id, o.routing_key, o.body
                    FROM (VALUES {values}) AS o(event_id, routing_key, body)
                    WHERE o.event_id IN (SELECT event_id FROM inserted)),
                notified AS (SELECT pg_notify('{NOTIFY_CHANNEL}', '') WHERE EXISTS (SELECT 1 FROM inserted))
            SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM notified)""",
            [value for row in rows for value in row] + [value for row in outbox for value in row]).fetchone()
        if inserted != len(rows):
            raise ConcurrencyError(stream_id, expected_version, self.version(conn, stream_id))

        for event in events:
            self.project(conn, event)
        return events

    def published(self, event: Event) -> Event:
        if self.published_data is None:
            return event
        return replace(event, data=self.published_data(event.event_type, event.data))

    def project(self, conn, event: Event) -> None:
        for projection in self.projections:
            projection.apply(conn, event)

    @staticmethod
    def version(conn, stream_id: str) -> int:
        row = conn.execute("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = %s",
                           (stream_id,)).fetchone()
        return row[0]

    @staticmethod
    def load(conn, stream_id: str) -> list[Event]:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE stream_id = %s ORDER BY stream_version",
                            (stream_id,)).fetchall()
        return [_event_from_row(row) for row in rows]

    @staticmethod
    def read_all(conn, after: Position = START, limit: int = 1000) -> list[tuple[Position, Event]]:
        """Every event after `after`, in the order transactions were given ids, never skipping one.

        Only events of transactions older than every transaction still running are returned: an event whose
        transaction commits later than a newer one's is read when it commits, not passed over. Transaction ids
        are server-wide, so a transaction left open in any database of the server holds readers back (never
        makes them skip): keep transactions short.
        """
        rows = conn.execute(
            f"SELECT tx_id::text::bigint, position, {_COLUMNS} FROM events "
            "WHERE (tx_id, position) > (%s::text::xid8, %s) "
            "  AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
            "ORDER BY tx_id, position LIMIT %s",
            (after.tx_id, after.position, limit)).fetchall()
        return [(Position(row[0], row[1]), _event_from_row(row[2:])) for row in rows]
