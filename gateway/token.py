"""Mint a local token:  python -m gateway.token --role recruiter --municipality 2521 [--sub ...] [--name ...]

Signed HS256 with GATEWAY_JWT_SECRET (or the development default), which is what a local gateway accepts. A
gateway configured with GATEWAY_JWT_PUBLIC_KEY accepts only its identity provider's RS256 tokens instead.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # a CLI's output is its token only

from services.common.places import is_municipality  # noqa: E402
from services.common.roles import ROLES  # noqa: E402

from .auth import mint  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.token", description=__doc__.splitlines()[0])
    parser.add_argument("--role", action="append", choices=ROLES, required=True, help="repeat for several roles")
    parser.add_argument("--municipality", action="append", default=[], metavar="KOMMUNKOD",
                        help="kommunkod, e.g. 2521; repeat for several")
    parser.add_argument("--sub", help="the user's id (default: dev-<role>)")
    parser.add_argument("--name", help="the user's display name")
    parser.add_argument("--hours", type=float, default=8.0, help="hours until the token expires (default 8)")
    args = parser.parse_args(argv)

    unknown = [code for code in args.municipality if not is_municipality(code)]
    if unknown:
        parser.error(f"not a kommunkod of SCB's list: {', '.join(unknown)}")
    if os.environ.get("GATEWAY_JWT_PUBLIC_KEY", "").strip():
        print("note: GATEWAY_JWT_PUBLIC_KEY is set, so the gateway accepts only RS256 tokens, not this one",
              file=sys.stderr)
    sub = args.sub or f"dev-{args.role[0]}"
    print(mint(sub, args.role, args.municipality, name=args.name or sub, ttl_seconds=int(args.hours * 3600)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
