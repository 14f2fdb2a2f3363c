"""The example's consumer: a foreign projection of the ledger's events, as a nameko service.

Its projection refuses an event older than one it applied, so a broken inbox would show as dead letters, not pass unseen.
Run as `nameko run tests.example.tally` with EXAMPLE_LEDGER naming the source service.
"""
from __future__ import annotations

import os
from pathlib import Path

from services.common.kernel import ServiceSpec
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
        row = conn.execute("SELECT last_version FROM tally_streams WHERE stream_id = %s",
                           (event.stream_id,)).fetchone()
        last = row[0] if row else 0
        if event.stream_version <= last:
            raise OutOfOrder(f"{event.stream_id}: got version {event.stream_version} after {last}")
        conn.execute("INSERT INTO tally_applied (event_id, stream_id, stream_version, amount) "
                     "VALUES (%s, %s, %s, %s)",
                     (event.event_id, event.stream_id, event.stream_version, event.data["amount"]))
        conn.execute("INSERT INTO tally_streams (stream_id, last_version, total) VALUES (%s, %s, %s) "
                     "ON CONFLICT (stream_id) DO UPDATE SET last_version = excluded.last_version, "
                     "total = tally_streams.total + excluded.total",
                     (event.stream_id, event.stream_version, event.data["amount"]))


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
