"""Tokens as an identity provider issues them: its issuer and audience, its keys chosen by kid (a JWKS file or URL,
rotated without downtime), a capped lifetime, and roles granted per municipality (docs/security.md)."""
from __future__ import annotations

import contextlib
import http.server
import json
import os
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import DEVELOPMENT_SECRET, LOCAL_KID

from gateway_testing import ELSEWHERE, HOME, Client, a_sub, assert_problem, token

AUDIT = "/api/v1/audit"


class ProviderKey:
    """One of an identity provider's signing keys: its private half mints, its public half goes in the JWKS."""

    def __init__(self, kid: str):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def jwk(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def token(self, *roles: str, kid: str | None = "", **kwargs) -> str:
        pem = self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
        return token(*roles, key=pem, algorithm="RS256", kid=self.kid if kid == "" else kid, **kwargs)


def jwks(*keys: ProviderKey) -> str:
    return json.dumps({"keys": [key.jwk for key in keys]})


def write_jwks(path, *keys: ProviderKey) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(jwks(*keys))
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a changed file, whatever the clock's resolution


def audit_status(gateway: str, bearer: str) -> int:
    return Client(gateway, bearer).get(AUDIT).status_code


# --- issuer, audience, lifetime ----------------------------------------------------------------------------------

def test_a_token_of_another_issuer_or_for_another_audience_is_refused(gateway, monkeypatch):
    # given a gateway that expects its identity provider's issuer and its own audience
    monkeypatch.setenv("GATEWAY_JWT_ISSUER", "https://idp.kommun.example.se")
    monkeypatch.setenv("GATEWAY_JWT_AUDIENCE", "kontakt-test")
    # when tokens of the right issuer and audience, of another issuer, for another audience, and with neither come
    right = token("auditor")
    other_issuer = token("auditor", issuer="https://idp.annan.example.se")
    other_audience = token("auditor", audience="ett-annat-system")
    bare = jwt.encode({"sub": a_sub(), "roles": {HOME: ["auditor"]}, "iat": int(time.time()),
                       "exp": int(time.time()) + 600}, DEVELOPMENT_SECRET, algorithm="HS256",
                      headers={"kid": LOCAL_KID})
    # then only the first is let in
    assert audit_status(gateway, right) == 200
    for refused in (other_issuer, other_audience, bare):
        assert_problem(Client(gateway, refused).get(AUDIT), 401, "unauthenticated")


def test_a_token_that_lives_longer_than_the_configured_maximum_is_refused(gateway, monkeypatch):
    # given a gateway that accepts tokens of at most an hour
    monkeypatch.setenv("GATEWAY_JWT_MAX_LIFETIME", "3600")
    # when a token of half an hour and one of two hours (both still valid now) are sent
    # then the long-lived one is refused, however well signed
    assert audit_status(gateway, token("auditor", ttl_seconds=1800)) == 200
    assert_problem(Client(gateway, token("auditor", ttl_seconds=7200)).get(AUDIT), 401, "unauthenticated")


def test_without_a_configured_maximum_a_token_lives_at_most_twelve_hours(gateway):
    assert audit_status(gateway, token("auditor", ttl_seconds=12 * 3600)) == 200
    assert_problem(Client(gateway, token("auditor", ttl_seconds=13 * 3600)).get(AUDIT), 401)


def test_a_token_without_iat_is_refused(gateway):
    no_iat = jwt.encode({"sub": a_sub(), "roles": {HOME: ["auditor"]}, "iss": "kontakt-local", "aud": "kontakt",
                         "exp": int(time.time()) + 600}, DEVELOPMENT_SECRET, algorithm="HS256",
                        headers={"kid": LOCAL_KID})
    assert_problem(Client(gateway, no_iat).get(AUDIT), 401)


# --- keys chosen by kid, rotated without downtime ----------------------------------------------------------------

def test_keys_of_a_jwks_file_are_chosen_by_kid_and_rotated_without_downtime(gateway, monkeypatch, tmp_path):
    # given a JWKS file with the provider's current key A and its next key B
    a, b, c = ProviderKey("nyckel-a"), ProviderKey("nyckel-b"), ProviderKey("nyckel-c")
    path = tmp_path / "jwks.json"
    write_jwks(path, a, b)
    monkeypatch.setenv("GATEWAY_JWKS", str(path))
    token_a, token_b, token_c = a.token("auditor"), b.token("auditor"), c.token("auditor")
    # when tokens signed by each are sent, then both keys of the set are accepted, each chosen by its kid
    assert audit_status(gateway, token_a) == 200
    assert audit_status(gateway, token_b) == 200
    # and a kid the set does not hold, a token naming no kid among two keys, and A's token under B's kid are not
    assert_problem(Client(gateway, token_c).get(AUDIT), 401)
    assert_problem(Client(gateway, a.token("auditor", kid=None)).get(AUDIT), 401)
    assert_problem(Client(gateway, a.token("auditor", kid="nyckel-b")).get(AUDIT), 401)
    # and the local development secret is no key of the set
    with monkeypatch.context() as local:
        local.delenv("GATEWAY_JWKS")
        development = token("auditor")
    assert_problem(Client(gateway, development).get(AUDIT), 401)

    # when the provider rotates: A is retired, C published, the file replaced while the gateway runs
    write_jwks(path, b, c)
    # then A's token is refused even though it was accepted before, and B's and C's are accepted
    assert_problem(Client(gateway, token_a).get(AUDIT), 401)
    assert audit_status(gateway, token_b) == 200
    assert audit_status(gateway, token_c) == 200


@contextlib.contextmanager
def serving(body: str):
    """An identity provider's JWKS endpoint on a free port: its URL."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_keys_of_a_jwks_url_are_chosen_by_kid(gateway, monkeypatch):
    # given the provider's JWKS endpoint with two keys
    a, b, stranger = ProviderKey("url-a"), ProviderKey("url-b"), ProviderKey("url-x")
    with serving(jwks(a, b)) as url:
        monkeypatch.setenv("GATEWAY_JWKS", url)
        # when tokens of both keys, of a key it does not publish and without a kid are sent
        # then those of its keys are accepted, the others refused
        assert audit_status(gateway, a.token("auditor")) == 200
        assert audit_status(gateway, b.token("auditor")) == 200
        assert_problem(Client(gateway, stranger.token("auditor")).get(AUDIT), 401)
        assert_problem(Client(gateway, a.token("auditor", kid=None)).get(AUDIT), 401)


# --- roles granted per municipality ------------------------------------------------------------------------------

def test_a_role_holds_only_in_the_municipality_it_was_granted_in(gateway, stand_ins):
    # given a person who recruits in HOME and audits in ELSEWHERE, and an applicant in each
    ours, theirs = stand_ins.add(HOME), stand_ins.add(ELSEWHERE)
    sub = a_sub()
    client = Client(gateway, token(sub=sub, grants={HOME: ["recruiter"], ELSEWHERE: ["auditor"]}))
    # when they use the recruiters' routes
    # then ELSEWHERE's applicant is not found, as if they held no role there, and lists show HOME's only
    assert client.get(f"/api/v1/applicants/{ours}").status_code == 200
    assert_problem(client.get(f"/api/v1/applicants/{theirs}"), 404, "not-found")
    listed = {item["applicant_id"] for item in client.get("/api/v1/applicants").json()["items"]}
    assert ours in listed and theirs not in listed
    assert_problem(client.get("/api/v1/applicants", params={"municipality": ELSEWHERE}), 404)
    # and the services are told they recruit in HOME only
    callers = [caller for name, _, caller in stand_ins.calls if caller and caller["sub"] == sub]
    assert callers and all(caller["roles"] == {HOME: ["recruiter"]} for caller in callers)
    # and as an auditor they read ELSEWHERE's audit log, while a role held nowhere is refused outright
    assert client.get(AUDIT).status_code == 200
    assert_problem(Client(gateway, token(grants={ELSEWHERE: ["auditor"]})).get("/api/v1/applicants"), 403)


def test_a_token_with_one_role_list_for_all_its_municipalities_is_refused(gateway):
    # given a token of the old shape: roles as one list, municipalities beside it
    now = int(time.time())
    old_shape = jwt.encode({"sub": a_sub(), "roles": ["auditor"], "municipalities": [HOME], "iss": "kontakt-local",
                            "aud": "kontakt", "iat": now, "exp": now + 600}, DEVELOPMENT_SECRET, algorithm="HS256",
                           headers={"kid": LOCAL_KID})
    # then it is not a valid token: which role holds where cannot be told
    assert_problem(Client(gateway, old_shape).get(AUDIT), 401)


@pytest.mark.parametrize("grants", [{"018": ["auditor"]}, {HOME: ["superuser"]}, {HOME: "auditor"}],
                         ids=["not-a-kommunkod", "not-a-role", "not-a-list"])
def test_a_token_with_malformed_grants_is_refused(gateway, grants):
    assert_problem(Client(gateway, token(grants=grants)).get(AUDIT), 401)
