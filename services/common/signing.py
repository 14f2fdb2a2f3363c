"""What the deployment vouches for inside itself, signed with its internal key (docs/security.md).

Anyone who may publish to the broker could otherwise call a service as anyone (the caller travels in nameko
context data) or tell a service a register check came back clear (an event on `<service>.events`). So:

- the gateway signs the caller it authenticated, with an expiry, and a service believes only a signed caller
  (`caller_context` / `caller_from_context`);
- a relay signs every event it publishes, bound to its exchange, and an inbox receives only signed events
  (`event_signature` / `event_is_signed`).

Both are HMAC-SHA256 with KONTAKT_INTERNAL_KEY (a development default only under KONTAKT_ENV=development). During
a rotation, KONTAKT_INTERNAL_KEY_ACCEPTED is a second key accepted, never used to sign (docs/security.md, "The
internal key and its rotation").
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from functools import lru_cache
from typing import Mapping

from . import config
from .roles import Caller

INTERNAL_KEY = "KONTAKT_INTERNAL_KEY"
ACCEPTED_KEY = "KONTAKT_INTERNAL_KEY_ACCEPTED"
DEVELOPMENT_INTERNAL_KEY = "kontakt-local-development-internal-key-not-for-production"

CALLER_KEY = "kontakt_caller"  # nameko context data: propagated by nameko to every RPC call downstream
CALLER_SIGNATURE_KEY = "kontakt_caller_signature"
# How long a signed caller holds: a request's calls are made within it, and a context captured off the broker
# cannot be replayed for longer.
CALLER_TTL_SECONDS = 300
CLOCK_SKEW_SECONDS = 30

EVENT_SIGNATURE_HEADER = "kontakt-signature"


def keys() -> tuple[bytes, ...]:
    """(the key that signs, then any key still accepted); NotConfigured outside development without a key."""
    return _keys(os.environ.get(INTERNAL_KEY, ""), os.environ.get(ACCEPTED_KEY, ""), config.mode())


@lru_cache(maxsize=4)
def _keys(current: str, accepted: str, mode: str) -> tuple[bytes, ...]:  # the arguments key the cache
    signing = config.require_secret(INTERNAL_KEY, DEVELOPMENT_INTERNAL_KEY).encode("utf-8")
    return (signing,) + ((accepted.strip().encode("utf-8"),) if accepted.strip() else ())


def check_keys() -> None:
    """Raise NotConfigured now, at a process's start, rather than at its first message."""
    keys()


def _mac(key: bytes, *parts: bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.hexdigest()


def _verified(signature, *parts: bytes) -> bool:
    if not isinstance(signature, str) or not signature:
        return False
    return any(hmac.compare_digest(_mac(key, *parts), signature) for key in keys())


# --- the caller, from the gateway to the services -----------------------------------------------------------

def caller_context(caller: Caller, now: float | None = None, ttl_seconds: int = CALLER_TTL_SECONDS) -> dict[str, str]:
    """The nameko context data that carries `caller`, signed: the caller's JSON with an expiry, and its HMAC."""
    payload = {**caller.as_data(), "exp": int(now if now is not None else time.time()) + ttl_seconds}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {CALLER_KEY: text, CALLER_SIGNATURE_KEY: _mac(keys()[0], b"caller\n", text.encode("utf-8"))}


def caller_from_context(data: Mapping, now: float | None = None) -> Caller:
    """The caller the context names if the gateway signed it and it has not expired; otherwise nobody
    (Caller(None)), whom every check refuses. The text is checked as it came: nothing is re-serialised."""
    text = data.get(CALLER_KEY)
    if not isinstance(text, str) or not _verified(data.get(CALLER_SIGNATURE_KEY), b"caller\n",
                                                    text.encode("utf-8")):
        return Caller(None)
    try:
        payload = json.loads(text)
        expires = float(payload.pop("exp"))
    except (ValueError, TypeError, KeyError, AttributeError):
        return Caller(None)
    if expires + CLOCK_SKEW_SECONDS < (now if now is not None else time.time()):
        return Caller(None)
    return Caller(payload)


# --- events, from a relay to the inboxes --------------------------------------------------------------------

def event_signature(source: str, body: bytes) -> str:
    """The signature of an event body as published on `source`'s exchange: bound to the exchange, so that a
    signed body copied onto another service's exchange does not verify there."""
    return _mac(keys()[0], source.encode("utf-8"), b".events\n", body)


def event_is_signed(source: str, body: bytes, signature) -> bool:
    return _verified(signature, source.encode("utf-8"), b".events\n", body)
