#!/usr/bin/env python3
"""Publish one signed register result to Kontakt, as an external register service would.

The wire contract is docs/register-contract.md. This file depends on nothing from Kontakt (only kombu and the
standard library) so that a register's developers can copy it. Example, against a local RabbitMQ:

    python deploy/register_simulator/example_publisher.py \\
        --amqp-uri amqp://guest:guest@localhost:5672/ \\
        --register kronofogden --key "$KONTAKT_KEY_KRONOFOGDEN" \\
        --check-id 3f2a9c7e-0b1d-4c2e-8f4a-1b2c3d4e5f60 --outcome clear
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone

from kombu import Connection, Exchange, Producer

EXCHANGE = "registry_checks.inbound"
REGISTERS = ("polisen_belastningsregister", "polisen_misstankeregister", "socialregistret", "kronofogden",
             "forsakringskassan")
OUTCOMES = ("clear", "remarks", "not_found")


def signed_message(register: str, key: str, check_id: str, outcome: str, now: datetime,
                   reference: str | None = None, summary: str = "") -> tuple[bytes, dict[str, str]]:
    """The body and headers of one result; the signature covers exactly these body bytes."""
    body = json.dumps({
        "register_id": register,
        "check_id": check_id,
        "outcome": outcome,
        "register_reference": reference or f"EX-{uuid.uuid4().hex[:12]}",
        "completed_at": now.isoformat(timespec="seconds"),
        "valid_until": (now.date() + timedelta(days=365)).isoformat() if outcome == "clear" else None,
        "summary": summary,
    }, ensure_ascii=False).encode("utf-8")
    timestamp = str(int(now.timestamp()))  # unix seconds
    signature = hmac.new(key.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return body, {"x-kontakt-timestamp": timestamp, "x-kontakt-signature": signature}


def publish(amqp_uri: str, register: str, body: bytes, headers: dict[str, str]) -> None:
    # Publisher confirms: publish() returns only once the broker has taken the message, and raises if the
    # exchange is missing or this user may not write to it.
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        # No declare: a register's user may write to the exchange and nothing else (no configure right).
        producer = Producer(connection, exchange=Exchange(EXCHANGE, type="topic"), auto_declare=False)
        producer.publish(body, routing_key=register, headers=headers, content_type="application/json",
                         content_encoding="utf-8", delivery_mode=2, message_id=str(uuid.uuid4()), mandatory=True,
                         retry=True, retry_policy={"max_retries": 3})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Publish one signed register result to Kontakt.")
    parser.add_argument("--amqp-uri", default="amqp://guest:guest@localhost:5672/")
    parser.add_argument("--register", required=True, choices=REGISTERS)
    parser.add_argument("--key", required=True, help="this register's signing key, as agreed with Kontakt")
    parser.add_argument("--check-id", required=True, help="the check id from CheckRequested")
    parser.add_argument("--outcome", required=True, choices=OUTCOMES)
    parser.add_argument("--reference", help="the register's reference (default: a random one)")
    parser.add_argument("--summary", default="", help="text for the recruiter (for remarks: what was found)")
    parser.add_argument("--print-only", action="store_true", help="print the message instead of publishing it")
    args = parser.parse_args(argv)

    body, headers = signed_message(args.register, args.key, args.check_id, args.outcome,
                                   datetime.now(timezone.utc).replace(microsecond=0), args.reference, args.summary)
    if args.print_only:
        print(json.dumps(headers))
        print(body.decode("utf-8"))
        return 0
    try:
        publish(args.amqp_uri, args.register, body, headers)
    except Exception as error:  # broker refused: no such exchange, no write permission, nothing bound (NO_ROUTE)
        print(f"not published: {error}", file=sys.stderr)
        return 1
    print(f"published {args.outcome} for check {args.check_id} as {args.register}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
