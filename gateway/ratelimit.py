"""A token bucket per client address, for the public form: `burst` requests at once, then `per_minute`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class TokenBuckets:
    burst: int = 5
    per_minute: float = 10.0
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000  # forget full buckets beyond this many addresses
    _buckets: dict = field(default_factory=dict)  # address -> (tokens, when)

    def take(self, client: str) -> float:
        """Take a token for `client`: 0.0 when allowed, else the seconds until the next token."""
        now = self.clock()
        tokens, then = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.per_minute / 60.0)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) * 60.0 / self.per_minute
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_clients:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        for client, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.per_minute / 60.0 >= self.burst:
                del self._buckets[client]
