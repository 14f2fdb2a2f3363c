"""The inbox: how a service receives another service's events exactly once and in each stream's order.

Every received event is stored by its id (a repeat is dropped) in the same transaction that applies it to the
service's projections and reactions. Events of one stream are applied in version order: one that arrives early is
parked until the versions before it have arrived, then applied with them. Events the service has no use for are
stored and counted as applied all the same, or the next version of their stream would wait forever.
"""
from __future__ import annotations

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

# Seconds to wait before each retry of a failed receipt; after the last, the event becomes a dead letter.
RETRY_BACKOFF = (0.05, 0.2, 1.0)


def source_of(event: Event) -> str:
    """The publishing service, as the inbox keeps it ("unknown" for an event nobody said the source of)."""
    return event.source or "unknown"


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
        """Receive one event: a batch of one. `envelope` is the event as received, stored as it came
        (serialising it again costs a consumer dearly)."""
        return self.receive_all(conn, [(event, envelope)])[0]

    def receive_all(self, conn, received: list[tuple[Event, dict | None]]) -> list[Outcome]:
        """Receive events, in order, in one transaction of `conn`: all of them or, if one fails, none.

        A consumer's throughput is its round trips to the database: the kernel's part here is two statements
        whatever the batch's size, on the common path (store all, lock their streams and read what is parked
        there; mark what was applied, advance the streams and look for parked successors). No savepoint per
        event (each would cost two round trips): when one fails, the caller rolls the batch back and receives
        its events one by one, so that only the failing one is retried and blamed.
        """
        if not received:
            return []
        with conn.transaction():
            return _Receipt(self, conn, received).receive()

    def apply(self, conn, event: Event) -> None:
        for projection in self.projections:
            projection.apply(conn, event)
        if self.react is not None:
            self.react(conn, event)

    # --- failures ------------------------------------------------------------------------------------------

    def receive_with_retries(self, pool, event: Event, *, envelope: dict | None = None,
                             backoff: Iterable[float] = RETRY_BACKOFF,
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

    def receive_batch(self, pool, received: list[tuple[Event, dict | None]], *,
                      backoff: Iterable[float] = RETRY_BACKOFF,
                      sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
        """Receive a batch in one transaction; if that fails, each of its events on its own, with retries and
        dead letters (receive_with_retries). Raises, as that does, only when the database cannot be reached."""
        if len(received) > 1:
            try:
                with pool.connection() as conn:
                    return self.receive_all(conn, received)
            except Exception as error:  # noqa: BLE001 - which event failed is found one by one below
                log.warning("a batch of %d events failed (%s): receiving them one by one", len(received),
                            type(error).__name__)
        return [self.receive_with_retries(pool, event, envelope=envelope, backoff=backoff, sleep=sleep)
                for event, envelope in received]


Stream = tuple[str, str]  # (source, stream id)


class _Receipt:
    """One receipt of events, in arrival order, in one transaction; the kernel's reads and writes are done for
    all of them at once.

    Each event is stored by its id (a repeat is a duplicate). One whose stream is applied up to the version
    before it is applied, and with it every waiting event it lets through; any other is parked. Events wait
    in `waiting`: those parked earlier in this receipt, and those earlier receipts parked, read by the statement
    that locks the streams. That statement reads as of its start, so what a receipt parked and committed while
    this one waited for a lock is found later, when the applied events are marked.
    """

    def __init__(self, inbox: Inbox, conn, received: list[tuple[Event, dict | None]]):
        self.inbox, self.conn, self.received = inbox, conn, received
        self.applied_version: dict[Stream, int] = {}
        self.waiting: dict[tuple[str, str, int], Event] = {}
        self.applied: set[str] = set()
        self.unmarked: list[str] = []  # applied, in the order applied, not yet marked as applied
        self.advanced: dict[Stream, int] = {}  # streams advanced since they were last marked, to which version
        self.dead: set[str] = set()  # waiting events dead-lettered by this receipt: not tried again in it
        self.deferred: list[Event] = []  # applied in order, not yet given to the projections
        self.in_batch = {str(event.event_id) for event, _ in received}
        # For each stream, the outcome of the event whose receipt let its last applied events through.
        self.letting_through: dict[Stream, int] = {}

    def receive(self) -> list[Outcome]:
        stored, known_applied = self._store_and_lock()
        statuses, counts, seen = [], [0] * len(self.received), set()
        for index, (event, _) in enumerate(self.received):
            source, event_id = source_of(event), str(event.event_id)
            if event_id in seen or not stored[event_id]:
                if event_id not in seen and known_applied.get(event_id) is None:
                    raise InboxConflict(f"{source} stream {event.stream_id} version {event.stream_version} "
                                        f"already holds another event than {event.event_id}")
                if event_id in self.applied or known_applied.get(event_id):
                    statuses.append("duplicate")
                    continue
                # Stored but not applied: parked, or dead-lettered while parked. Its turn may have come.
            seen.add(event_id)
            stream = (source, event.stream_id)
            if event.stream_version != self.applied_version[stream] + 1:
                self.waiting[(source, event.stream_id, event.stream_version)] = event
                statuses.append("parked")
                continue
            statuses.append("applied")
            self.letting_through[stream] = index
            counts[index] = self._apply_with_successors(stream, event)
        # Parked by a receipt that committed while this one waited for a lock: too late for the first read.
        while successors := self._mark_applied():
            for event in successors:
                stream = (event.source, event.stream_id)
                counts[self.letting_through[stream]] += self._apply_with_successors(stream, event, waited=True)
        return [Outcome(status, count) for status, count in zip(statuses, counts)]

    def _store_and_lock(self) -> tuple[dict[str, bool], dict[str, bool | None]]:
        """Store every event (a repeat is not stored again), lock their streams' rows in one order (so that two
        receipts never wait for each other's locks crosswise), read how far each stream is applied and which of
        its events are parked."""
        # One JSON document for the whole batch: dumping it is one call of the json module's C encoder, where
        # arrays of jsonb are quoted element by element in Python.
        batch = Jsonb([{"event_id": str(e.event_id), "source": source_of(e), "stream_id": e.stream_id,
                        "stream_version": e.stream_version, "event_type": e.event_type,
                        "envelope": envelope if envelope is not None else to_wire(e)}
                       for e, envelope in self.received])
        rows = self.conn.execute(
            """WITH batch AS (
                   SELECT (b->>'event_id')::uuid AS event_id, b->>'source' AS source, b->>'stream_id' AS stream_id,
                          (b->>'stream_version')::int AS stream_version, b->>'event_type' AS event_type,
                          b->'envelope' AS envelope, ord
                   FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS a(b, ord)),
               stored AS (
                   INSERT INTO inbox (event_id, source, stream_id, stream_version, event_type, envelope)
                   SELECT DISTINCT ON (event_id) event_id, source, stream_id, stream_version, event_type, envelope
                   FROM batch ORDER BY event_id, ord
                   ON CONFLICT DO NOTHING RETURNING event_id),
               streams AS (
                   INSERT INTO inbox_streams (source, stream_id, applied_version)
                   SELECT DISTINCT source, stream_id, 0 FROM batch ORDER BY source, stream_id
                   ON CONFLICT (source, stream_id) DO UPDATE SET applied_version = inbox_streams.applied_version
                   RETURNING source, stream_id, applied_version),
               cleared AS (DELETE FROM dead_letters WHERE event_id IN (SELECT event_id FROM batch))
               SELECT 's', source, stream_id, applied_version, NULL::jsonb FROM streams
               UNION ALL SELECT 'e', event_id::text, NULL, NULL, NULL FROM stored
               UNION ALL SELECT 'p', i.source, NULL, NULL, i.envelope FROM inbox i
                   JOIN (SELECT DISTINCT source, stream_id FROM batch) b
                     ON i.source = b.source AND i.stream_id = b.stream_id
                   WHERE i.applied_seq IS NULL AND i.event_id NOT IN (SELECT event_id FROM batch)""",
            (batch,)).fetchall()
        stored = {str(event.event_id): False for event, _ in self.received}
        for kind, first, stream_id, version, envelope in rows:
            if kind == "s":
                self.applied_version[(first, stream_id)] = version
            elif kind == "e":
                stored[first] = True
            else:
                event = from_wire(envelope, source=first)
                self.waiting[(first, event.stream_id, event.stream_version)] = event
        # Whether the events not stored now were applied before; read after the locks are held, so that a copy
        # another consumer committed meanwhile is seen (None: no such event, another one holds its version).
        not_stored = [event_id for event_id, was_stored in stored.items() if not was_stored]
        known_applied: dict[str, bool | None] = {}
        if not_stored:
            known_applied = dict(self.conn.execute(
                "SELECT event_id::text, applied_seq IS NOT NULL FROM inbox WHERE event_id = ANY(%s::uuid[])",
                (not_stored,)).fetchall())
        return stored, known_applied

    def _apply_with_successors(self, stream: Stream, event: Event, waited: bool = False) -> int:
        """Apply `event`, then each waiting event it lets through. One that waited in the database (`waited`: an
        earlier receipt parked it) is applied in a savepoint: if it fails it becomes a dead letter and stays
        parked, without undoing the events before it (one received in this batch fails the batch instead, as
        the event itself)."""
        applied = 0
        while event is not None:
            if waited:
                self._apply_deferred()  # outside the savepoint: a failure there is the batch's, not this event's
                try:
                    with self.conn.transaction():
                        self.inbox.apply(self.conn, event)
                except Exception as error:  # noqa: BLE001 - kept as a dead letter, see store_dead_letter
                    log.error("applying parked %s %s failed: dead letter", event.event_type, event.event_id)
                    store_dead_letter(self.conn, event, error, 1)
                    self.dead.add(str(event.event_id))
                    break
            elif self.inbox.react is None:
                self.deferred.append(event)
            else:
                self.inbox.apply(self.conn, event)
            applied += 1
            self.unmarked.append(str(event.event_id))
            self.applied.add(str(event.event_id))
            self.applied_version[stream] = self.advanced[stream] = event.stream_version
            event = self.waiting.pop((stream[0], stream[1], event.stream_version + 1), None)
            waited = event is not None and str(event.event_id) not in self.in_batch
        return applied

    def _apply_deferred(self) -> None:
        """Without reactions, each projection gets the batch's events at once, in the order they were applied, as
        rebuild hands them over (projections own disjoint tables, so only the order within one matters): a
        projection that folds a batch into a few statements saves a consumer most of its round trips."""
        for projection in self.inbox.projections:
            if self.deferred:
                projection.apply_batch(self.conn, self.deferred)
        self.deferred = []

    def _mark_applied(self) -> list[Event]:
        """Number the events applied since the last marking in the order they were applied (a foreign projection
        is rebuilt in that order), advance their streams, and return the parked events that now follow them."""
        self._apply_deferred()
        if not self.unmarked:
            return []
        sources, stream_ids, versions = zip(*[(source, stream_id, version)
                                              for (source, stream_id), version in self.advanced.items()])
        # The sorted subquery (OFFSET 0 keeps it from being flattened) makes nextval run in the batch's order.
        rows = self.conn.execute(
            """WITH numbered AS (
                   SELECT id, nextval('kernel_apply_seq') AS seq FROM (
                       SELECT id FROM unnest(%s::uuid[]) WITH ORDINALITY AS a(id, ord) ORDER BY ord OFFSET 0) o),
               marked AS (
                   UPDATE inbox SET applied_seq = numbered.seq FROM numbered WHERE inbox.event_id = numbered.id),
               advanced AS (
                   SELECT * FROM unnest(%s::text[], %s::text[], %s::int[]) AS s(source, stream_id, version)),
               streams AS (
                   UPDATE inbox_streams SET applied_version = advanced.version FROM advanced
                   WHERE inbox_streams.source = advanced.source AND inbox_streams.stream_id = advanced.stream_id
                     AND inbox_streams.applied_version < advanced.version)
               SELECT i.source, i.envelope FROM inbox i JOIN advanced a
                 ON i.source = a.source AND i.stream_id = a.stream_id AND i.stream_version = a.version + 1
               WHERE i.applied_seq IS NULL""",
            (self.unmarked, list(sources), list(stream_ids), list(versions))).fetchall()
        self.unmarked, self.advanced = [], {}
        successors = [from_wire(envelope, source=source) for source, envelope in rows]
        return [event for event in successors if str(event.event_id) not in self.dead]


def store_dead_letter(conn, event: Event, error: BaseException, attempts: int) -> None:
    # The error's text may quote data (a constraint's detail names values): keep its type and message here,
    # for operators only, never in API answers or logs.
    with conn.transaction():
        conn.execute(
            "INSERT INTO dead_letters (event_id, source, event_type, envelope, error, traceback, attempts) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO UPDATE SET error = excluded.error, "
            "traceback = excluded.traceback, attempts = dead_letters.attempts + excluded.attempts, dead_at = now()",
            (event.event_id, source_of(event), event.event_type, Jsonb(to_wire(event)),
             f"{type(error).__name__}: {error}",
             "".join(tb.format_exception(type(error), error, error.__traceback__)), attempts))


def store_refused(conn, source: str, refused: list[tuple[bytes, object, str]]) -> None:
    """Keep messages that were not signed by `source`'s relay: (the body as it came, as decoded, the reason). What
    they claim to be (event id and type) is noted only to find them by; none of it is trusted or applied."""
    rows = []
    for raw, decoded, reason in refused:
        claimed = decoded if isinstance(decoded, dict) else {}
        rows.append((source, reason, _claimed(claimed.get("event_id")), _claimed(claimed.get("event_type")),
                     raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "replace")))
    with conn.transaction():
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO refused_messages (source, reason, event_id, event_type, body) "
                               "VALUES (%s, %s, %s, %s, %s)", rows)


def _claimed(value) -> str | None:
    return str(value).replace("\x00", "")[:200] if value is not None else None


@dataclass(frozen=True)
class RefusedMessage:
    id: int
    source: str
    reason: str
    event_id: str | None
    event_type: str | None
    refused_at: str


def list_refused(conn, limit: int = 100) -> list[RefusedMessage]:
    rows = conn.execute("SELECT id, source, reason, event_id, event_type, refused_at::text FROM refused_messages "
                        "ORDER BY id DESC LIMIT %s", (limit,)).fetchall()
    return [RefusedMessage(*row) for row in rows]


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
    """Receive dead letters again (all, or those named), each once. A success removes the dead letter in the
    same transaction; a failure keeps it with the new error. Returns each event id's outcome."""
    with pool.connection() as conn:
        query = "SELECT event_id::text, source, envelope FROM dead_letters"
        if event_ids is not None:
            rows = conn.execute(query + " WHERE event_id = ANY(%s::uuid[])", (list(event_ids),)).fetchall()
        else:
            rows = conn.execute(query + " ORDER BY dead_at").fetchall()
    outcomes = {}
    for event_id, source, envelope in rows:
        event = from_wire(envelope, source=source)
        outcome = inbox.receive_with_retries(pool, event, backoff=())
        if outcome.status == "duplicate":  # applied meanwhile, by a redelivery after a fix
            with pool.connection() as conn:
                conn.execute("DELETE FROM dead_letters WHERE event_id = %s", (event.event_id,))
        outcomes[event_id] = "failed again" if outcome.status == "dead_letter" else outcome.status
    return outcomes
