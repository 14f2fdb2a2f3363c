"""The example's consumer: a foreign projection of the ledger's events, as a nameko service.

Its projection refuses an event older than one it applied, so a broken inbox would show as dead letters, not
pass unseen.
Run as `nameko run tests.example.tally` with EXAMPLE_LEDGER naming the source service.
"""
from __future__ import annotations

import os
from pathlib import Path

import services.common  # noqa: F401 (first, so psycopg waits cooperatively under `nameko run`)

from psycopg.types.json import Jsonb  # noqa: E402

from services.common.kernel import ServiceSpec  # noqa: E402
from services.common.projections import Projection

# A test switches this on to play a handler bug, and off again to play its fix.
POISON = {"enabled": os.environ.get("TALLY_POISON") == "1"}


class OutOfOrder(Exception):
    pass


class Tally(Projection):
    tables = ("tally_applied", "tally_streams")

    def on_Incremented(self, conn, event):
        if POISON["enabled"] and event.data.get("poison"):
            raise ValueError("the tally cannot handle a poisoned increment")
        # One statement (a consumer's throughput is its round trips): record the event, advance the stream, and
        # return the version the stream was at before; out of order raises, and the transaction is rolled back.
        [last] = conn.execute(
            """WITH before AS (SELECT last_version FROM tally_streams WHERE stream_id = %(stream)s),
                    applied AS (INSERT INTO tally_applied (event_id, stream_id, stream_version, amount)
                                VALUES (%(id)s, %(stream)s, %(version)s, %(amount)s)),
                    advanced AS (INSERT INTO tally_streams (stream_id, last_version, total)
                                 VALUES (%(stream)s, %(version)s, %(amount)s)
                                 ON CONFLICT (stream_id) DO UPDATE SET last_version = excluded.last_version,
                                     total = tally_streams.total + excluded.total)
               SELECT coalesce((SELECT last_version FROM before), 0)""",
            {"id": event.event_id, "stream": event.stream_id, "version": event.stream_version,
             "amount": event.data["amount"]}).fetchone()
        if event.stream_version <= last:
            raise OutOfOrder(f"{event.stream_id}: got version {event.stream_version} after {last}")


    def apply_batch(self, conn, events):
        """A batch in one statement, as a consumer of many events should: the inbox and rebuild hand over whole
        batches. The same rules as on_Incremented: each stream's versions must rise, or nothing is applied."""
        increments = [e for e in events if e.event_type == "Incremented"]
        if not increments:
            return
        if POISON["enabled"] and any(e.data.get("poison") for e in increments):
            raise ValueError("the tally cannot handle a poisoned increment")
        seen: dict[str, int] = {}
        for event in increments:
            if event.stream_version <= seen.get(event.stream_id, 0):
                raise OutOfOrder(f"{event.stream_id}: got version {event.stream_version} after "
                                 f"{seen[event.stream_id]}")
            seen[event.stream_id] = event.stream_version
        rows = conn.execute(
            """WITH batch AS (
                   SELECT * FROM ROWS FROM (jsonb_to_recordset(%s::jsonb)
                       AS (event_id uuid, stream_id text, stream_version int, amount bigint)) WITH ORDINALITY
                       AS b(event_id, stream_id, stream_version, amount, ord)),
                    before AS (SELECT stream_id, last_version FROM tally_streams
                               WHERE stream_id IN (SELECT stream_id FROM batch)),
                    applied AS (INSERT INTO tally_applied (event_id, stream_id, stream_version, amount)
                                SELECT event_id, stream_id, stream_version, amount FROM batch ORDER BY ord),
                    advanced AS (INSERT INTO tally_streams (stream_id, last_version, total)
                                 SELECT stream_id, max(stream_version), sum(amount) FROM batch GROUP BY stream_id
                                 ON CONFLICT (stream_id) DO UPDATE SET last_version = excluded.last_version,
                                     total = tally_streams.total + excluded.total)
               SELECT b.stream_id, min(b.stream_version), coalesce(max(before.last_version), 0)
               FROM batch b LEFT JOIN before USING (stream_id) GROUP BY b.stream_id""",
            (Jsonb([{"event_id": str(e.event_id), "stream_id": e.stream_id, "stream_version": e.stream_version,
                     "amount": e.data["amount"]} for e in increments]),)).fetchall()
        for stream_id, first, last in rows:
            if first <= last:
                raise OutOfOrder(f"{stream_id}: got version {first} after {last}")


def spec(name: str | None = None, source: str | None = None) -> ServiceSpec:
    return ServiceSpec(name=name or os.environ.get("EXAMPLE_TALLY", "tally"), projections=(Tally(),),
                       sources=(source or os.environ.get("EXAMPLE_LEDGER", "ledger"),),
                       migrations=Path(__file__).parent / "tally_migrations")


SPEC = spec()


def service_class(spec: ServiceSpec):
    """The nameko service for a tally spec (a class per spec, so tests can run several)."""
    from nameko.rpc import rpc

    from services.common.adapters import KernelProvider, inbox_receiver
    from services.common.kernel import receiver_name

    source = spec.sources[0]
    attributes = {
        "name": spec.name,
        "kernel": KernelProvider(spec),
        receiver_name(source): inbox_receiver(source),
        "applied_count": rpc(lambda self: _count(self.kernel)),
    }
    return type("TallyService", (), attributes)


def _count(kernel) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM tally_applied").fetchone()[0]


TallyService = service_class(SPEC)
