"""Who may call what: no or a bad token is 401, a role not allowed 403, another municipality's resource 404;
every error is problem+json; the caller reaches the services as nameko context data."""
from __future__ import annotations

import re
import time

import jwt
import pytest

from gateway.service import ROUTES, RECRUITERS
from services.common.roles import ROLES

from gateway_testing import ELSEWHERE, EXPLODES, HOME, Client, a_sub, assert_problem, token


def concrete(path: str, value: str = "00000000-0000-0000-0000-000000000000") -> str:
    return re.sub(r"{\w+}", value, path)


PERSONAL_ROUTES = [route for route in ROUTES if route.roles]


@pytest.mark.parametrize("route", PERSONAL_ROUTES, ids=lambda r: r.template)
def test_every_route_with_personal_data_needs_a_token(gateway, route):
    # given no token
    client = Client(gateway)
    # when any route that shows or changes personal data is called
    response = client.session.request(route.method, gateway + concrete(route.path), json={}, timeout=30)
    # then 401, as problem+json, with a bearer challenge
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("bad_token", [
    "not-a-jwt",
    jwt.encode({"sub": "x", "roles": {HOME: ["recruiter"]}, "exp": int(time.time()) + 60},
               "another-secret", algorithm="HS256"),
    token("recruiter", ttl_seconds=-3600),  # expired an hour ago
    jwt.encode({"sub": "x", "roles": {HOME: ["recruiter"]}}, "kontakt-local-development-"
               "secret-change-me", algorithm="HS256"),  # no exp
    jwt.encode({"sub": "x", "roles": {HOME: ["recruiter"]}, "exp": int(time.time()) + 60},
               None, algorithm="none"),
    token("superuser"),  # not a role of Kontakt
], ids=["garbage", "wrong-key", "expired", "no-exp", "alg-none", "unknown-role"])
def test_a_bad_token_is_401(gateway, bad_token):
    response = Client(gateway, bad_token).get("/api/v1/applicants")
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize("route", [r for r in ROUTES if r.roles == RECRUITERS], ids=lambda r: r.template)
@pytest.mark.parametrize("role", [role for role in ROLES if role != "recruiter"])
def test_only_recruiters_reach_the_recruiter_routes(gateway, stand_ins, route, role):
    # given a token of the right municipality but another role (a volunteer, a case worker, ...)
    sub = a_sub()
    client = Client(gateway, token(role, sub=sub))
    # when it calls a recruiter route
    response = client.session.request(route.method, gateway + concrete(route.path), json={}, timeout=30)
    # then 403, and no service was asked anything
    assert_problem(response, 403, "forbidden")
    assert stand_ins.asked_by(sub) == []


def test_only_auditors_read_the_audit_log(gateway):
    assert_problem(Client(gateway, token("recruiter", "admin")).get("/api/v1/audit"), 403, "forbidden")
    assert Client(gateway, token("auditor")).get("/api/v1/audit").status_code == 200


def test_an_applicant_of_another_municipality_is_not_found_and_not_read(gateway, stand_ins):
    # given an applicant of Stockholm, and a recruiter of Boden only
    theirs = stand_ins.add(ELSEWHERE)
    client = Client(gateway, token("recruiter", municipalities=[HOME]))
    # when the recruiter asks for it, even though the (stand-in) service answers
    for path in (f"/api/v1/applicants/{theirs}", f"/api/v1/applicants/{theirs}/checks"):
        # then it is 404, exactly as for an id that does not exist
        foreign = assert_problem(client.get(path), 404, "not-found")
        missing = assert_problem(client.get(path.replace(theirs, "00000000-0000-0000-0000-000000000000")), 404)
        assert (foreign["title"], foreign["detail"]) == (missing["title"], missing["detail"])


def test_a_list_shows_only_the_callers_municipalities(gateway, stand_ins):
    # given applicants in both municipalities, and a service that (wrongly) answers with both
    ours, theirs = stand_ins.add(HOME), stand_ins.add(ELSEWHERE)
    client = Client(gateway, token("recruiter", municipalities=[HOME]))
    # when the recruiter lists applicants and the worklist
    listed = client.get("/api/v1/applicants").json()["items"]
    worklist = client.get("/api/v1/worklist").json()["items"]
    # then only their own municipality's are shown
    assert ours in {a["applicant_id"] for a in listed} and theirs not in {a["applicant_id"] for a in listed}
    assert {item["municipality"] for item in listed + worklist} == {HOME}


def test_asking_for_another_municipality_is_404_before_any_service_is_asked(gateway, stand_ins):
    sub = a_sub()
    client = Client(gateway, token("recruiter", municipalities=[HOME], sub=sub))
    assert_problem(client.get("/api/v1/applicants", params={"municipality": ELSEWHERE}), 404)
    assert_problem(client.get("/api/v1/worklist", params={"municipality": ELSEWHERE}), 404)
    assert_problem(client.post("/api/v1/applicants", {"municipality": ELSEWHERE, "given_name": "Eva"}), 404)
    assert stand_ins.asked_by(sub) == []


def test_a_change_to_another_municipalitys_applicant_is_refused_by_the_service_as_not_found(gateway, stand_ins):
    # given a recruiter of Boden and the services' answer for Stockholm's applicant: not_found
    client = Client(gateway, token("recruiter", municipalities=[HOME]))
    # when they post an interview for an id the service does not show them
    response = client.post("/api/v1/applicants/00000000-0000-0000-0000-000000000001/interviews",
                           {"interviewed_on": "2026-01-10", "interviewer": "Rut"})
    # then the service's not_found is the gateway's 404
    assert_problem(response, 404, "not-found")


def test_the_caller_reaches_the_services_as_context_data(gateway, stand_ins):
    # given an applicant of Boden
    applicant_id = stand_ins.add(HOME)
    client = Client(gateway, token("recruiter", municipalities=[HOME], sub="rekryterare-7", name="Rut R"))
    # when the recruiter reads it and its checks
    assert client.get(f"/api/v1/applicants/{applicant_id}").status_code == 200
    assert client.get(f"/api/v1/applicants/{applicant_id}/checks").status_code == 200
    # then each service was asked as that recruiter
    for method in ("get_applicant", "checks_for_applicant"):
        args, caller = stand_ins.called(method)[-1]
        assert args == (applicant_id,)
        assert caller == {"sub": "rekryterare-7", "name": "Rut R", "roles": {HOME: ["recruiter"]}, "system": False}


def test_the_applicants_checks_come_from_the_register_checks_service(gateway, stand_ins):
    applicant_id = stand_ins.add(HOME)
    checks = Client(gateway, token("recruiter")).get(f"/api/v1/applicants/{applicant_id}/checks").json()
    assert [check["check_id"] for check in checks["items"]] == [f"check-{applicant_id}"]


def test_a_refusal_lists_its_fields(gateway, stand_ins):
    applicant_id = stand_ins.add(HOME)
    response = Client(gateway, token("recruiter")).post(f"/api/v1/applicants/{applicant_id}/interviews",
                                                        {"interviewed_on": "2099-01-01", "interviewer": "refuse"})
    body = assert_problem(response, 422, "command-refused")
    assert body["errors"] == [{"field": "interviewed_on", "message": "the interview cannot be in the future",
                               "code": "invalid"}]


def test_a_conflict_is_409(gateway, stand_ins):
    response = Client(gateway, token("recruiter")).post("/api/v1/applicants",
                                                        {"municipality": HOME, "family_name": "Konflikt"})
    assert_problem(response, 409, "conflict")


def test_bad_input_is_400_with_the_fields_named(gateway, stand_ins):
    client = Client(gateway, token("recruiter"))
    not_json = client.session.post(gateway + "/api/v1/applicants", data=b"{not json",
                                   headers={"Content-Type": "application/json"}, timeout=30)
    assert_problem(not_json, 400, "invalid-request")
    no_municipality = assert_problem(client.post("/api/v1/applicants", {"given_name": "Eva"}), 400)
    assert no_municipality["errors"] == [{"field": "municipality", "message": "Missing data for required field.",
                                          "code": "required"}]
    bad_query = assert_problem(client.get("/api/v1/applicants", params={"page": "0", "status": "x"}), 400)
    assert {error["field"] for error in bad_query["errors"]} == {"page", "status"}
    too_large = client.post("/api/v1/applicants", {"municipality": HOME, "free_text": "x" * 300_000})
    assert_problem(too_large, 413, "body-too-large")


def test_an_unexpected_error_is_500_and_shows_no_internals(gateway, stand_ins):
    response = Client(gateway, token("recruiter")).get(f"/api/v1/applicants/{EXPLODES}")
    body = assert_problem(response, 500, "internal-error")
    assert "Anna" not in response.text and "19121212" not in response.text and "RuntimeError" not in response.text
    assert "incident" in body["detail"]


def test_unknown_paths_and_methods_are_problems_too(gateway):
    assert_problem(Client(gateway).get("/api/v1/no-such-thing"), 404, "not-found")
    response = Client(gateway).session.delete(gateway + "/api/v1/interest", timeout=30)
    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["Allow"]


def test_production_accepts_only_rs256_tokens_of_the_configured_key(gateway, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    # given a gateway configured with an identity provider's public key (and a token of the local secret)
    local = token("auditor")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    monkeypatch.setenv("GATEWAY_JWT_PUBLIC_KEY", public_pem)
    # when tokens signed by that key, by another key and with the local secret are sent
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = token("auditor", key=private_pem, algorithm="RS256")
    forged = token("auditor", key=other, algorithm="RS256")
    # then only the first is accepted
    assert Client(gateway, signed).get("/api/v1/audit").status_code == 200
    assert_problem(Client(gateway, forged).get("/api/v1/audit"), 401)
    assert_problem(Client(gateway, local).get("/api/v1/audit"), 401)
