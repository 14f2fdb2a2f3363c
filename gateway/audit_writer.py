"""The audit rows of concurrent requests, written together: a group commit.

Every read of personal data is audited before its answer leaves (a read nobody could audit is not given), so each
request waits until its rows are committed. Those that arrive while a write is under way queue up, and the
next write carries them all in one statement: under load a read costs a fraction of a round trip instead of one,
and no request waits longer than one write behind another.
"""
from __future__ import annotations

import eventlet.event

from . import audit

MAX_ROWS_PER_WRITE = audit.ROWS_PER_INSERT


class GroupAuditWriter:
    def __init__(self, pool):
        self.pool = pool  # autocommit connections: a write is one statement, committed alone
        self._queue: list[tuple[audit.Entry, eventlet.event.Event]] = []
        self._writing = False

    def record(self, entry: audit.Entry) -> None:
        """Returns once `entry` is committed; raises what the write raised if it could not be."""
        done = eventlet.event.Event()
        self._queue.append((entry, done))
        if not self._writing:
            self._write_until_empty()
        done.wait()

    def _write_until_empty(self) -> None:
        """The first request to find nobody writing writes for everyone, its own entry included, until the queue
        is empty; the others wait for their entry's write."""
        self._writing = True
        try:
            while self._queue:
                batch, rows = [], 0
                while self._queue and (not batch or rows + len(self._queue[0][0].accesses) <= MAX_ROWS_PER_WRITE):
                    batch.append(self._queue.pop(0))
                    rows += len(batch[-1][0].accesses)
                try:
                    with self.pool.connection() as conn:
                        audit.record_all(conn, [entry for entry, _ in batch])
                except BaseException as error:  # each waiting request raises it: no answer leaves unaudited
                    if not isinstance(error, Exception):  # this greenthread is being killed: nobody writes on
                        batch, self._queue = batch + self._queue, []
                    for _, done in batch:
                        done.send_exception(error)
                    if not isinstance(error, Exception):
                        raise
                else:
                    for _, done in batch:
                        done.send()
        finally:
            self._writing = False
