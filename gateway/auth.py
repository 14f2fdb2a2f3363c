"""Bearer tokens: who is calling, in which roles, in which municipalities (docs/security.md).

A token is checked as an identity provider issues it. The keys, the first of these that is set:

    GATEWAY_JWKS            a JWKS, as a file path or an http(s) URL: the provider's keys, each chosen by the
                            token's `kid`. Rotation without downtime: publish the new key beside the old one, let
                            the provider sign with it, then drop the old one (a file is read again when it
                            changes, a URL every 5 minutes and when a token names a kid it does not hold)
    GATEWAY_JWT_PUBLIC_KEY  one RS256 public key (PEM)
    GATEWAY_JWT_SECRET      one HS256 secret of at least 32 bytes
    (none)                  only under KONTAKT_ENV=development: DEVELOPMENT_SECRET; otherwise the gateway does
                            not start (check_settings)

The algorithm is the key's, never the token header's. Claims: `iss` must be GATEWAY_JWT_ISSUER and `aud` include
GATEWAY_JWT_AUDIENCE (in development "kontakt-local" and "kontakt"); `sub`; `iat` and `exp`, at most
GATEWAY_JWT_MAX_LIFETIME seconds apart (12 hours unless set); `roles`, granted per municipality:
{"0180": ["recruiter"], "1440": ["case_worker"]}; `name`, optional.

    no token, a bad or expired one      401 (unauthenticated)
    no role the route allows anywhere   403 (forbidden)
    a municipality where the caller     404 (not_found, Caller.require in the handlers): existence does not leak
    holds none of the route's roles     across municipalities
"""
from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from jwt import PyJWKClient, PyJWKSet
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.common import config
from services.common.roles import ROLES, Caller

from .problems import Problem

DEVELOPMENT_SECRET = "kontakt-local-development-secret-change-me"  # only under KONTAKT_ENV=development
LOCAL_ISSUER, LOCAL_AUDIENCE, LOCAL_KID = "kontakt-local", "kontakt", "kontakt-local"
DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600
LEEWAY_SECONDS = 30
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kontakt"'}
INVALID = {"WWW-Authenticate": 'Bearer realm="kontakt", error="invalid_token"'}
KEY_VARIABLES = ("GATEWAY_JWKS", "GATEWAY_JWT_PUBLIC_KEY", "GATEWAY_JWT_SECRET")


@dataclass(frozen=True)
class VerificationKey:
    key: Any
    algorithm: str


class _OneKey:
    """A single configured key: there is nothing for a kid to choose."""

    def __init__(self, key: Any, algorithm: str):
        self.only = VerificationKey(key, algorithm)

    def find(self, kid: str | None) -> VerificationKey | None:
        return self.only


class _JwksFile:
    """A JWKS file, read again whenever it changes: the operator replaces it to rotate."""

    def __init__(self, path: str):
        self.path, self._stamp, self._keys = path, None, {}

    def find(self, kid: str | None) -> VerificationKey | None:
        stat = os.stat(self.path)
        if (stat.st_mtime_ns, stat.st_size) != self._stamp:
            with open(self.path, encoding="utf-8") as file:
                keyset = PyJWKSet.from_json(file.read())
            self._keys = {jwk.key_id: VerificationKey(jwk.key, jwk.algorithm_name) for jwk in keyset}
            self._stamp = (stat.st_mtime_ns, stat.st_size)
        if kid is None:  # a provider with one key may not name it
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)


class _JwksUrl:
    """The provider's JWKS endpoint through PyJWKClient: cached, fetched again when a token names a kid it does
    not hold (at most every 30 s, so that made-up kids cannot make the gateway hammer the provider)."""

    def __init__(self, url: str):
        self.client = PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=5, cooldown_duration=30)
        self._known: dict[int, VerificationKey] = {}

    def find(self, kid: str | None) -> VerificationKey | None:
        if kid is None:
            return None
        try:
            jwk = self.client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise Problem("unavailable", "The identity provider's keys cannot be fetched.") from None
        # The same object while the fetched set is unchanged, so that a verified token stays verified only as
        # long as the key it was verified with is still published.
        found = self._known.get(id(jwk))
        if found is None or found.key is not jwk.key:
            found = self._known[id(jwk)] = VerificationKey(jwk.key, jwk.algorithm_name)
            while len(self._known) > 64:
                self._known.pop(next(iter(self._known)))
        return found


@dataclass(frozen=True)
class Settings:
    keys: Any  # _OneKey, _JwksFile or _JwksUrl
    issuer: str
    audience: str
    max_lifetime: int
    kid: str | None  # what `mint` names its key (the local gateway's)


def settings() -> Settings:
    """What tokens are checked against, from the environment (read on every use, parsed once per value)."""
    names = KEY_VARIABLES + ("GATEWAY_JWT_ISSUER", "GATEWAY_JWT_AUDIENCE", "GATEWAY_JWT_MAX_LIFETIME")
    return _settings(tuple(os.environ.get(name, "").strip() for name in names), config.mode())


@lru_cache(maxsize=8)
def _settings(values: tuple[str, ...], mode: str) -> Settings:
    jwks, public_key, secret, issuer, audience, max_lifetime = values
    kid = None
    if jwks:
        keys: Any = _JwksUrl(jwks) if jwks.startswith(("https://", "http://")) else _JwksFile(jwks)
    elif public_key:
        keys = _OneKey(public_key.replace("\\n", "\n"), "RS256")
    elif secret or config.is_development():
        keys, kid = _OneKey(config.require_secret("GATEWAY_JWT_SECRET", DEVELOPMENT_SECRET), "HS256"), LOCAL_KID
    else:
        raise config.NotConfigured("none of GATEWAY_JWKS, GATEWAY_JWT_PUBLIC_KEY or GATEWAY_JWT_SECRET is set: "
                                   "outside KONTAKT_ENV=development the gateway needs its identity provider's "
                                   "keys (see docs/security.md)")
    return Settings(keys, config.require_setting("GATEWAY_JWT_ISSUER", LOCAL_ISSUER),
                    config.require_setting("GATEWAY_JWT_AUDIENCE", LOCAL_AUDIENCE),
                    int(max_lifetime or DEFAULT_MAX_LIFETIME_SECONDS), kid)


def check_settings() -> None:
    """Raise NotConfigured at the gateway's start, naming what is missing; a JWKS file must be readable."""
    current = settings()
    if isinstance(current.keys, _JwksFile):
        current.keys.find(None)


class Claims(Schema):
    class Meta:
        unknown = EXCLUDE  # exp, iat, iss, aud are pyjwt's to check

    sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    roles = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^\d{4}$")),
                        values=fields.List(fields.String(validate=validate.OneOf(ROLES))), load_default=dict)


_CLAIMS = Claims()  # one instance: a schema is built field by field, and loading changes nothing in it
# Tokens already verified, until they expire, with the key they were verified with: a recruiter's browser sends
# the same token with every request, and checking its signature and claims again was a fifth of a read's cost in
# the gateway. A token is verified again when its key is no longer the one configured (rotated, or removed).
_VERIFIED: OrderedDict[str, tuple[float, dict, VerificationKey, Settings]] = OrderedDict()
VERIFIED_MAX = 10_000


def authenticate(authorization: str | None) -> Caller:
    """The caller an `Authorization: Bearer <jwt>` header vouches for, or a 401 Problem."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Problem("unauthenticated", "Send a token as 'Authorization: Bearer <token>'.", headers=CHALLENGE)
    current = settings()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = current.keys.find(kid if isinstance(kid, str) else None)
    except (jwt.PyJWTError, OSError, ValueError):
        key = None
    verified = _VERIFIED.get(token)
    if verified is not None and verified[2] is key and verified[3] is current \
            and time.time() <= verified[0] + LEEWAY_SECONDS:
        return Caller(verified[1])
    _VERIFIED.pop(token, None)
    if key is None:
        raise Problem("unauthenticated", "The token is invalid or has expired.", headers=INVALID)
    try:
        raw = jwt.decode(token, key.key, algorithms=[key.algorithm], leeway=LEEWAY_SECONDS,
                         audience=current.audience, issuer=current.issuer,
                         options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        if raw["exp"] - raw["iat"] > current.max_lifetime:
            raise jwt.InvalidTokenError("the token lives longer than GATEWAY_JWT_MAX_LIFETIME")
        claims = _CLAIMS.load(raw)
    except (jwt.PyJWTError, ValidationError, TypeError):
        raise Problem("unauthenticated", "The token is invalid or has expired.", headers=INVALID) from None
    caller_data = {"sub": claims["sub"], "name": claims["name"], "roles": claims["roles"], "system": False}
    _VERIFIED[token] = (float(raw["exp"]), caller_data, key, current)
    while len(_VERIFIED) > VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return Caller(caller_data)


def require_role(caller: Caller, roles: tuple[str, ...]) -> None:
    """The route's roles, named in the refusal (a person may hold several and pick another token)."""
    if not caller.has_role(*roles):
        raise Problem("forbidden", f"This needs one of the roles: {', '.join(roles)}.")


def public_caller(channel: str = "public-form") -> Caller:
    """The system caller for the public intresseanmälan form: not a person, so nothing to audit."""
    return Caller({"sub": channel, "name": None, "roles": {}, "system": True})


def mint(sub: str, roles: list[str], municipalities: list[str], name: str | None = None,
         ttl_seconds: int = 8 * 3600, key: str | None = None, algorithm: str = "HS256",
         grants: dict[str, list[str]] | None = None, issuer: str | None = None, audience: str | None = None,
         kid: str | None = None, issued_at: int | None = None) -> str:
    """A token for local use and tests, as the local gateway checks it: by default HS256 with the configured
    secret (the development one under KONTAKT_ENV=development), its kid, issuer and audience. `roles` are granted
    in each of `municipalities`; `grants` ({"<kommunkod>": [roles]}) grants them per municipality instead."""
    current = settings() if key is None or issuer is None or audience is None else None
    now = int(time.time()) if issued_at is None else issued_at
    claims = {"sub": sub, "name": name, "iss": issuer or current.issuer, "aud": audience or current.audience,
              "roles": {m: list(r) for m, r in grants.items()} if grants is not None
              else {m: list(roles) for m in municipalities},
              "iat": now, "exp": now + ttl_seconds}
    headers = None
    if key is None:
        if not isinstance(current.keys, _OneKey) or current.keys.only.algorithm != "HS256":
            raise config.NotConfigured("tokens are minted only with GATEWAY_JWT_SECRET (or the development "
                                       "secret); this gateway checks its identity provider's tokens")
        key, kid = current.keys.only.key, kid or current.kid
    if kid is not None:
        headers = {"kid": kid}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)
