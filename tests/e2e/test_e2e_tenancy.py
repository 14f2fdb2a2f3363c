"""Tenancy over every route of the gateway's table, against the running system: a token for another municipality
can neither read nor change anything of this one (404, so existence does not leak), and a volunteer reaches none
of the staff's routes (403). The routes come from gateway.service.ROUTES, so a new route is swept as soon as it
is added; one whose path names a resource kind this module has no example of fails until one is added below."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.auth import VOLUNTEER
from gateway.service import ROUTES
from gateway.web import PUBLIC
from tests.kernel.helpers import wait_until

HOME, OTHER = "0180", "1480"  # Stockholm's resources; Göteborg's staff
TODAY = datetime.now(ZoneInfo("Europe/Stockholm")).date()

STAFF_ROUTES = [route for route in ROUTES if route.roles != PUBLIC]
NOT_FOR_VOLUNTEERS = [route for route in STAFF_ROUTES if VOLUNTEER not in route.roles]
# Open without a token, on purpose: a route added to this list must be meant for everyone.
PUBLIC_ROUTES = {"POST /api/v1/interest", "GET /health", "GET /metrics", "GET /openapi.json", "GET /docs"}


def valid_bodies(home: dict) -> dict[str, dict]:
    """A body each POST route would accept from a caller allowed to act, so that a refusal is about the caller."""
    return {
        "POST /api/v1/applicants": {**home["intresseanmalan"], "channel": "phone"},
        "POST /api/v1/applicants/{id}/interviews": {"interviewed_on": TODAY.isoformat(), "interviewer": "Greta G"},
        "POST /api/v1/applicants/{id}/references": {"kind": "private", "name": "Granne Grannsson",
                                                    "contact": "031-000 00 00", "outcome": "negative"},
        "POST /api/v1/applicants/{id}/approval": {"roles": ["kontaktperson"],
                                                  "valid_until": (TODAY + timedelta(days=365)).isoformat()},
        "POST /api/v1/applicants/{id}/rejection": {"reason": "Göteborg försöker ändra."},
        "POST /api/v1/applicants/{id}/withdrawal": {"withdrawn_by": "recruiter", "reason": "Göteborg försöker."},
        "POST /api/v1/applicants/{id}/availability": {"availability": {"weekdays": True, "evenings": True}},
        "POST /api/v1/checks/{id}/result": {"outcome": "remarks", "completed_on": TODAY.isoformat()},
    }


@pytest.fixture(scope="module")
def home(system) -> dict:
    """An applicant of Stockholm with its register checks answered, interviewed, with a reference."""
    recruiter = system.client("recruiter", [HOME])
    applicant_id, body = system.register_publicly(HOME)
    checks = wait_until(lambda: (lambda items: items if items and all(c["state"] == "completed" for c in items)
                                 else None)(recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]),
                        timeout=20, message="the register checks answered")
    answer = recruiter.post(f"/api/v1/applicants/{applicant_id}/interviews",
                            {"interviewed_on": TODAY.isoformat(), "interviewer": "Rut Rekryterare"})
    assert answer.status_code == 200, answer.text
    # The resources a path may name, by the kind of resource before its {id}.
    ids = {"applicants": applicant_id, "checks": checks[0]["check_id"]}
    return {"ids": ids, "intresseanmalan": body, "identifiers": [applicant_id, body["family_name"],
                                                                 *(check["check_id"] for check in checks)]}


def path_of(route, home: dict) -> str:
    """The route's path naming Stockholm's resource of the kind the path names."""
    def fill(match):
        kind = route.path[:match.start()].rstrip("/").rsplit("/", 1)[-1]
        if kind not in home["ids"]:
            pytest.fail(f"{route.template}: no resource of kind {kind!r} to sweep; add one to the `home` fixture")
        return home["ids"][kind]
    return re.sub(r"{\w+}", fill, route.path)


def as_seen_by_home(system, home: dict) -> dict:
    """What a recruiter of Stockholm sees of the applicant: what another municipality must not have changed."""
    recruiter = system.client("recruiter", [HOME])
    applicant_id = home["ids"]["applicants"]
    detail = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
    checks = recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]
    registered = recruiter.get("/api/v1/applicants", params={"q": home["intresseanmalan"]["family_name"]}).json()
    return {"status": detail["status"], "interviews": detail["interviews"], "references": detail["references"],
            "availability": detail["availability"], "approved_roles": detail["approved_roles"],
            "checks": sorted((c["check_id"], c["state"], c["outcome"]) for c in checks),
            "registrations": registered["total"]}


def test_only_the_routes_meant_for_everyone_are_open_without_a_token():
    assert {route.template for route in ROUTES if route.roles == PUBLIC} == PUBLIC_ROUTES
    assert NOT_FOR_VOLUNTEERS, "the sweep below must have routes to sweep"


@pytest.mark.parametrize("route", NOT_FOR_VOLUNTEERS, ids=lambda route: route.template)
def test_a_volunteer_reaches_no_staff_route(system, home, route):
    # given a volunteer of the applicant's own municipality
    volunteer = system.client(VOLUNTEER, [HOME])
    before = as_seen_by_home(system, home)
    # when the volunteer calls the route with a request its staff could make
    answer = volunteer.request(route.method, path_of(route, home), valid_bodies(home).get(route.template, {}))
    # then it is forbidden, and nothing changed
    assert answer.status_code == 403, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert as_seen_by_home(system, home) == before


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda route: route.template)
def test_another_municipality_can_neither_read_nor_change(system, home, route):
    # given staff of Göteborg with every role the route allows, and an applicant of Stockholm
    other = system.client(route.roles, [OTHER])
    before = as_seen_by_home(system, home)
    body = valid_bodies(home).get(route.template, {})
    query_fields = set(route.query._declared_fields) if route.query else set()

    if "{" in route.path:
        # when Göteborg names Stockholm's resource: then it does not exist for Göteborg
        answer = other.request(route.method, path_of(route, home), body)
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == "No such resource."
        if route.method == "GET":  # while Stockholm's own staff reads it
            mine = system.client(route.roles, [HOME]).get(path_of(route, home))
            assert mine.status_code == 200, mine.text
    elif route.method == "GET":
        # when Göteborg searches for Stockholm's applicant: then nothing of it is in the answer
        search = {name: value for name, value in (("q", home["intresseanmalan"]["family_name"]),
                                                  ("subject", home["ids"]["applicants"])) if name in query_fields}
        answer = other.get(route.path, params=search)
        assert answer.status_code == 200, answer.text
        assert not any(identifier in answer.text for identifier in home["identifiers"])
        if "municipality" in query_fields:  # and asking for Stockholm by name is "not found"
            answer = other.get(route.path, params={**search, "municipality": HOME})
            assert answer.status_code == 404, answer.text
    else:
        # when Göteborg writes into Stockholm: then Stockholm does not exist for Göteborg
        answer = other.request(route.method, route.path, {**body, "municipality": HOME})
        assert answer.status_code == 404, answer.text

    # and nothing of Stockholm's changed
    assert as_seen_by_home(system, home) == before
