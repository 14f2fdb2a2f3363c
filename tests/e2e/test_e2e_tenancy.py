"""Tenancy and audit over every route of the gateway's table, against the running system: a token for another
municipality can neither read nor change anything of this one (404, so existence does not leak), not even a
volunteer's token for another municipality carrying this one's volunteer's id; a volunteer reaches none of the
staff's routes (403), and a volunteer reaches nothing of another volunteer's under /api/v1/me/ (404).

And the audit: each attempt refused is in this municipality's audit log (who, which route, the id in its one
spelling) and not in the other's; each read by this municipality's own, with its ids spelt otherwise than the API
spells them, is audited under the canonical ids, in this municipality.

The routes come from gateway.service.ROUTES, so a new route is swept as soon as it is added; one whose path has a
parameter this module has no resource for (by the parameter's name), or a write this module has no body for,
fails until one is added below."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from gateway.service import ROUTES
from gateway.web import PATH_IDS, PUBLIC, canonical_id
from services.common import sweden
from services.common.roles import VOLUNTEER
from services.payments.contract import RATE_KEYS
from tests.e2e.conftest import a_personnummer
from tests.e2e.test_e2e_assignment_journey import a_childs_personnummer, approved_volunteer
from tests.kernel.helpers import wait_until

HOME, OTHER = "0180", "1480"  # Stockholm's resources; Göteborg's staff
TODAY = sweden.today()

STAFF_ROUTES = [route for route in ROUTES if route.roles != PUBLIC]
NOT_FOR_VOLUNTEERS = [route for route in STAFF_ROUTES if VOLUNTEER not in route.roles]
# A volunteer's own: the resource in the path is theirs or, for anyone else, does not exist.
VOLUNTEERS_OWN = [route for route in STAFF_ROUTES if VOLUNTEER in route.roles and "{" in route.path]
CASE_WORKER = "handlaggare-e2e-tenancy"
# Open without a token, on purpose: a route added to this list must be meant for everyone.
PUBLIC_ROUTES = {"POST /api/v1/interest", "GET /health", "GET /metrics", "GET /openapi.json", "GET /docs",
                 "GET /docs/{asset}"}
# The spellings of an id the services accept besides the API's own (docs/contracts.md, "Ids"); the sweep names
# each route's resources in one of them, in turn.
SPELLINGS = (lambda kind, key: key.upper(), lambda kind, key: key.replace("-", ""),
             lambda kind, key: "{" + key + "}", lambda kind, key: f"urn:uuid:{key}",
             lambda kind, key: f"{kind.upper()}-{key.upper()}")
# An audit row's subject as the API spells ids: a person's bare uuid, need-/assignment-<uuid>, a run, the rates.
CANONICAL = re.compile(r"^((need-|assignment-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                       r"|paymentrun-\d{4}-\d{4}-\d{2}|rates-\d{4})$")


def valid_bodies(home: dict) -> dict[str, dict]:
    """A body each POST or PUT route would accept from a caller allowed to act, so that a refusal is about the
    caller; by the route's endpoint (its handler's name)."""
    meeting = {"meeting_id": "e2e-tenancy-m9", "on": TODAY.isoformat(), "status": "held", "hours": 1,
               "activity": "Promenad"}
    return {
        "register_applicant": {**home["intresseanmalan"], "channel": "phone"},
        "record_interview": {"interviewed_on": TODAY.isoformat(), "interviewer": "Greta G"},
        "record_reference": {"kind": "private", "name": "Granne Grannsson", "contact": "031-000 00 00",
                             "outcome": "negative"},
        "approve": {"roles": ["kontaktperson"], "valid_until": (TODAY + timedelta(days=365)).isoformat()},
        "reject": {"reason": "Göteborg försöker ändra."},
        "withdraw": {"withdrawn_by": "recruiter", "reason": "Göteborg försöker."},
        "change_availability": {"availability": {"weekdays": True, "evenings": True}},
        "record_check_result": {"outcome": "remarks", "completed_on": TODAY.isoformat()},
        "resolve_check_conflict": {"reason": "Göteborg försöker."},
        # needs and assignments (the case workers)
        "register_need": need_body(),
        "close_need": {"closed_on": TODAY.isoformat(), "reason": "no_longer_needed"},
        "make_offer": {"need_id": home["ids"]["need_id"], "volunteer_id": home["ids"]["volunteer_id"]},
        "start_assignment": start_body(),
        "revise_plan": {"effective_from": TODAY.replace(day=1).isoformat(), "plan": start_body()["plan"],
                        "reason": "Göteborg försöker ändra."},
        "record_supervision": {"on": TODAY.isoformat(), "note": "Göteborg försöker."},
        "interrupt_assignment": {"interrupted_on": TODAY.isoformat(), "reason": "Göteborg."},
        "resume_assignment": {"resumed_on": TODAY.isoformat()},
        "end_assignment": {"ended_on": TODAY.isoformat(), "reason": "need_met"},
        "report_deviation": {"description": "Planen fungerar inte."},
        # a volunteer's own
        "accept_offer": {},
        "decline_offer": {"reason": "Hinner inte."},
        "log_meeting": meeting,
        "correct_meeting": {**meeting, "reason": "Fel antal timmar."},
        "report_my_deviation": {"description": "Planen fungerar inte."},
        "request_end": {"reason": "Flyttar."},
        # ersättning och utbetalning
        "publish_rates": {"effective_from": TODAY.isoformat(), "reason": "Göteborg försöker ändra.",
                          "rates": [{"key": RATE_KEYS[0], "value": None}]},
        "approve_report": {"month": home["ids"]["month"], "meeting_ids": home["report_meeting_ids"]},
        "prepare_payment_run": {},
        "approve_payment_run": {},
        "set_tax_details": tax_details_body(HOME),
        "decide_arvode_level": decision_body(), "approve_omkostnad_excess": decision_body(),
    }


def decision_body() -> dict:
    """An individual decision on an assignment (förhöjt arvode, omkostnad above SKR's level) for this year."""
    return {"from_month": f"{TODAY.year}-01", "to_month": f"{TODAY.year}-12", "amount_ore": 40000,
            "reason": "Individuell prövning.", "underlag_reference": "Dnr E2E-1"}


def queries(municipality: str) -> dict[str, dict]:
    """The query a GET route requires, asking within `municipality`; by the route's endpoint."""
    return {"get_tax_details": {"municipality": municipality}}


def need_body() -> dict:
    return {"insats": "kontaktperson", "legal_basis": "SoL", "decision_date": (TODAY - timedelta(days=20)).isoformat(),
            "period_from": (TODAY - timedelta(days=20)).isoformat(), "needs": "Bryta isolering",
            "clients": [{"personnummer": a_childs_personnummer(), "name": "Alva Exempel"}],
            "goals": ["Fler fritidsaktiviteter"], "interests": ["fotboll"], "languages": ["svenska"],
            "postnummer": "111 22", "frequency_per_month": 4, "case_worker_id": CASE_WORKER}


def start_body() -> dict:
    return {"start_date": (TODAY - timedelta(days=10)).isoformat(), "case_worker_id": CASE_WORKER,
            "plan": {"goals": ["Fler fritidsaktiviteter"], "frequency_per_month": 4, "scope": "En träff i veckan",
                     "arvode": {"basis": "category", "category": 1, "percent": 20},
                     "omkostnad": {"level": 1, "receipts_allowed": True}}}


def tax_details_body(municipality: str) -> dict:
    return {"municipality": municipality, "personnummer": a_personnummer(), "withholding_basis": "default",
            "reason": "Blankett från uppdragstagaren"}


@pytest.fixture(scope="module")
def home(system) -> dict:
    """Stockholm's resources of every kind a path may name: an applicant with its register checks answered,
    interviewed; and an approved volunteer with a need, an offer they accepted, the started assignment, a meeting
    (in payments' närvarorapport) and their tax details."""
    recruiter = system.client("recruiter", [HOME])
    applicant_id, body = system.register_publicly(HOME)
    checks = wait_until(lambda: (lambda items: items if items and all(c["state"] == "completed" for c in items)
                                 else None)(recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]),
                        timeout=20, message="the register checks answered")
    answer = recruiter.post(f"/api/v1/applicants/{applicant_id}/interviews",
                            {"interviewed_on": TODAY.isoformat(), "interviewer": "Rut Rekryterare"})
    assert answer.status_code == 200, answer.text

    volunteer_id = approved_volunteer(system)
    case_worker = system.client("case_worker", [HOME], sub=CASE_WORKER)
    need = case_worker.post(f"/api/v1/municipalities/{HOME}/needs", need_body())
    assert need.status_code == 201, need.text
    need_id = need.json()["need_id"]

    def candidate():
        found = case_worker.get(f"/api/v1/needs/{need_id}/candidates", params={"limit": 100}).json()
        return next((c["volunteer_id"] for c in found.get("candidates", ())
                     if c["volunteer_id"].endswith(volunteer_id)), None)
    offer = case_worker.post("/api/v1/offers", {"need_id": need_id, "volunteer_id": wait_until(
        candidate, timeout=20, interval=0.3, message="the volunteer among the candidates")})
    assert offer.status_code == 201, offer.text
    assignment_id = offer.json()["assignment_id"]
    me = system.client(VOLUNTEER, [HOME], sub=volunteer_id)
    answer = me.post(f"/api/v1/me/offers/{assignment_id}/accept")
    assert answer.status_code == 200, answer.text
    answer = case_worker.post(f"/api/v1/assignments/{assignment_id}/start", start_body())
    assert answer.status_code == 200, answer.text
    on = TODAY - timedelta(days=2)
    answer = me.post(f"/api/v1/me/assignments/{assignment_id}/meetings", {
        "meeting_id": "e2e-tenancy-m1", "on": on.isoformat(), "status": "held", "hours": 2, "activity": "Bio"})
    assert answer.status_code == 200, answer.text
    answer = system.client("finance", [HOME]).request("PUT", f"/api/v1/volunteers/{volunteer_id}/tax-details",
                                                      tax_details_body(HOME))
    assert answer.status_code == 200, answer.text
    month = f"{on:%Y-%m}"

    def report():
        answer = case_worker.get(f"/api/v1/assignments/{assignment_id}/reports/{month}")
        return answer.json()["meetings"] if answer.status_code == 200 else None
    meetings = wait_until(report, timeout=20, interval=0.3, message="payments' närvarorapport")

    # The resources a path may name, by the name of the path's parameter (the route table names each for the id
    # it holds).
    ids = {"applicant_id": applicant_id, "check_id": checks[0]["check_id"], "municipality": HOME,
           "need_id": need_id, "assignment_id": assignment_id, "meeting_id": "e2e-tenancy-m1",
           "volunteer_id": volunteer_id, "month": month, "period": f"{TODAY:%Y-%m}"}
    return {"ids": ids, "intresseanmalan": body, "report_meeting_ids": [m["meeting_id"] for m in meetings],
            "identifiers": [applicant_id, body["family_name"], *(check["check_id"] for check in checks),
                            volunteer_id, need_id, assignment_id, "e2e-tenancy-m1"]}


def path_of(route, home: dict, spelt: bool = False) -> str:
    """The route's path naming, for each of its parameters, Stockholm's resource of that name; `spelt`, each id in
    another spelling than the API's (the route's turn of SPELLINGS)."""
    def fill(match):
        name = match.group(1)
        if name not in home["ids"]:
            pytest.fail(f"{route.template}: no {name} to sweep with; add one to the `home` fixture")
        value = home["ids"][name]
        if spelt and name in PATH_IDS:
            kind = PATH_IDS[name][0]
            spelling = SPELLINGS[STAFF_ROUTES.index(route) % len(SPELLINGS)]
            return spelling(kind, value.removeprefix(f"{kind}-"))
        return value
    return re.sub(r"{(\w+)}", fill, route.path)


def the_id_of(route, home: dict) -> str | None:
    """The path's first id, as the API spells it: what an attempt on it is audited under."""
    return next((canonical_id(name, home["ids"][name]) for name in route.parameters if name in PATH_IDS), None)


def audit_rows(system, actor: str, request_ids: set[str], municipality: str = HOME) -> list[dict]:
    """The audit rows of these requests by `actor`, as an auditor of `municipality` finds them."""
    answer = system.client("auditor", [municipality]).get("/api/v1/audit", params={"actor": actor, "limit": 1000})
    assert answer.status_code == 200, answer.text
    return [row for row in answer.json()["items"] if row["request_id"] in request_ids]


def assert_read_audited_at_home(system, route, actor: str, answer, named: str | None) -> None:
    """Stockholm's own read: every row of it in Stockholm's audit log, each subject in the API's spelling, the
    resource the path named among them; none in Göteborg's."""
    request_id = {answer.headers["X-Request-Id"]}
    rows = audit_rows(system, actor, request_id)
    if route.audit is None:  # no one's personal data
        assert rows == []
    elif named is not None:
        assert named in {row["subject"] for row in rows}, f"{route.template}: {named} not in {rows}"
    assert {(row["action"], row["municipality"]) for row in rows} <= {("read", HOME)}
    assert [row["subject"] for row in rows if row["subject"] and not CANONICAL.match(row["subject"])] == []
    # and in Göteborg's only the reads of its own people the answer showed: volunteers of Göteborg's regional pool
    # among a Stockholm need's candidates, whose reading their home municipality's auditors see
    elsewhere = audit_rows(system, actor, request_id, municipality=OTHER)
    assert all(row["action"] == "read" and row["subject"] != named and row["subject"] in answer.text
               for row in elsewhere), f"{route.template}: {elsewhere}"


def as_seen_by_home(system, home: dict) -> dict:
    """What Stockholm's staff and volunteer see of their own: what another municipality or another volunteer must
    not have changed."""
    recruiter = system.client("recruiter", [HOME])
    applicant_id = home["ids"]["applicant_id"]
    detail = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
    checks = recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]
    registered = recruiter.get("/api/v1/applicants", params={"q": home["intresseanmalan"]["family_name"]}).json()
    case_worker, finance = system.client("case_worker", [HOME]), system.client("finance", [HOME])
    ids = home["ids"]

    def read(client, path: str, **params):
        answer = client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()
    return {"status": detail["status"], "interviews": detail["interviews"], "references": detail["references"],
            "availability": detail["availability"], "approved_roles": detail["approved_roles"],
            "checks": sorted((c["check_id"], c["state"], c["outcome"]) for c in checks),
            "registrations": registered["total"],
            "need": read(case_worker, f"/api/v1/needs/{ids['need_id']}"),
            "assignment": read(case_worker, f"/api/v1/assignments/{ids['assignment_id']}"),
            "needs": read(case_worker, f"/api/v1/municipalities/{HOME}/needs")["total"],
            "tax_details": read(finance, f"/api/v1/volunteers/{ids['volunteer_id']}/tax-details", municipality=HOME),
            "rates": read(system.client("admin", [HOME]), f"/api/v1/municipalities/{HOME}/rates"),
            "runs": read(finance, f"/api/v1/municipalities/{HOME}/payment-runs")}


def client_of(system, home: dict, roles, municipality: str):
    """(Staff of `municipality` with `roles`, their sub); for a volunteer's route, a volunteer's token for
    `municipality` carrying the home volunteer's id: their own in Stockholm, and elsewhere the attempt to reach
    their items from another municipality."""
    sub = home["ids"]["volunteer_id"] if VOLUNTEER in roles else f"e2e-tenancy-{uuid.uuid4().hex[:8]}"
    return system.client(roles, [municipality], sub=sub), sub


def test_only_the_routes_meant_for_everyone_are_open_without_a_token():
    assert {route.template for route in ROUTES if route.roles == PUBLIC} == PUBLIC_ROUTES
    assert NOT_FOR_VOLUNTEERS, "the sweep below must have routes to sweep"
    assert VOLUNTEERS_OWN, "the sweep below must have a volunteer's own routes to sweep"


def body_for(route, home: dict) -> dict:
    """The valid body of a write; a write this module has no body for fails until one is added above."""
    if route.method == "GET":
        return {}
    bodies = valid_bodies(home)
    if route.endpoint not in bodies:
        pytest.fail(f"{route.template}: no valid body to sweep with; add one for {route.endpoint} to `valid_bodies`")
    return bodies[route.endpoint]


@pytest.mark.parametrize("route", NOT_FOR_VOLUNTEERS, ids=lambda route: route.template)
def test_a_volunteer_reaches_no_staff_route(system, home, route):
    # given a volunteer of the municipality, with an applicant's id (the home volunteer's own)
    volunteer = system.client(VOLUNTEER, [HOME], sub=home["ids"]["volunteer_id"])
    before = as_seen_by_home(system, home)
    # when the volunteer calls the route with a request its staff could make
    answer = volunteer.request(route.method, path_of(route, home), body_for(route, home),
                               params=queries(HOME).get(route.endpoint))
    # then it is forbidden, and nothing changed
    assert answer.status_code == 403, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert as_seen_by_home(system, home) == before


@pytest.mark.parametrize("route", VOLUNTEERS_OWN, ids=lambda route: route.template)
def test_a_volunteer_reaches_nothing_of_another_volunteers(system, home, route):
    # given another volunteer of the same municipality than the one the assignment is offered to
    other = system.client(VOLUNTEER, [HOME], sub=str(uuid.uuid4()))
    before = as_seen_by_home(system, home)
    # when they name the home volunteer's assignment: then it does not exist for them
    answer = other.request(route.method, path_of(route, home), body_for(route, home))
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"] == "No such resource."
    # and nothing of it changed
    assert as_seen_by_home(system, home) == before


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda route: route.template)
def test_another_municipality_can_neither_read_nor_change(system, home, route):
    # given Göteborg with every role the route allows (a volunteer: a token for Göteborg with the home volunteer's
    # id), and Stockholm's resources
    other, actor = client_of(system, home, route.roles, OTHER)
    before = as_seen_by_home(system, home)
    body = body_for(route, home)
    query_fields = set(route.query._declared_fields) if route.query else set()
    refused = set()  # the request ids of Göteborg's attempts that named Stockholm's

    if "{" in route.path:
        # when Göteborg names Stockholm's resource (its ids in another spelling than the API's): then it does not
        # exist for Göteborg
        answer = other.request(route.method, path_of(route, home, spelt=True), body,
                               params=queries(OTHER).get(route.endpoint))
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == "No such resource."
        refused.add(answer.headers["X-Request-Id"])
        if route.endpoint in queries(HOME):  # nor when it asks for it in Stockholm by name
            answer = other.request(route.method, path_of(route, home), body, params=queries(HOME)[route.endpoint])
            assert answer.status_code == 404, answer.text
            refused.add(answer.headers["X-Request-Id"])
        if route.method == "GET":  # while Stockholm's own (staff, or the volunteer) reads it, however it is spelt
            mine, own = client_of(system, home, route.roles, HOME)
            answer = mine.get(path_of(route, home, spelt=True), params=queries(HOME).get(route.endpoint))
            assert answer.status_code == 200, answer.text
            # and that read is audited in Stockholm, under the ids as the API spells them
            assert_read_audited_at_home(system, route, own, answer, the_id_of(route, home))
    elif route.method == "GET":
        # when Göteborg lists or searches for Stockholm's: then nothing of it is in the answer
        search = {name: value for name, value in (("q", home["intresseanmalan"]["family_name"]),
                                                  ("subject", home["ids"]["applicant_id"])) if name in query_fields}
        answer = other.get(route.path, params=search)
        assert answer.status_code == 200, answer.text
        theirs = [i for i in home["identifiers"] if not (VOLUNTEER in route.roles and i == home["ids"]["volunteer_id"])]
        assert not any(identifier in answer.text for identifier in theirs)  # (a volunteer's own id is theirs)
        assert audit_rows(system, actor, {answer.headers["X-Request-Id"]}) == []  # nothing of Stockholm's read
        if "municipality" in query_fields:  # and asking for Stockholm by name is "not found"
            answer = other.get(route.path, params={**search, "municipality": HOME})
            assert answer.status_code == 404, answer.text
            refused.add(answer.headers["X-Request-Id"])
        # while Stockholm's own lists it, each item audited in Stockholm under the ids as the API spells them
        mine, own = client_of(system, home, route.roles, HOME)
        answer = mine.get(route.path, params=queries(HOME).get(route.endpoint))
        assert answer.status_code == 200, answer.text
        assert_read_audited_at_home(system, route, own, answer, None)
    else:
        # when Göteborg writes into Stockholm (the body names Stockholm or its resource): then it does not exist
        if route.body is not None and "municipality" in route.body._declared_fields:
            body = {**body, "municipality": HOME}
        answer = other.request(route.method, route.path, body)
        assert answer.status_code == 404, answer.text
        refused.add(answer.headers["X-Request-Id"])

    # and the attempts that named Stockholm's are in Stockholm's audit log: who tried which route on which id (the
    # API's spelling), refused; and in Göteborg's they are not
    if refused:
        rows = audit_rows(system, actor, refused)
        assert rows, f"{route.template}: Göteborg's attempt on Stockholm's was not audited"
        assert {(row["action"], row["route"], row["municipality"], row["subject"]) for row in rows} == {
            ("refused", route.template, HOME, the_id_of(route, home))}
        assert audit_rows(system, actor, refused, municipality=OTHER) == []

    # and nothing of Stockholm's changed
    assert as_seen_by_home(system, home) == before
