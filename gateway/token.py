"""Mint a local token:  python -m gateway.token --role recruiter --municipality 2521 [--sub ...] [--name ...]

The token is what the local gateway accepts: HS256 with GATEWAY_JWT_SECRET (under KONTAKT_ENV=development, the
development secret when it is unset), with the gateway's kid, issuer (GATEWAY_JWT_ISSUER) and audience
(GATEWAY_JWT_AUDIENCE). Each --role is granted in each --municipality; --grant KOMMUNKOD=ROLE[,ROLE] grants roles
in one municipality only (repeat it for a token with different roles in different municipalities).

A volunteer's token needs the volunteer's id as --sub (their applicant id): it is whose assignments, offers and
payments /api/v1/me/... shows. A staff token's --sub is the user's id (default: dev-<role>).

A gateway configured with GATEWAY_JWKS or GATEWAY_JWT_PUBLIC_KEY accepts only its identity provider's tokens.
"""
from __future__ import annotations

import argparse
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # a CLI's output is its token only

from services.common.config import NotConfigured  # noqa: E402
from services.common.places import is_municipality  # noqa: E402
from services.common.roles import ROLES  # noqa: E402

from .auth import mint  # noqa: E402


def _grant(text: str) -> tuple[str, list[str]]:
    municipality, _, roles = text.partition("=")
    roles_given = [role for role in roles.split(",") if role]
    if not roles_given or any(role not in ROLES for role in roles_given):
        raise argparse.ArgumentTypeError(f"expected KOMMUNKOD=ROLE[,ROLE] with roles of {', '.join(ROLES)}")
    return municipality, roles_given


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.token", description=__doc__.splitlines()[0],
                                     epilog="\n".join(__doc__.splitlines()[2:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--role", action="append", default=[], choices=ROLES,
                        help="a role granted in every --municipality; repeat for several")
    parser.add_argument("--municipality", action="append", default=[], metavar="KOMMUNKOD",
                        help="kommunkod, e.g. 2521; repeat for several")
    parser.add_argument("--grant", action="append", default=[], type=_grant, metavar="KOMMUNKOD=ROLE[,ROLE]",
                        help="roles in one municipality only; repeat for several")
    parser.add_argument("--sub", help="the user's id; a volunteer's is their applicant id (default: dev-<role>)")
    parser.add_argument("--name", help="the user's display name")
    parser.add_argument("--hours", type=float, default=8.0, help="hours until the token expires (default 8)")
    args = parser.parse_args(argv)

    grants: dict[str, list[str]] = {}
    for municipality in args.municipality:
        grants.setdefault(municipality, []).extend(args.role)
    for municipality, roles in args.grant:
        grants.setdefault(municipality, []).extend(roles)
    if not any(grants.values()):
        parser.error("grant a role: --role with --municipality, or --grant KOMMUNKOD=ROLE")
    unknown = [code for code in grants if not is_municipality(code)]
    if unknown:
        parser.error(f"not a kommunkod of SCB's list: {', '.join(unknown)}")
    first_role = next(role for roles in grants.values() for role in roles)
    sub = args.sub or f"dev-{first_role}"
    try:
        print(mint(sub, [], [], name=args.name or sub, ttl_seconds=int(args.hours * 3600),
                   grants={m: sorted(set(roles)) for m, roles in grants.items()}))
    except NotConfigured as error:
        print(f"no token: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
