"""Idempotency-Key: a POST retried with the same key by the same caller returns the first answer and acts once.

    claim(...)     None: this request is the first, go ahead and act; or the stored (status, body) to replay.
                   A different request under a used key is 422; a first request still running is 409.
    complete(...)  keep the answer (2xx only: a refused request did not act, so a retry may try again), and
                   whose data it shows (a replay shows it again: audited as a read)
    release(...)   forget the claim after an error: a refusal, a service or database that did not answer in time
    purge_expired(conn)   delete the keys past their day, with the answers they keep (the gateway's timer)

Keys are kept for a day, then purged: a kept answer may hold a whole personnummer. A request that failed releases
its key, also when a service missed its deadline: its RPC message expired on the broker at that moment, so a
stopped service never acts on it later (gateway/deadlines.py). If the gateway itself stops while a first request
runs, its key stays "running" (409) for the day: whether it acted is not known, so acting again would risk acting
twice.
"""
from __future__ import annotations

import hashlib
import json

from .problems import Problem

KEPT_FOR = "24 hours"
HEADER = "Idempotency-Key"
PURGE_BATCH = 1000


def fingerprint(method: str, route: str, path: str, body: bytes) -> str:
    """The request's identity: the same JSON with its keys in another order is the same request."""
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    return hashlib.sha256(b"\0".join([method.encode(), route.encode(), path.encode(), body])).hexdigest()


def check_key(key: str) -> str:
    if not (1 <= len(key) <= 200) or not key.isprintable():
        raise Problem("invalid", "The Idempotency-Key header must be 1 to 200 printable characters.",
                      [{"field": HEADER, "message": "1 to 200 printable characters", "code": "invalid"}])
    return key


def claim(conn, caller: str, key: str, print_: str) -> tuple[int, object] | None:
    conn.execute(f"DELETE FROM idempotency_keys WHERE caller = %s AND key = %s"
                 f" AND created_at < now() - interval '{KEPT_FOR}'", (caller, key))
    inserted = conn.execute(
        "INSERT INTO idempotency_keys (caller, key, fingerprint) VALUES (%s, %s, %s)"
        " ON CONFLICT (caller, key) DO NOTHING RETURNING 1", (caller, key, print_)).fetchone()
    if inserted:
        return None
    stored_print, status, response = conn.execute(
        "SELECT fingerprint, status, response FROM idempotency_keys WHERE caller = %s AND key = %s",
        (caller, key)).fetchone()
    if stored_print != print_:
        raise Problem("idempotency_key_reused", "This Idempotency-Key was already used for a different request.",
                      [{"field": HEADER, "message": "already used for a different request", "code": "reused"}])
    if status is None:
        raise Problem("in_progress", "The first request with this Idempotency-Key has not finished yet.")
    return status, response


def complete(conn, caller: str, key: str, status: int, body: object, accesses=()) -> None:
    """`accesses` (audit.Access): whose data the answer shows, and where, so that a replay is audited as a read of
    them."""
    kept = [[access.subject, access.municipality] for access in accesses]
    conn.execute("UPDATE idempotency_keys SET status = %s, response = %s, accesses = %s"
                 " WHERE caller = %s AND key = %s", (status, json.dumps(body), json.dumps(kept), caller, key))


def accesses(conn, caller: str, key: str) -> list[tuple[str | None, str | None]]:
    """(subject, municipality) of each access the kept answer records; none for an answer kept before they were."""
    row = conn.execute("SELECT accesses FROM idempotency_keys WHERE caller = %s AND key = %s",
                       (caller, key)).fetchone()
    return [(subject, municipality) for subject, municipality in (row[0] or [])] if row else []


def release(conn, caller: str, key: str) -> None:
    conn.execute("DELETE FROM idempotency_keys WHERE caller = %s AND key = %s AND status IS NULL", (caller, key))


def purge_expired(conn) -> int:
    """Delete the keys older than KEPT_FOR, a batch per transaction; returns how many. Rows another gateway is
    deleting are skipped, not waited for, so two gateways purging at once share the work without blocking."""
    purged = 0
    while True:
        with conn.transaction():
            deleted = conn.execute(
                "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys"
                f" WHERE created_at < now() - interval '{KEPT_FOR}' LIMIT %s FOR UPDATE SKIP LOCKED)",
                (PURGE_BATCH,)).rowcount
        purged += deleted
        if deleted < PURGE_BATCH:
            return purged
