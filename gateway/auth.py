"""Bearer tokens: who is calling, in which roles, for which municipalities.

Locally tokens are HS256, signed with GATEWAY_JWT_SECRET (a development default when unset). In production set
GATEWAY_JWT_PUBLIC_KEY (PEM): then only RS256 tokens signed by the identity provider's private key are accepted,
and HS256 tokens are refused. Claims: sub, name, roles, municipalities, exp.

    no token, a bad or expired one      401 (unauthenticated)
    a role the route does not allow     403 (forbidden)
    a municipality the token lacks      404 (not_found, Caller.require in the handlers): existence does not leak
                                        across municipalities
"""
from __future__ import annotations

import os
import time
from collections import OrderedDict

import jwt
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.common.roles import ROLES, Caller

from .problems import Problem

DEVELOPMENT_SECRET = "kontakt-local-development-secret-change-me"  # only for a machine of one's own
LEEWAY_SECONDS = 30
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kontakt"'}


def verification_key() -> tuple[str, str]:
    """(key, algorithm) tokens are checked with, from the environment."""
    public_key = os.environ.get("GATEWAY_JWT_PUBLIC_KEY", "").strip()
    if public_key:
        return public_key.replace("\\n", "\n"), "RS256"
    return os.environ.get("GATEWAY_JWT_SECRET") or DEVELOPMENT_SECRET, "HS256"


class Claims(Schema):
    class Meta:
        unknown = EXCLUDE  # exp, iat, iss, ... are pyjwt's to check

    sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)
    municipalities = fields.List(fields.String(validate=validate.Regexp(r"^\d{4}$")), load_default=list)


_CLAIMS = Claims()  # one instance: a schema is built field by field, and loading changes nothing in it
# Tokens already verified with the current key, until they expire: a recruiter's browser sends the same token
# with every request, and checking its signature and claims again was a fifth of a read's cost in the gateway.
_VERIFIED: OrderedDict[tuple[str, str], tuple[float, dict]] = OrderedDict()
VERIFIED_MAX = 10_000


def authenticate(authorization: str | None) -> Caller:
    """The caller an `Authorization: Bearer <jwt>` header vouches for, or a 401 Problem."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Problem("unauthenticated", "Send a token as 'Authorization: Bearer <token>'.", headers=CHALLENGE)
    key, algorithm = verification_key()
    verified = _VERIFIED.get((token, key))
    if verified is not None and time.time() <= verified[0] + LEEWAY_SECONDS:
        return Caller(verified[1])
    try:
        raw = jwt.decode(token, key, algorithms=[algorithm], leeway=LEEWAY_SECONDS,
                         options={"require": ["exp", "sub"]})
        claims = _CLAIMS.load(raw)
    except (jwt.PyJWTError, ValidationError):
        _VERIFIED.pop((token, key), None)
        raise Problem("unauthenticated", "The token is invalid or has expired.",
                      headers={"WWW-Authenticate": 'Bearer realm="kontakt", error="invalid_token"'}) from None
    _VERIFIED[(token, key)] = (float(raw["exp"]), claims)
    while len(_VERIFIED) > VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return Caller(claims)


def require_role(caller: Caller, roles: tuple[str, ...]) -> None:
    """The route's roles, named in the refusal (a person may hold several and pick another token)."""
    if not caller.has_role(*roles):
        raise Problem("forbidden", f"This needs one of the roles: {', '.join(roles)}.")


def public_caller(channel: str = "public-form") -> Caller:
    """The system caller for the public intresseanmälan form: not a person, so nothing to audit."""
    return Caller({"sub": channel, "name": None, "roles": [], "municipalities": [], "system": True})


def mint(sub: str, roles: list[str], municipalities: list[str], name: str | None = None,
         ttl_seconds: int = 8 * 3600, key: str | None = None, algorithm: str = "HS256") -> str:
    """A token for local use and tests; by default HS256 with the configured secret."""
    now = int(time.time())
    claims = {"sub": sub, "name": name, "roles": list(roles), "municipalities": list(municipalities),
              "iat": now, "exp": now + ttl_seconds}
    if key is None:
        key = os.environ.get("GATEWAY_JWT_SECRET") or DEVELOPMENT_SECRET
    return jwt.encode(claims, key, algorithm=algorithm)
