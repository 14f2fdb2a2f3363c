"""The deployment's operators' view of the refused register results: every one, with the message as received.

    python -m services.registry_checks.refused                      the newest 100, one JSON object a line
    python -m services.registry_checks.refused --unattributed       only those of no known check (forged, for an
                                                                    unknown check, unreadable): shown nowhere else
    python -m services.registry_checks.refused --reason bad_signature --register kronofogden --since 2026-01-01T00:00+01:00
    python -m services.registry_checks.refused --with-body          also the headers and the raw body

A municipality's admins see the refused results of their own checks through the gateway, without headers or body
(docs/register-contract.md, "Listing refused results"). A result that names no municipality is shown to nobody but
the people who run the deployment, who reach its database: this command reads it (REGISTRY_CHECKS_DATABASE_URL or
the deployment's database settings), and is no RPC or HTTP route anyone with a token could call. The body may hold
personal data (a summary, a reference): --with-body only when the message itself must be read.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from services.common import config
from services.common.db import connect

from . import projection
from .app import REFUSED_LIMIT_MAX
from .app.results import INTERNAL_ERROR
from .inbound import REFUSAL_REASONS
from .registers import REGISTERS
from .spec import SERVICE


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("an ISO 8601 date and time with an offset")
    return moment


def _limit(text: str) -> int:
    limit = int(text)
    if not 1 <= limit <= REFUSED_LIMIT_MAX:
        raise argparse.ArgumentTypeError(f"from 1 to {REFUSED_LIMIT_MAX}")
    return limit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.registry_checks.refused", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    whose = parser.add_mutually_exclusive_group()
    whose.add_argument("--unattributed", action="store_true", help="only those that name no municipality")
    whose.add_argument("--municipality", action="append", help="only those of this kommunkod (may repeat)")
    parser.add_argument("--reason", choices=[*REFUSAL_REASONS, INTERNAL_ERROR])
    parser.add_argument("--register", choices=list(REGISTERS))
    parser.add_argument("--since", type=_moment, help="ISO 8601 date and time with an offset")
    parser.add_argument("--limit", type=_limit, default=100)
    parser.add_argument("--with-body", action="store_true", help="also the headers and the raw body")
    args = parser.parse_args(argv)
    with connect(config.database_url(SERVICE)) as conn:
        rows = projection.refused_results(conn, limit=args.limit, municipalities=args.municipality,
                                          unattributed=args.unattributed, register=args.register,
                                          reason_code=args.reason, since=args.since)
    for row in rows:
        if not args.with_body:
            row = {name: row[name] for name in (*projection.ADMIN_REFUSED_COLUMNS, "routing_key")}
        print(json.dumps(row, ensure_ascii=False, default=str))
    print(f"{len(rows)} refused result(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
