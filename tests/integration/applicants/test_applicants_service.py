"""The applicants service in-process under nameko: RPC as the gateway calls it, with the caller in context data,
and registry_checks' events received through the kernel's inbox (and once through RabbitMQ).

Every test registers people of its own (a fresh personnummer and family name), so the tests share one running
service and one database and still read as if alone.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import string
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.applicants.domain.checks import DEFAULT_REQUIRED_REGISTERS
from services.applicants.service import ApplicantsService
from services.applicants.spec import SPEC
from services.common import config
from services.common.adapters import ServiceProblem
from services.common.db import make_pool
from services.common.envelope import Event, to_wire
from services.common.kernel import Kernel
from services.common.projections import rebuild
from services.common.roles import Caller
from services.common.signing import CALLER_KEY, CALLER_SIGNATURE_KEY, caller_context
from services.common.sweden import today
from services.common.topology import declare
from tests.conftest import prepare_database
from tests.infrastructure import signed_caller
from tests.kernel.helpers import publish_as_relay, running_service, wait_until
from tests.people import a_personnummer

STOCKHOLM, GOTEBORG = "0180", "1480"

WEB_FORM = {"sub": None, "roles": {}, "system": True}
RECRUITER = {"sub": "rekryterare-1", "name": "Rut Rekryterare", "roles": {STOCKHOLM: ["recruiter"]}, "system": False}
CASE_WORKER = {"sub": "handlaggare-1", "name": "Hans Handläggare",
               "roles": {STOCKHOLM: ["case_worker"]}, "system": False}
GOTEBORG_RECRUITER = {"sub": "rekryterare-9", "name": "Greta Göteborg",
                      "roles": {GOTEBORG: ["recruiter"]}, "system": False}
COLLEAGUE = {"sub": "rekryterare-2", "name": "Kim Kollega", "roles": {STOCKHOLM: ["recruiter"]}, "system": False}


# --- the running service, and how the tests speak to it ---------------------------------------------------------

@pytest.fixture(scope="module")
def callers(test_environment):
    """One RPC proxy per caller, all to one in-process applicants service."""
    prepare_database(SPEC)
    amqp_uri = config.amqp_uri()
    proxies = {}
    with running_service(ApplicantsService, amqp_uri):
        try:
            for name, caller in {"web": WEB_FORM, "recruiter": RECRUITER, "case_worker": CASE_WORKER,
                                 "colleague": COLLEAGUE, "goteborg": GOTEBORG_RECRUITER}.items():
                proxy = ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=signed_caller(caller))
                proxies[name] = (proxy, proxy.start().applicants)
            yield {name: service for name, (_, service) in proxies.items()}
        finally:
            for proxy, _ in proxies.values():
                proxy.stop()


@pytest.fixture(scope="module")
def web(callers):
    return callers["web"]


@pytest.fixture(scope="module")
def recruiter(callers):
    return callers["recruiter"]


@pytest.fixture(scope="module")
def inbox(test_environment):
    """The service's kernel, to hand it registry_checks' events as its event handler would."""
    prepare_database(SPEC)
    pool = make_pool(config.database_url(SPEC.name), max_size=2)
    yield Kernel(SPEC, pool)
    pool.close()


def a_family_name() -> str:
    return "Test" + "".join(random.choices(string.ascii_lowercase, k=10))


def registration(**changes) -> dict:
    body = {
        "municipality": STOCKHOLM, "channel": "web", "roles": ["kontaktperson"], "given_name": "Anna",
        "family_name": a_family_name(), "personnummer": a_personnummer(),
        "contact": {"email": "anna@example.se", "phone": "070-123 45 67",
                    "address": {"street": "Storgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
        "availability": {"weekends": True}, "languages": ["svenska"], "interests": ["fotboll"],
        "consents": {"personal_data": True, "regional_pool": False},
    }
    body.update(changes)
    return body


def refusal(call, *args) -> ServiceProblem:
    with pytest.raises(ServiceProblem) as problem:
        call(*args)
    return problem.value


class CheckEvents:
    """registry_checks' side of one applicant: the check streams, as envelopes its relay would publish."""

    def __init__(self, applicant_id: str, municipality: str = STOCKHOLM):
        self.applicant_id = f"applicant-{applicant_id}"
        self.municipality = municipality
        self.versions: dict[str, int] = {}
        self.check_ids: dict[str, str] = {}

    def requested(self, register: str) -> dict:
        self.check_ids.setdefault(register, str(uuid.uuid4()))
        return self._event(register, "CheckRequested", roles=["kontaktperson"],
                           requested_at=datetime.now(timezone.utc).isoformat(), validity_months=12)

    def completed(self, register: str, outcome: str = "clear", valid_until: date | None = None,
                  entered_by: str | None = None) -> dict:
        """The register's result; with `entered_by`, a paper extract that recruiter keyed in."""
        return self._event(register, "CheckCompleted", outcome=outcome, register_reference="REF-1",
                           completed_at=datetime.now(timezone.utc).isoformat(),
                           valid_until=(valid_until or today() + timedelta(days=365)).isoformat(),
                           summary="", source="manual" if entered_by else "register", entered_by=entered_by)

    def conflict_raised(self, register: str, keyed_in: str, register_outcome: str, entered_by: str) -> dict:
        return self._event(register, "CheckConflictRaised", keyed_in={
            "outcome": keyed_in, "entered_by": entered_by, "completed_at": datetime.now(timezone.utc).isoformat(),
            "register_reference": None}, register_outcome=register_outcome, register_reference="REF-2",
            raised_at=datetime.now(timezone.utc).isoformat())

    def conflict_resolved(self, register: str, outcome: str, by: str) -> dict:
        return self._event(register, "CheckConflictResolved", outcome=outcome, reason="Utdraget var äldre.",
                           resolved_by=by, resolved_at=datetime.now(timezone.utc).isoformat())

    def expired(self, register: str) -> dict:
        return self._event(register, "CheckExpired", valid_until=today().isoformat(),
                           expired_on=today().isoformat())

    def _event(self, register: str, event_type: str, **data) -> dict:
        check_id = self.check_ids[register]
        stream_id = f"check-{check_id}"
        self.versions[stream_id] = self.versions.get(stream_id, 0) + 1
        now = datetime.now(timezone.utc)
        return to_wire(Event(
            event_id=uuid.uuid4(), event_type=event_type, schema_version=1, stream_id=stream_id,
            stream_type="check", stream_version=self.versions[stream_id], occurred_at=now, recorded_at=now,
            municipality=self.municipality, actor=None,
            data={"check_id": check_id, "applicant_id": self.applicant_id, "register": register,
                  "municipality": self.municipality, **data}))


def receive(inbox: Kernel, *envelopes: dict) -> None:
    for envelope in envelopes:
        assert inbox.receive(envelope, "registry_checks").status == "applied"


def checks_by_register(detail: dict) -> dict[str, tuple[str, str | None]]:
    return {c["register"]: (c["state"], c["outcome"]) for c in detail["checks"]}


# --- registration and reading back ---------------------------------------------------------------------------

def test_a_web_registration_reads_back_masked_in_the_list_and_in_full_in_the_detail(web, recruiter):
    # given an intresseanmälan through the public web form
    body = registration(roles=["kontaktperson", "kontaktfamilj"], household=[{"birth_year": 1990}])
    # when it is registered
    registered = web.register(body)
    # then it has an id and a short reference
    applicant_id = registered["applicant_id"]
    assert str(uuid.UUID(applicant_id)) == applicant_id
    assert registered["reference"] == "KP-" + applicant_id.replace("-", "")[:8].upper()

    # and a recruiter finds it by name, with the personnummer masked
    page = recruiter.list_applicants(q=f"anna {body['family_name'].lower()}")
    assert page["total"] == 1 and page["page"] == 1 and page["page_size"] == 50
    [item] = page["items"]
    assert item["applicant_id"] == applicant_id
    assert item["name"] == f"Anna {body['family_name']}"
    assert item["personnummer"] == body["personnummer"][:9] + "****"
    assert body["personnummer"][-4:] not in json.dumps(item)
    assert (item["status"], item["municipality"], item["channel"]) == ("registered", STOCKHOLM, "web")
    assert item["roles"] == ["kontaktperson", "kontaktfamilj"] and item["checks"] == []

    # and the detail holds the whole record, the full personnummer included
    detail = recruiter.get_applicant(applicant_id)
    assert detail["personnummer"] == body["personnummer"]
    assert detail["registered_on"] == today().isoformat() and detail["registered_by"] is None
    assert detail["contact"]["address"]["postnummer"] == "11122"
    assert detail["availability"] == {"weekdays": False, "evenings": False, "weekends": True, "holidays": False}
    assert detail["household"] == [{"birth_year": 1990, "relation": "other"}]
    assert detail["consents"] == {"personal_data": True, "regional_pool": False}
    assert (detail["interviews"], detail["references"], detail["checks"]) == ([], [], [])
    # and the stream's form of the id names the same applicant
    assert recruiter.get_applicant(f"applicant-{applicant_id}")["applicant_id"] == applicant_id


def test_the_list_filters_by_status_role_and_municipality(web, recruiter, callers):
    # given two applicants of one family name, for different roles, one of them withdrawn
    family = a_family_name()
    person = web.register(registration(family_name=family, roles=["kontaktperson"]))
    family_home = web.register(registration(family_name=family, given_name="Bo", roles=["kontaktfamilj"],
                                            household=[]))
    recruiter.withdraw(person["applicant_id"], {"withdrawn_by": "applicant"})

    def ids(**filters):
        return {item["applicant_id"] for item in recruiter.list_applicants(q=family, **filters)["items"]}

    # then each filter narrows the list
    assert ids() == {person["applicant_id"], family_home["applicant_id"]}
    assert ids(role="kontaktfamilj") == {family_home["applicant_id"]}
    assert ids(status="withdrawn") == {person["applicant_id"]}
    assert ids(status="registered", role="kontaktperson") == set()
    first_page = recruiter.list_applicants(municipality=STOCKHOLM, q=family, page_size=1)
    assert first_page["total"] == 2 and len(first_page["items"]) == 1
    second_page = recruiter.list_applicants(municipality=STOCKHOLM, q=family, page=2, page_size=1)
    assert {first_page["items"][0]["applicant_id"], second_page["items"][0]["applicant_id"]} == ids()
    # and a case worker of the municipality may read the list too
    assert len(callers["case_worker"].list_applicants(q=family)["items"]) == 2
    # and a filter that is not a status is refused, naming it
    problem = refusal(recruiter.list_applicants, None, "pending")
    assert problem.kind == "invalid" and problem.problems[0]["field"] == "status"


def test_a_recruiter_keys_in_a_phone_registration_for_their_own_municipality_only(recruiter, callers):
    # when a recruiter keys in a registration that came by phone
    registered = recruiter.register(registration(channel="phone"))
    # then it records who keyed it in
    assert recruiter.get_applicant(registered["applicant_id"])["registered_by"] == "rekryterare-1"
    # and a recruiter may not register in another municipality, nor a case worker at all
    assert refusal(callers["goteborg"].register, registration()).kind == "not_found"
    assert refusal(callers["case_worker"].register, registration(channel="phone")).kind == "forbidden"


def test_bad_input_is_refused_naming_each_field(web):
    # when the form is sent without a name and with a personnummer that does not add up
    problem = refusal(web.register, {k: v for k, v in registration(personnummer="19900101-0018").items()
                                     if k != "given_name"})
    # then the missing field is named
    assert problem.kind == "invalid" and [p["field"] for p in problem.problems] == ["given_name"]
    # and once the fields are there, the rules name the personnummer, without quoting it
    problem = refusal(web.register, registration(personnummer="19900101-0018"))
    assert problem.kind == "refused" and problem.problems[0]["field"] == "personnummer"
    assert "19900101" not in json.dumps(problem.problems)
    # and a registration without its municipality is invalid
    problem = refusal(web.register, {k: v for k, v in registration().items() if k != "municipality"})
    assert problem.kind == "invalid" and problem.problems[0]["field"] == "municipality"


def test_a_recruiter_keying_in_a_second_open_registration_is_told_of_the_existing_applicant(web, recruiter):
    # given a registered applicant
    body = registration()
    first = web.register(body)
    # when a recruiter keys in the same person again, the number written in its 10-digit form
    again = registration(channel="phone", personnummer=body["personnummer"][2:].replace("-", ""),
                         family_name=body["family_name"])
    problem = refusal(recruiter.register, again)
    # then the registration is refused, naming the existing applicant (theirs to read) and not the person
    assert problem.kind == "refused"
    [duplicate] = problem.problems
    assert duplicate["code"] == "duplicate_registration" and first["applicant_id"] in duplicate["message"]
    assert body["personnummer"][:8] not in duplicate["message"]
    # and nothing is recorded: one applicant, no repeat
    assert recruiter.list_applicants(q=body["family_name"])["total"] == 1
    assert recruiter.get_applicant(first["applicant_id"])["repeats"] == []


def test_the_public_form_sent_again_is_answered_as_new_and_recorded_on_the_open_registration(web, recruiter):
    # given a registration through the public form
    body = registration()
    first = web.register(body)
    # when the same person sends the form again, with a new phone number
    again = registration(personnummer=body["personnummer"][2:].replace("-", ""), family_name=body["family_name"],
                         contact={**body["contact"], "phone": "070-999 88 77"})
    receipt = web.register(again)
    # then it is answered as a registration: an id and its reference, neither the first one's
    assert set(receipt) == set(first) == {"applicant_id", "reference"}
    assert receipt["applicant_id"] != first["applicant_id"] and receipt["reference"] != first["reference"]
    # and no second applicant exists; the receipt's id names none
    assert recruiter.list_applicants(q=body["family_name"])["total"] == 1
    assert refusal(recruiter.get_applicant, receipt["applicant_id"]).kind == "not_found"
    # and the recruiter sees the repeat on the first registration: when, how, what differs, and its receipt
    [repeat] = recruiter.get_applicant(first["applicant_id"])["repeats"]
    assert (repeat["repeated_on"], repeat["channel"], repeat["receipt"]) == (
        today().isoformat(), "web", receipt["reference"])
    assert repeat["contact"]["phone"] == "070-999 88 77" and repeat["name"] is None and repeat["new_roles"] == []
    # and finds the registration by the receipt the sender quotes
    [found] = recruiter.list_applicants(q=receipt["reference"])["items"]
    assert found["applicant_id"] == first["applicant_id"]
    # and another municipality may register the same person
    assert web.register(registration(municipality=GOTEBORG, personnummer=body["personnummer"]))
    # and once the first registration is withdrawn, the person registers anew
    recruiter.withdraw(first["applicant_id"], {"withdrawn_by": "applicant", "reason": "flyttar"})
    anew = web.register(again)
    assert recruiter.get_applicant(anew["applicant_id"])["status"] == "registered"


def test_two_registrations_of_one_person_at_once_leave_one_open_and_one_repeat(web, recruiter):
    # when the same person's form is sent twice at the same moment
    body = registration()
    replies = [web.register.call_async(body) for _ in range(2)]
    answers = [reply.result() for reply in replies]
    # then both are answered alike, one registration is open and the other is recorded on it as a repeat
    assert all(set(answer) == {"applicant_id", "reference"} for answer in answers)
    [item] = recruiter.list_applicants(q=body["family_name"])["items"]
    [repeat] = recruiter.get_applicant(item["applicant_id"])["repeats"]
    assert {item["reference"], repeat["receipt"]} == {answer["reference"] for answer in answers}


def test_another_municipalitys_caller_finds_nothing(web, recruiter, callers):
    # given an applicant in Stockholm
    body = registration()
    applicant_id = web.register(body)["applicant_id"]
    goteborg = callers["goteborg"]
    # then a recruiter of Göteborg can neither read it nor act on it: it is not found
    assert refusal(goteborg.get_applicant, applicant_id).kind == "not_found"
    assert refusal(goteborg.record_interview, applicant_id, {"interviewed_on": today().isoformat(),
                                                             "interviewer": "x"}).kind == "not_found"
    assert refusal(goteborg.withdraw, applicant_id, {"withdrawn_by": "recruiter"}).kind == "not_found"
    assert refusal(goteborg.list_applicants, STOCKHOLM).kind == "not_found"
    assert goteborg.list_applicants(q=body["family_name"])["total"] == 0
    # and an id that names nothing is not found either
    assert refusal(recruiter.get_applicant, str(uuid.uuid4())).kind == "not_found"
    assert refusal(recruiter.get_applicant, "not-an-id").kind == "not_found"
    # and a case worker may read it, but not decide on it
    assert callers["case_worker"].get_applicant(applicant_id)["applicant_id"] == applicant_id
    assert refusal(callers["case_worker"].reject, applicant_id, {"reason": "x"}).kind == "forbidden"


# --- register checks -----------------------------------------------------------------------------------------

def test_check_events_from_registry_checks_show_in_the_detail(web, recruiter, inbox):
    # given a registered applicant whose checks registry_checks requested
    applicant_id = web.register(registration())["applicant_id"]
    checks = CheckEvents(applicant_id)
    receive(inbox, *(checks.requested(register) for register in DEFAULT_REQUIRED_REGISTERS))
    assert set(checks_by_register(recruiter.get_applicant(applicant_id)).values()) == {("requested", None)}

    # when one register answers clear, one with remarks, and a clear one later expires
    police, suspicions, social, debts = DEFAULT_REQUIRED_REGISTERS
    receive(inbox, checks.completed(police), checks.completed(suspicions, "remarks"), checks.completed(social),
            checks.expired(social))
    # then the detail shows each check's state
    detail = recruiter.get_applicant(applicant_id)
    assert checks_by_register(detail) == {police: ("completed", "clear"), suspicions: ("completed", "remarks"),
                                          social: ("expired", "clear"), debts: ("requested", None)}
    [clear] = [c for c in detail["checks"] if c["register"] == police]
    assert clear["check_id"] == checks.check_ids[police]
    assert clear["valid_until"] == (today() + timedelta(days=365)).isoformat()
    assert clear["register_reference"] == "REF-1" and clear["result_source"] == "register"
    # and the list carries them too
    [item] = recruiter.list_applicants(q=detail["family_name"])["items"]
    assert {c["register"]: c["state"] for c in item["checks"]}[debts] == "requested"


def test_check_events_arrive_through_rabbitmq(web, recruiter, callers):
    # given the queue the service's receiver consumes, bound to registry_checks' exchange
    amqp_uri = config.amqp_uri()
    declare(amqp_uri, ["registry_checks"], SPEC.subscriptions)
    applicant_id = web.register(registration())["applicant_id"]
    checks = CheckEvents(applicant_id)
    register = DEFAULT_REQUIRED_REGISTERS[0]
    # when registry_checks publishes a check's request and its clear result
    publish_as_relay(amqp_uri, "registry_checks", checks.requested(register), checks.completed(register))
    # then the applicant's detail shows the check clear
    wait_until(lambda: checks_by_register(recruiter.get_applicant(applicant_id)) == {
        register: ("completed", "clear")}, timeout=10, message="the check to show as completed clear")


# --- assessment and decision ---------------------------------------------------------------------------------

def test_approval_is_refused_listing_what_is_missing_and_succeeds_once_all_is_in_place(web, recruiter, inbox):
    # given a registered applicant and nothing else
    applicant_id = web.register(registration(roles=["kontaktperson", "skkp"]))["applicant_id"]
    approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=365)).isoformat()}
    # when the recruiter approves, then every missing part of the assessment is listed
    problem = refusal(recruiter.approve, applicant_id, approval)
    assert problem.kind == "refused"
    codes = [p["code"] for p in problem.problems]
    assert codes.count("interview_missing") == 1 and codes.count("reference_missing") == 2
    assert codes.count("check_missing") == len(DEFAULT_REQUIRED_REGISTERS)

    # given the interview, both references, and checks all clear but one with remarks
    detail = recruiter.record_interview(applicant_id, {"interviewed_on": today().isoformat(),
                                                       "interviewer": "rekryterare-1", "home_visit": True})
    assert len(detail["interviews"]) == 1 and detail["interviews"][0]["home_visit"] is True
    recruiter.record_reference(applicant_id, {"kind": "work_or_studies", "name": "Chef", "contact": "08-1",
                                              "outcome": "positive"})
    detail = recruiter.record_reference(applicant_id, {"kind": "private", "name": "Vän", "contact": "08-2",
                                                       "outcome": "positive"})
    assert [r["kind"] for r in detail["references"]] == ["work_or_studies", "private"]
    checks = CheckEvents(applicant_id)
    *clear, debts = DEFAULT_REQUIRED_REGISTERS
    for register in clear:
        receive(inbox, checks.requested(register), checks.completed(register))
    receive(inbox, checks.requested(debts), checks.completed(debts, "remarks"))
    # when the recruiter approves, then only the check with remarks stands in the way, named
    problem = refusal(recruiter.approve, applicant_id, approval)
    [remarks] = problem.problems
    assert remarks["code"] == "check_remarks" and debts in remarks["message"]
    assert checks.check_ids[debts] in remarks["message"]

    # given a renewed check of that register that came back clear
    receive(inbox, checks.requested(debts), checks.completed(debts))
    # when the recruiter approves, then the applicant is approved for the roles decided
    detail = recruiter.approve(applicant_id, approval)
    assert detail["status"] == "approved" and detail["approved_roles"] == ["kontaktperson"]
    assert detail["approval_valid_until"] == approval["valid_until"] and detail["approved_by"] == "rekryterare-1"
    [item] = recruiter.list_applicants(q=detail["family_name"], status="approved")["items"]
    assert item["approved_roles"] == ["kontaktperson"]
    # and a second approval is refused: the applicant is already approved
    assert refusal(recruiter.approve, applicant_id, approval).problems[0]["code"] == "applicant_approved"


def test_approval_waits_for_a_resolved_conflict_and_for_another_recruiter_than_who_keyed_in(web, recruiter, callers,
                                                                                           inbox):
    # given an assessed applicant whose checks are clear: one the register's own, the rest keyed in by the recruiter
    applicant_id = web.register(registration())["applicant_id"]
    recruiter.record_interview(applicant_id, {"interviewed_on": today().isoformat(), "interviewer": "Rut"})
    for kind in ("work_or_studies", "private"):
        recruiter.record_reference(applicant_id, {"kind": kind, "name": "Ref", "contact": "08-1",
                                                  "outcome": "positive"})
    checks = CheckEvents(applicant_id)
    first, *keyed_in = DEFAULT_REQUIRED_REGISTERS
    receive(inbox, checks.requested(first), checks.completed(first, "remarks", entered_by="rekryterare-2"),
            checks.completed(first, "clear"), checks.conflict_raised(first, "remarks", "clear", "rekryterare-2"))
    for register in keyed_in:
        receive(inbox, checks.requested(register), checks.completed(register, entered_by="rekryterare-1"))
    approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=365)).isoformat()}
    # when the recruiter approves, then it is refused: the conflict, and four eyes for each result they keyed in
    problem = refusal(recruiter.approve, applicant_id, approval)
    codes = sorted(p["code"] for p in problem.problems)
    assert codes == ["check_conflict"] + ["four_eyes"] * len(keyed_in)
    # and the detail shows the conflict with both results
    [shown] = [c for c in recruiter.get_applicant(applicant_id)["checks"] if c["register"] == first]
    assert shown["conflict"]["state"] == "open" and shown["conflict"]["keyed_in"]["outcome"] == "remarks"
    assert (shown["outcome"], shown["result_source"]) == ("clear", "register")
    # when the conflict is resolved, a colleague may approve; the recruiter still may not
    receive(inbox, checks.conflict_resolved(first, "clear", "rekryterare-2"))
    assert {p["code"] for p in refusal(recruiter.approve, applicant_id, approval).problems} == {"four_eyes"}
    detail = callers["colleague"].approve(applicant_id, approval)
    assert (detail["status"], detail["approved_by"]) == ("approved", "rekryterare-2")


def test_rejection_needs_a_reason_and_closes_the_applicant(web, recruiter):
    applicant_id = web.register(registration())["applicant_id"]
    assert refusal(recruiter.reject, applicant_id, {"reason": "   "}).problems[0]["field"] == "reason"
    detail = recruiter.reject(applicant_id, {"reason": "inte lämplig för uppdraget"})
    assert (detail["status"], detail["rejection_reason"], detail["decided_by"]) == (
        "rejected", "inte lämplig för uppdraget", "rekryterare-1")


def test_availability_and_regional_consent_change_and_show_in_the_detail(web, recruiter):
    applicant_id = web.register(registration())["applicant_id"]
    detail = recruiter.change_availability(applicant_id, {"availability": {"evenings": True, "holidays": True}})
    assert detail["availability"] == {"weekdays": False, "evenings": True, "weekends": False, "holidays": True}
    assert recruiter.give_regional_consent(applicant_id)["regional_consent"] is True
    detail = recruiter.withdraw_regional_consent(applicant_id)
    assert detail["regional_consent"] is False and detail["consents"]["regional_pool"] is False


def test_a_withdrawn_applicant_can_no_longer_be_assessed(web, recruiter):
    # given a registered applicant
    applicant_id = web.register(registration())["applicant_id"]
    # when the applicant withdraws
    detail = recruiter.withdraw(applicant_id, {"withdrawn_by": "applicant", "reason": "ingen tid"})
    # then the applicant is withdrawn, with who asked and why
    assert (detail["status"], detail["withdrawn_by"], detail["withdrawal_reason"]) == (
        "withdrawn", "applicant", "ingen tid")
    # and nothing more can be recorded on it
    problem = refusal(recruiter.record_interview, applicant_id, {"interviewed_on": today().isoformat(),
                                                                 "interviewer": "rekryterare-1"})
    assert problem.kind == "refused" and problem.problems[0]["code"] == "applicant_withdrawn"


def test_health_answers_after_asking_the_database(web):
    assert web.health() == {"database": True}


def test_the_projection_rebuilds_to_the_same_rows_from_the_events_and_the_inbox(web, recruiter, inbox):
    # given applicants with assessments, decisions, checks (one in conflict) and a repeated registration
    body = registration()
    applicant_id = web.register(body)["applicant_id"]
    web.register({**body, "contact": {"email": "ny@example.se"}})
    recruiter.record_reference(applicant_id, {"kind": "private", "name": "Vän", "contact": "08-2",
                                              "outcome": "negative"})
    checks = CheckEvents(applicant_id)
    police = DEFAULT_REQUIRED_REGISTERS[0]
    receive(inbox, checks.requested(police), checks.completed(police, entered_by="rekryterare-1"),
            checks.completed(police, "remarks"), checks.conflict_raised(police, "clear", "remarks", "rekryterare-1"))
    recruiter.withdraw(applicant_id, {"withdrawn_by": "recruiter"})
    before = _snapshot(inbox)
    # when the projection is rebuilt from the event store and the inbox
    with inbox.connection() as conn:
        replayed = rebuild(conn, SPEC.projections, progress=False)
    # then every row is as it was
    assert replayed > 0 and _snapshot(inbox) == before


def _snapshot(kernel: Kernel) -> dict:
    with kernel.connection() as conn:
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}").fetchall()))
                for projection in SPEC.projections for table in projection.tables}


# --- trusted only from the gateway and the relays (docs/security.md) --------------------------------------------

def _forged_contexts() -> dict[str, dict]:
    text = json.dumps(RECRUITER)
    signed = signed_caller(RECRUITER)
    widened = json.loads(signed[CALLER_KEY])
    widened["roles"][GOTEBORG] = ["recruiter"]
    return {
        "no signature": {CALLER_KEY: text},
        "a made-up signature": {CALLER_KEY: text, CALLER_SIGNATURE_KEY: "0" * 64},
        "system, unsigned": {CALLER_KEY: json.dumps({**WEB_FORM, "exp": 2**40})},
        "a signed caller changed afterwards": {CALLER_KEY: json.dumps(widened),
                                               CALLER_SIGNATURE_KEY: signed[CALLER_SIGNATURE_KEY]},
        "another key's signature": {CALLER_KEY: text, CALLER_SIGNATURE_KEY: hmac.new(
            b"not-the-deployments-key-but-long-enough", b"caller\n" + text.encode(), hashlib.sha256).hexdigest()},
        "an expired signature": caller_context(Caller(RECRUITER), now=time.time() - 3600),
    }


@pytest.mark.parametrize("forgery", list(_forged_contexts()))
def test_a_caller_the_gateway_did_not_sign_is_refused_and_changes_nothing(callers, recruiter, forgery):
    # given someone who may publish on the broker, calling the service over raw nameko RPC as a recruiter or as
    # the system, without the gateway's valid signature
    context = _forged_contexts()[forgery]
    body = registration()
    with ClusterRpcProxy({"AMQP_URI": config.amqp_uri()}, context_data=context) as proxy:
        # when they read, register and (as the system) register from the public form
        for call in (lambda: proxy.applicants.list_applicants(),
                     lambda: proxy.applicants.list_applicants(municipality=STOCKHOLM),
                     lambda: proxy.applicants.register(body)):
            # then each is refused as unauthenticated
            with pytest.raises(ServiceProblem) as refused:
                call()
            assert refused.value.kind == "unauthenticated"
    # and nothing was registered
    assert recruiter.list_applicants(q=body["family_name"])["total"] == 0


def test_a_clear_check_result_not_published_by_registry_checks_relay_is_not_applied(web, recruiter, inbox):
    # given an applicant with the interview and both references done, and every register check clear but one,
    # which is still pending
    amqp_uri = config.amqp_uri()
    declare(amqp_uri, ["registry_checks"], SPEC.subscriptions)
    applicant_id = web.register(registration())["applicant_id"]
    recruiter.record_interview(applicant_id, {"interviewed_on": today().isoformat(), "interviewer": "Rut"})
    for kind in ("work_or_studies", "private"):
        recruiter.record_reference(applicant_id, {"kind": kind, "name": "Ref", "contact": "08-1",
                                                  "outcome": "positive"})
    checks = CheckEvents(applicant_id)
    *answered, pending = DEFAULT_REQUIRED_REGISTERS
    publish_as_relay(amqp_uri, "registry_checks", *(checks.requested(register) for register in
                                                    DEFAULT_REQUIRED_REGISTERS))
    publish_as_relay(amqp_uri, "registry_checks", *(checks.completed(register) for register in answered))
    shown = {register: ("completed", "clear") for register in answered} | {pending: ("requested", None)}
    wait_until(lambda: checks_by_register(recruiter.get_applicant(applicant_id)) == shown, timeout=15,
               message="the genuine checks")
    approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=365)).isoformat()}

    # when someone else publishes a "clear" result for the pending check straight to registry_checks' exchange,
    # unsigned and with a made-up signature
    forged = checks.completed(pending)
    publish_as_relay(amqp_uri, "registry_checks", forged, signed=False)
    publish_as_relay(amqp_uri, "registry_checks", forged, signature="f" * 64)
    # then both are kept as refused, with the reason, and neither is applied: the check is still pending and the
    # applicant cannot be approved
    wait_until(lambda: len(_refused_for(inbox, forged["event_id"])) == 2, timeout=15, message="both refused")
    assert sorted(_refused_for(inbox, forged["event_id"])) == [("bad_signature", "CheckCompleted"),
                                                               ("unsigned", "CheckCompleted")]
    assert checks_by_register(recruiter.get_applicant(applicant_id))[pending] == ("requested", None)
    problem = refusal(recruiter.approve, applicant_id, approval)
    assert [p["code"] for p in problem.problems] == ["check_pending"]

    # when registry_checks' relay publishes that very result, then it is applied and the approval goes through
    publish_as_relay(amqp_uri, "registry_checks", forged)
    wait_until(lambda: checks_by_register(recruiter.get_applicant(applicant_id))[pending] == ("completed", "clear"),
               timeout=15, message="the genuine result applied")
    assert recruiter.approve(applicant_id, approval)["status"] == "approved"


def _refused_for(kernel: Kernel, event_id: str) -> list[tuple[str, str]]:
    with kernel.connection() as conn:
        return [tuple(row) for row in conn.execute(
            "SELECT reason, event_type FROM refused_messages WHERE source = 'registry_checks' AND event_id = %s",
            (event_id,)).fetchall()]
