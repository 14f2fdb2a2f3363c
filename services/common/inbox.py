"""The inbox: how a service receives another service's events exactly once and in each stream's order.

Every received event is stored by its id (a repeat is dropped) in the same transaction that applies it to the
service's projections and reactions. Events of one stream are applied in version order: one that arrives early is
parked until the versions before it have arrived, then applied with them. Events the service has no use for are
stored and counted as applied all the same, or the next version of their stream would wait forever.
"""
from __future__ import annotations

import contextlib
import logging
import time
import traceback as tb
from dataclasses import dataclass
from typing import Callable, Iterable

from psycopg import OperationalError
from psycopg.types.json import Jsonb

from .envelope import Event, from_wire, to_wire
from .projections import Projection

log = logging.getLogger(__name__)

Reaction = Callable[[object, Event], None]  # (conn, event): may append the service's own events


@dataclass(frozen=True)
class Outcome:
    status: str  # "applied", "parked", "duplicate", "dead_letter" or (not an envelope at all) "malformed"
    applied: int = 0  # how many events this receipt applied (itself and parked successors)


class InboxConflict(Exception):
    """Two different events claim the same version of one stream: the publisher is broken."""


class Inbox:
    def __init__(self, projections: Iterable[Projection] = (), react: Reaction | None = None):
        self.projections = list(projections)
        self.react = react

    def receive(self, conn, event: Event, envelope: dict | None = None) -> Outcome:
        """Store and, where its turn has come, apply one received event; in one transaction of `conn`.
        `envelope` is the event as received, stored as it came (serialising it again costs a consumer dearly).

        The kernel's part is two statements on the common path (store and lock; mark applied and look for a
        parked successor): a consumer's throughput is its round trips to the database.
        """
        source = event.source or "unknown"
        with conn.transaction():
            # Store the event, lock its stream's row (an upsert locks it even when it changes nothing) and read
            # how far the stream is applied; a receipt also clears a dead letter of the same event.
            stored, applied_version, known_applied = conn.execute(
                """WITH stored AS (
                       INSERT INTO inbox (event_id, source, stream_id, stream_version, event_type, envelope)
                       VALUES (%(id)s, %(source)s, %(stream)s, %(version)s, %(type)s, %(envelope)s)
                       ON CONFLICT DO NOTHING RETURNING 1),
                   stream AS (
                       INSERT INTO inbox_streams (source, stream_id, applied_version) VALUES (%(source)s, %(stream)s, 0)
                       ON CONFLICT (source, stream_id) DO UPDATE SET applied_version = inbox_streams.applied_version
                       RETURNING applied_version),
                   cleared AS (DELETE FROM dead_letters WHERE event_id = %(id)s)
                   SELECT EXISTS (SELECT 1 FROM stored), (SELECT applied_version FROM stream),
                          (SELECT applied_seq IS NOT NULL FROM inbox WHERE event_id = %(id)s)""",
                {"id": event.event_id, "source": source, "stream": event.stream_id,
                 "version": event.stream_version, "type": event.event_type,
                 "envelope": Jsonb(envelope if envelope is not None else to_wire(event))}).fetchone()
            if not stored:
                if known_applied is None:  # a copy committed while this statement waited: its snapshot is older
                    row = conn.execute("SELECT applied_seq IS NOT NULL FROM inbox WHERE event_id = %s",
                                       (event.event_id,)).fetchone()
                    known_applied = row[0] if row else None
                if known_applied is None:
                    raise InboxConflict(f"{source} stream {event.stream_id} version {event.stream_version} "
                                        f"already holds another event than {event.event_id}")
                if known_applied:
                    return Outcome("duplicate")
                # Stored but not applied: parked, or dead-lettered while parked. Its turn may have come.
            if event.stream_version != applied_version + 1:
                return Outcome("parked")
            applied = 0
            while event is not None:
                applied += 1
                event = self._apply_and_find_successor(conn, source, event, with_savepoint=applied > 1)
            return Outcome("applied", applied)

    def _apply_and_find_successor(self, conn, source: str, event: Event, with_savepoint: bool) -> Event | None:
        """Apply `event`, advance its stream, and return the parked event waiting for it, if any.

        A parked successor is applied in a savepoint: if it fails it becomes a dead letter and stays parked,
        so it neither takes the blame off, nor undoes, the events before it.
        """
        try:
            with conn.transaction() if with_savepoint else _no_savepoint():
                self.apply(conn, event)
                row = conn.execute(
                    """WITH marked AS (
                           UPDATE inbox SET applied_seq = nextval('kernel_apply_seq') WHERE event_id = %(id)s),
                       advanced AS (
                           UPDATE inbox_streams SET applied_version = %(version)s
                           WHERE source = %(source)s AND stream_id = %(stream)s)
                       SELECT envelope FROM inbox WHERE source = %(source)s AND stream_id = %(stream)s
                          AND stream_version = %(version)s + 1 AND applied_seq IS NULL""",
                    {"id": event.event_id, "source": source, "stream": event.stream_id,
                     "version": event.stream_version}).fetchone()
        except Exception as error:  # noqa: BLE001 - kept as a dead letter, see store_dead_letter
            if not with_savepoint:
                raise  # the event received: its caller retries it, then dead-letters it
            log.error("applying parked %s %s failed: dead letter", event.event_type, event.event_id)
            store_dead_letter(conn, event, error, 1)
            return None
        return from_wire(row[0], source=source) if row else None

    def apply(self, conn, event: Event) -> None:
        for projection in self.projections:
            projection.apply(conn, event)
        if self.react is not None:
            self.react(conn, event)

    # --- failures ------------------------------------------------------------------------------------------

    def receive_with_retries(self, pool, event: Event, *, envelope: dict | None = None,
                             backoff: Iterable[float] = (0.05, 0.2, 1.0),
                             sleep: Callable[[float], None] = time.sleep) -> Outcome:
        """Receive, retrying on any error; after the last retry the event becomes a dead letter with its error.

        Returns normally once the event is applied, parked, a duplicate or dead-lettered: in each case the broker
        message may be acknowledged. Raises when the database cannot be reached (the event is not at fault, so it
        must not become a dead letter), and then the message must go back to the broker.
        """
        delays = list(backoff)
        for attempt in range(1, len(delays) + 2):
            try:
                with pool.connection() as conn:
                    return self.receive(conn, event, envelope)
            except Exception as error:  # noqa: BLE001 - any failure of a handler is retried, then kept
                if isinstance(error, OperationalError) and attempt > len(delays):
                    raise  # the database is unreachable: requeue, do not blame the event
                if attempt <= len(delays):
                    log.warning("receiving %s %s failed (attempt %d), retrying: %s",
                                event.event_type, event.event_id, attempt, type(error).__name__)
                    sleep(delays[attempt - 1])
                    continue
                log.error("receiving %s %s failed %d times: dead letter", event.event_type, event.event_id,
                          attempt)
                with pool.connection() as conn:
                    store_dead_letter(conn, event, error, attempt)
                return Outcome("dead_letter")
        raise AssertionError("unreachable")


def _no_savepoint():
    return contextlib.nullcontext()


def store_dead_letter(conn, event: Event, error: BaseException, attempts: int) -> None:
    # The error's text may quote data (a constraint's detail names values): keep its type and message here,
    # for operators only, never in API answers or logs.
    with conn.transaction():
        conn.execute(
            "INSERT INTO dead_letters (event_id, source, event_type, envelope, error, traceback, attempts) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO UPDATE SET error = excluded.error, "
            "traceback = excluded.traceback, attempts = dead_letters.attempts + excluded.attempts, dead_at = now()",
            (event.event_id, event.source or "unknown", event.event_type, Jsonb(to_wire(event)),
             f"{type(error).__name__}: {error}",
             "".join(tb.format_exception(type(error), error, error.__traceback__)), attempts))


@dataclass(frozen=True)
class DeadLetter:
    event_id: str
    source: str
    event_type: str
    error: str
    attempts: int
    dead_at: str


def list_dead_letters(conn) -> list[DeadLetter]:
    rows = conn.execute("SELECT event_id::text, source, event_type, error, attempts, dead_at::text "
                        "FROM dead_letters ORDER BY dead_at").fetchall()
    return [DeadLetter(*row) for row in rows]


def replay_dead_letters(pool, inbox: Inbox, event_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Receive dead letters again (all, or those named). A success removes the dead letter in the same
    transaction; a failure keeps it with the new error. Returns each event id's outcome."""
    with pool.connection() as conn:
        query = "SELECT event_id::text, source, envelope FROM dead_letters"
        if event_ids is not None:
            rows = conn.execute(query + " WHERE event_id = ANY(%s::uuid[])", (list(event_ids),)).fetchall()
        else:
            rows = conn.execute(query + " ORDER BY dead_at").fetchall()
    outcomes = {}
    for event_id, source, envelope in rows:
        event = from_wire(envelope, source=source)
        try:
            with pool.connection() as conn:
                outcome = inbox.receive(conn, event)
                if outcome.status == "duplicate":  # applied meanwhile, by a redelivery after a fix
                    with conn.transaction():
                        conn.execute("DELETE FROM dead_letters WHERE event_id = %s", (event.event_id,))
            outcomes[event_id] = outcome.status
        except Exception as error:  # noqa: BLE001
            with pool.connection() as conn:
                store_dead_letter(conn, event, error, 1)
            outcomes[event_id] = "failed again"
    return outcomes
