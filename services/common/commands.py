"""The command handler: load a stream, let the decider decide, append what it decided.

This is all the I/O a command needs; the rules live in the service's pure domain.py.
"""
from __future__ import annotations

import random
import time
from contextlib import contextmanager
from typing import Any, Iterator

from .decider import Decider
from .envelope import Event, Metadata
from .store import ConcurrencyError, EventStore


class CommandHandler:
    def __init__(self, store: EventStore, max_attempts: int = 20):
        self.store = store
        self.max_attempts = max_attempts

    def handle(self, conn, decider: Decider, stream_id: str, command: Any,
               metadata: Metadata = Metadata()) -> list[Event]:
        """Decide and append in one transaction of `conn` (nested as a savepoint if one is open).

        On a version conflict the command is decided again on the newer state, but only where the decider
        says the command allows it; otherwise ConcurrencyError reaches the caller.
        """
        attempt = 1
        while True:
            try:
                with conn.transaction():
                    history = self.store.load(conn, stream_id)
                    state = decider.fold(history)
                    new_events = decider.decide(state, command)
                    return self.store.append(conn, stream_id, decider.stream_type, len(history), new_events,
                                             metadata)
            except ConcurrencyError:
                if attempt >= self.max_attempts or not decider.retry_on_conflict(command):
                    raise
                # Jitter, so writers that collided do not collide again in step.
                time.sleep(random.uniform(0, 0.002 * attempt))
                attempt += 1

    def state(self, conn, decider: Decider, stream_id: str):
        """The current state of one aggregate, and its version."""
        history = self.store.load(conn, stream_id)
        return decider.fold(history), len(history)


@contextmanager
def transaction(pool) -> Iterator[Any]:
    """A pooled connection inside one transaction."""
    with pool.connection() as conn:
        with conn.transaction():
            yield conn
