"""What the gateway keeps of recent reads: an applicant as the applicants service answered, for a few seconds.

Recruiters read the same applicants again and again, and a read that crosses the broker costs the gateway more
than the rest of the request together (bench/README.md). The cache answers those reads again, and stays right:

- an event that names an applicant (its stream, or an id anywhere in its data) drops the entry as soon as this
  gateway process receives it, from applicants, registry_checks and assignments;
- an answer fetched while its entry was dropped is not kept: it may have been read before that event applied;
- every entry expires after `ttl` seconds all the same. That bounds what an event can leave behind which reached
  the gateway before the service it concerns had applied it (a register result: applicants projects it after
  registry_checks publishes it), or which the gateway missed while its broker connection was down;
- what the caller may see is decided on every hit as on a miss: the cache holds the service's answer, never a
  decision about a caller.

The entries are personal data: they live in this process's memory only, are never logged and never written.
"""
from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable

from services.common.ids import bare_uuid


def ids_in(value: Any) -> Iterable[str]:
    """The applicant keys among the strings of an event (its stream id, its data's values, nested)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from ids_in(item)
    elif isinstance(value, str) and 36 <= len(value) <= 46:  # '<uuid>' or 'applicant-<uuid>'
        key = bare_uuid("applicant", value)
        if key is not None:
            yield key


class ReadCache:
    def __init__(self, ttl: float = 5.0, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic,
                 observe: Callable[[str], None] = lambda result: None):
        self.ttl, self.max_entries, self.clock, self.observe = ttl, max_entries, clock, observe
        self._entries: OrderedDict[str, tuple[float, Any, dict]] = OrderedDict()  # expires, answer, memo
        self._drops = itertools.count(1)
        self._last_drop = 0
        # recent drops, by key: a read that overlapped its key's drop keeps nothing
        self._dropped_at: OrderedDict[str, int] = OrderedDict()

    def fetch(self, key: str | None, read: Callable[[], Any]) -> tuple[Any, dict]:
        """(answer, memo): the entry for `key` while it is fresh, else what `read()` returns (kept, unless the key
        was dropped while it read). `memo` lives as long as the entry: what a caller derives from the answer alone
        (its JSON) can be kept there. A key of None is never cached. Errors of `read` pass through, keep nothing."""
        if key is None or self.ttl <= 0:
            return read(), {}
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            self.observe("hit")
            return entry[1], entry[2]
        self.observe("miss")
        started = self._last_drop
        value, memo = read(), {}
        if self._dropped_at.get(key, 0) <= started:
            self._entries[key] = (self.clock() + self.ttl, value, memo)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value, memo

    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._last_drop = next(self._drops)
            self._entries.pop(key, None)
            self._dropped_at[key] = self._last_drop
            self._dropped_at.move_to_end(key)
        while len(self._dropped_at) > self.max_entries:
            self._dropped_at.popitem(last=False)

    def drop_all(self) -> None:
        self.drop(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
