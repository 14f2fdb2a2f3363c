"""How a register service signs a result, and how we check it (docs/register-contract.md).

    x-kontakt-timestamp: unix time in whole seconds, as decimal digits ("1767225600")
    x-kontakt-signature: hex(HMAC-SHA256(key, f"{timestamp}.{raw_body}"))

The timestamp is inside the signed text, so a captured message cannot be given a fresh timestamp; a message
whose timestamp is more than MAX_CLOCK_SKEW from our clock is refused, so it cannot be replayed later either.
Unix seconds rather than ISO 8601: one spelling per instant, so signer and verifier cannot disagree on the text.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone

TIMESTAMP_HEADER = "x-kontakt-timestamp"
SIGNATURE_HEADER = "x-kontakt-signature"
MAX_CLOCK_SKEW = timedelta(minutes=5)

_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def sign(key: bytes | str, timestamp: str | int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(_key_bytes(key), signed, hashlib.sha256).hexdigest()


def verify(key: bytes | str, timestamp: str | int, body: bytes, signature: str) -> bool:
    """True when `signature` is `sign(key, timestamp, body)`; compared in constant time."""
    expected = sign(key, timestamp, body).encode("ascii")
    given = str(signature).strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def timestamp_of(moment: datetime) -> str:
    """The timestamp header's value for an aware datetime."""
    return str(int(moment.timestamp()))


def parse_timestamp(value: str | int) -> datetime:
    """The instant a timestamp header names; ValueError unless it is whole unix seconds."""
    if isinstance(value, bool) or not _UNIX_SECONDS.fullmatch(str(value).strip()):
        raise ValueError("timestamp must be unix time in whole seconds")
    return datetime.fromtimestamp(int(str(value).strip()), tz=timezone.utc)


def is_fresh(sent_at: datetime, now: datetime) -> bool:
    """Within MAX_CLOCK_SKEW of `now`, either way (the register's clock may run ahead of ours)."""
    return abs(now - sent_at) <= MAX_CLOCK_SKEW


def _key_bytes(key: bytes | str) -> bytes:
    return key if isinstance(key, bytes) else key.encode("utf-8")
