"""What the assignments service's integration tests share: the service running in-process, RPC proxies per caller,
and the applicants' and registry_checks' events of made-up volunteers, handed to the service's inbox as its event
handlers would (every envelope is validated against the publisher's own published schema first, so the tests
rely on the real contract).

Each test makes volunteers and needs of its own, so the tests share one running service and one database.
"""
from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.applicants.events import EVENT_SCHEMAS as APPLICANT_SCHEMAS
from services.assignments.service import AssignmentsService
from services.assignments.spec import SPEC
from services.common import config
from services.common.adapters import ServiceProblem
from services.common.db import make_pool
from services.common.envelope import Event, to_wire
from services.common.kernel import Kernel
from services.common.sweden import today
from services.common.topology import declare
from services.registry_checks.events import EVENT_SCHEMAS as CHECK_SCHEMAS
from tests.conftest import prepare_database
from tests.infrastructure import signed_caller
from tests.kernel.helpers import running_service

STOCKHOLM, SOLNA, GOTEBORG = "0180", "0184", "1480"
CHILD = "201212031239"  # born 2012-12-03
REGISTERS = ("polisen_belastningsregister", "polisen_misstankeregister", "socialregistret", "kronofogden")

CASE_WORKER = {"sub": "handlaggare-1", "name": "Hans Handläggare",
               "roles": {STOCKHOLM: ["case_worker"]}, "system": False}
OTHER_CASE_WORKER = {"sub": "handlaggare-2", "name": "Hedda Handläggare",
                     "roles": {STOCKHOLM: ["case_worker"]}, "system": False}
GOTEBORG_CASE_WORKER = {"sub": "handlaggare-9", "name": "Greta Göteborg",
                        "roles": {GOTEBORG: ["case_worker"]}, "system": False}
RECRUITER = {"sub": "rekryterare-1", "name": "Rut Rekryterare", "roles": {STOCKHOLM: ["recruiter"]}, "system": False}


class Stack:
    """The running service, a kernel on its database (the tests' inbox), and RPC proxies by caller."""

    def __init__(self, kernel: Kernel, amqp_uri: str):
        self.kernel = kernel
        self.amqp_uri = amqp_uri
        self._proxies: dict[str, tuple[ClusterRpcProxy, object]] = {}

    def rpc(self, caller: dict):
        key = json.dumps(caller, sort_keys=True)
        if key not in self._proxies:
            proxy = ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, context_data=signed_caller(caller))
            self._proxies[key] = (proxy, proxy.start().assignments)
        return self._proxies[key][1]

    def volunteer_rpc(self, volunteer: "Volunteer", bare_id: bool = False):
        """The volunteer as the gateway vouches for them: `sub` is their applicant id."""
        sub = volunteer.key if bare_id else volunteer.applicant_id
        return self.rpc({"sub": sub, "name": None, "roles": {volunteer.municipality: ["volunteer"]},
                         "system": False})

    def receive(self, source: str, *envelopes: dict) -> list[str]:
        return [self.kernel.receive(envelope, source).status for envelope in envelopes]

    def stop(self) -> None:
        for proxy, _ in self._proxies.values():
            proxy.stop()


@pytest.fixture(scope="module")
def stack(test_environment):
    prepare_database(SPEC)
    amqp_uri = config.amqp_uri()
    declare(amqp_uri, ["applicants", "registry_checks", "assignments"], SPEC.subscriptions)
    pool = make_pool(config.database_url(SPEC.name), max_size=3)
    stack = Stack(Kernel(SPEC, pool), amqp_uri)
    try:
        with running_service(AssignmentsService, amqp_uri):
            yield stack
    finally:
        stack.stop()
        pool.close()


def refusal(call, *args, **kwargs) -> ServiceProblem:
    with pytest.raises(ServiceProblem) as problem:
        call(*args, **kwargs)
    return problem.value


# --- foreign events ------------------------------------------------------------------------------------------

class _Stream:
    def __init__(self, stream_id: str, stream_type: str, municipality: str):
        self.stream_id, self.stream_type, self.municipality = stream_id, stream_type, municipality
        self.version = 0
        self.last_event_id: uuid.UUID | None = None

    def envelope(self, event_type: str, data: dict, schemas: dict) -> dict:
        _, schema = schemas[event_type]
        schema().load(data)  # the publisher's contract
        self.version += 1
        now = datetime.now(timezone.utc)
        self.last_event_id = uuid.uuid4()
        return to_wire(Event(event_id=self.last_event_id, event_type=event_type, schema_version=1,
                             stream_id=self.stream_id, stream_type=self.stream_type, stream_version=self.version,
                             occurred_at=now, recorded_at=now, data=data, municipality=self.municipality,
                             actor="rekryterare-1"))


class Volunteer:
    """One applicant's events (applicants) and their register checks' events (registry_checks)."""

    def __init__(self, municipality: str = STOCKHOLM, *, regional: bool = False, interests=("fotboll",),
                 languages=("svenska",), postnummer: str = "11234", age_range=(None, None), max_assignments=1,
                 availability=("weekends", "evenings"), household=None, given_name="Vera"):
        self.key = str(uuid.uuid4())
        self.applicant_id = f"applicant-{self.key}"
        self.municipality = municipality
        self.name = f"{given_name} Test{self.key[:6]}"
        self.stream = _Stream(self.applicant_id, "applicant", municipality)
        self.checks = {register: _Stream(f"check-{uuid.uuid4()}", "check", municipality) for register in REGISTERS}
        born = date(1970, 1, 1) + timedelta(days=random.randrange(20 * 365))
        self.registration = {
            "applicant_id": self.applicant_id, "municipality": municipality, "registered_on": today().isoformat(),
            "channel": "web", "roles": ["kontaktperson", "kontaktfamilj"], "given_name": given_name,
            "family_name": f"Test{self.key[:6]}", "personnummer": f"{born:%Y%m%d}-1234",
            "identity_kind": "personnummer", "birth_date": born.isoformat(),
            "contact": {"email": "vera@example.se", "phone": None,
                        "address": {"street": "Storgatan 1", "postnummer": postnummer, "city": "Stockholm",
                                    "municipality": municipality}},
            "household": household, "languages": list(languages), "interests": list(interests),
            "availability": {k: k in availability for k in ("weekdays", "evenings", "weekends", "holidays")},
            "preferences": {"client_age_min": age_range[0], "client_age_max": age_range[1],
                            "max_assignments": max_assignments},
            "experience": None, "free_text": None,
            "consents": {"personal_data": True, "regional_pool": regional}, "by": None}

    # applicants' events
    def registered(self) -> dict:
        return self.stream.envelope("ApplicantRegistered", self.registration, APPLICANT_SCHEMAS)

    def approved(self, roles=("kontaktperson",), valid_until: date | None = None) -> dict:
        return self.stream.envelope("ApplicantApproved", {
            "applicant_id": self.applicant_id, "roles": list(roles), "approved_on": today().isoformat(),
            "valid_until": (valid_until or today() + timedelta(days=3 * 365)).isoformat(),
            "check_ids": [s.stream_id[len("check-"):] for s in self.checks.values()], "by": "rekryterare-1"},
            APPLICANT_SCHEMAS)

    def withdrawn(self) -> dict:
        return self.stream.envelope("ApplicantWithdrawn", {
            "applicant_id": self.applicant_id, "withdrawn_by": "applicant", "reason": "", "by": "rekryterare-1"},
            APPLICANT_SCHEMAS)

    def consent(self, given: bool) -> dict:
        return self.stream.envelope("RegionalConsentChanged", {
            "applicant_id": self.applicant_id, "regional_pool": given, "by": "rekryterare-1"}, APPLICANT_SCHEMAS)

    def availability(self, *kinds: str) -> dict:
        return self.stream.envelope("AvailabilityChanged", {
            "applicant_id": self.applicant_id, "by": "rekryterare-1",
            "availability": {k: k in kinds for k in ("weekdays", "evenings", "weekends", "holidays")}},
            APPLICANT_SCHEMAS)

    # registry_checks' events
    def check_requested(self, register: str) -> dict:
        return self._check(register, "CheckRequested", roles=["kontaktperson"],
                           requested_at=datetime.now(timezone.utc).isoformat(), validity_months=12)

    def check_completed(self, register: str, outcome: str = "clear", valid_until: date | None = None) -> dict:
        return self._check(register, "CheckCompleted", outcome=outcome, register_reference="REF-1",
                           completed_at=datetime.now(timezone.utc).isoformat(),
                           valid_until=(valid_until or today() + timedelta(days=365)).isoformat(),
                           summary="", source="register", entered_by=None)

    def check_expired(self, register: str) -> dict:
        return self._check(register, "CheckExpired", valid_until=(today() - timedelta(days=1)).isoformat(),
                           expired_on=today().isoformat())

    def _check(self, register: str, event_type: str, **data) -> dict:
        stream = self.checks[register]
        return stream.envelope(event_type, {
            "check_id": stream.stream_id[len("check-"):], "applicant_id": self.applicant_id, "register": register,
            "municipality": self.municipality, **data}, CHECK_SCHEMAS)

    def all_checks_clear(self, valid_until: date | None = None) -> list[dict]:
        out = []
        for register in REGISTERS:
            out += [self.check_requested(register), self.check_completed(register, valid_until=valid_until)]
        return out


def approved_volunteer(stack: Stack, roles=("kontaktperson",), **kwargs) -> Volunteer:
    """A volunteer registered, with every register check clear, approved for `roles`: in the pool."""
    volunteer = Volunteer(**kwargs)
    assert set(stack.receive("applicants", volunteer.registered())) == {"applied"}
    assert set(stack.receive("registry_checks", *volunteer.all_checks_clear())) == {"applied"}
    assert stack.receive("applicants", volunteer.approved(roles)) == ["applied"]
    return volunteer


# --- the case worker's side ----------------------------------------------------------------------------------

def need_body(**changes) -> dict:
    body = {"insats": "kontaktperson", "legal_basis": "SoL",
            "decision_date": (today() - timedelta(days=20)).isoformat(),
            "period_from": (today() - timedelta(days=20)).isoformat(), "period_to": None,
            "clients": [{"personnummer": CHILD, "name": "Alva Exempel"}], "needs": "Bryta isolering",
            "goals": ["Fler fritidsaktiviteter"], "interests": ["fotboll", "musik"], "languages": ["svenska"],
            "postnummer": "112 34", "protected_identity": False, "frequency_per_month": 4,
            "case_worker_id": CASE_WORKER["sub"]}
    body.update(changes)
    return body


def plan_body(**changes) -> dict:
    body = {"goals": ["Fler fritidsaktiviteter"], "frequency_per_month": 4, "scope": "Två träffar i veckan",
            "arvode": {"basis": "category", "category": 2, "percent": 30},
            "omkostnad": {"level": 1, "receipts_allowed": True}}
    body.update(changes)
    return body


def candidate_ids(answer: dict) -> list[str]:
    return [c["volunteer_id"] for c in answer["candidates"]]


def stored_events(stack: Stack, stream_id: str) -> list[str]:
    with stack.kernel.connection() as conn:
        return [row[0] for row in conn.execute(
            "SELECT event_type FROM events WHERE stream_id = %s ORDER BY stream_version", (stream_id,))]


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()
