"""Projections: a service's read tables, fed by its own events (inline, in the append's transaction) and by the
foreign events its inbox applies; and their rebuild from everything stored.
"""
from __future__ import annotations

import sys
from typing import Callable, Iterable

from tqdm import tqdm

from .envelope import Event, from_wire, upcast


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

    def apply_batch(self, conn, events: list[Event]) -> None:
        """Apply `events` in order. Rebuild hands over whole batches: override this where many events fold into
        fewer statements (projections own disjoint tables, so only the order within one projection matters)."""
        for event in events:
            self.apply(conn, event)


def update_row(conn, table: str, key_column: str, key, columns: dict, *, also: str | None = None) -> None:
    """Set `columns` of the row whose `key_column` is `key`. Table and column names, and `also` (one more SQL
    assignment, such as a sequence's next value), come from the projection's code, never from input."""
    sets = [f"{name} = %s" for name in columns] + ([also] if also else [])
    conn.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE {key_column} = %s", (*columns.values(), key))


def rebuild(conn, projections: Iterable[Projection], *, batch_size: int = 10000,
            progress: bool = True, on_progress: Callable[[int], None] | None = None) -> int:
    """Empty every projection's tables and replay the service's own and received events, in the order they were
    first applied. Runs in one transaction: readers see the old tables until the new ones are complete.
    Returns the number of events replayed.
    """
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
            while rows := cur.fetchmany(batch_size):
                events = [upcast(Event(*row[2:15])) if row[1] else from_wire(row[16], source=row[15])
                          for row in rows]
                with conn.pipeline():  # statements whose results nobody reads go out without waiting for each
                    for projection in projections:
                        projection.apply_batch(conn, events)
                done += len(events)
                bar.update(len(events))
                if on_progress:
                    on_progress(done)
        bar.close()
    return done
