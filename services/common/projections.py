"""Projections: a service's read tables, fed by its own events (inline, in the append's transaction) and by the
foreign events its inbox applies; and their rebuild from everything stored.
"""
from __future__ import annotations

import sys
from typing import Callable, Iterable

from tqdm import tqdm

from .envelope import Event, upcast


class Projection:
    """Subclass, name the tables it owns, and write one `on_<EventType>(conn, event)` method per event it reads.

    Events it has no method for are ignored, so a projection states exactly what it depends on.
    """

    tables: tuple[str, ...] = ()

    def apply(self, conn, event: Event) -> None:
        handler = getattr(self, f"on_{event.event_type}", None)
        if handler is not None:
            handler(conn, event)

    def handles(self, event_type: str) -> bool:
        return hasattr(self, f"on_{event_type}")


def rebuild(conn, projections: Iterable[Projection], *, batch_size: int = 5000,
            progress: bool = True, on_progress: Callable[[int], None] | None = None) -> int:
    """Empty every projection's tables and replay the service's own and received events, in the order they were
    first applied. Runs in one transaction: readers see the old tables until the new ones are complete.
    Returns the number of events replayed.
    """
    from .envelope import from_wire  # local: the wire format is only needed here for received events

    projections = list(projections)
    tables = [table for p in projections for table in p.tables]
    with conn.transaction():
        if tables:
            conn.execute("TRUNCATE " + ", ".join(tables))
        total = conn.execute(
            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM inbox WHERE applied_seq IS NOT NULL)"
        ).fetchone()[0]
        bar = tqdm(total=total, desc="rebuild", unit="ev", file=sys.stderr, disable=not progress)
        done = 0
        # Server-side cursor: 200,000 events must not be held in memory at once.
        with conn.cursor(name="rebuild_replay") as cur:
            cur.itersize = batch_size
            cur.execute("""
                SELECT seq, own, event_id, event_type, schema_version, stream_id, stream_type, stream_version,
                       occurred_at, recorded_at, data, municipality, actor, correlation_id, causation_id,
                       source, envelope
                FROM (
                    SELECT position AS seq, true AS own, event_id, event_type, schema_version, stream_id,
                           stream_type, stream_version, occurred_at, recorded_at, data, municipality, actor,
                           correlation_id, causation_id, NULL AS source, NULL::jsonb AS envelope
                    FROM events
                    UNION ALL
                    SELECT applied_seq, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                           NULL, NULL, source, envelope
                    FROM inbox WHERE applied_seq IS NOT NULL
                ) everything ORDER BY seq""")
            for row in cur:
                event = upcast(Event(*row[2:15])) if row[1] else from_wire(row[16], source=row[15])
                for projection in projections:
                    projection.apply(conn, event)
                done += 1
                if done % 1000 == 0:
                    bar.update(1000)
                    if on_progress:
                        on_progress(done)
        bar.update(done % 1000)
        bar.close()
    return done
