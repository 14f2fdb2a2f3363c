"""Recruitment through RabbitMQ with both services in-process: the applicants service, registry_checks, both
relays and the register simulator. What the issue asks to see:

    register -> checks requested -> simulator answers -> the applicant shows every check clear -> approval succeeds
    and: a register reports remarks -> approval is refused naming that check
"""
from __future__ import annotations

import random
import string
from datetime import date, timedelta

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from deploy.register_simulator import simulator as register_simulator
from services.applicants.service import ApplicantsService
from services.applicants.spec import SPEC as APPLICANTS
from services.common import config
from services.common.adapters import ServiceProblem
from services.common.kernel import all_subscriptions
from services.common.topology import declare
from services.registry_checks.domain import check_id_for
from services.registry_checks.service import RegistryChecksService
from services.registry_checks.spec import SPEC as REGISTRY_CHECKS
from tests.conftest import prepare_database
from tests.infrastructure import signed_caller
from tests.kernel.helpers import running_relay, running_service, wait_until
from tests.people import a_personnummer
from tests.unit.registry_checks.examples import DEFAULT_REGISTERS, STOCKHOLM

NORRTALJE = "0188"  # the simulator finds remarks at Kronofogden for Norrtälje's applicants
WEB_FORM = {"sub": None, "roles": {}, "system": True}
RECRUITER = {"sub": "rekryterare-1", "name": "Rut Rekryterare",
             "roles": {STOCKHOLM: ["recruiter"], NORRTALJE: ["recruiter"]}, "system": False}


@pytest.fixture(scope="module")
def system(test_environment):
    amqp_uri = config.amqp_uri()
    for spec in (APPLICANTS, REGISTRY_CHECKS):
        prepare_database(spec)
    declare(amqp_uri, [APPLICANTS.name, REGISTRY_CHECKS.name], all_subscriptions([APPLICANTS, REGISTRY_CHECKS]))
    register_simulator.declare_topology(amqp_uri)
    simulator = register_simulator.Simulator(amqp_uri, delay=0, rules=[
        register_simulator.Rule("remarks", register="kronofogden", municipality=NORRTALJE)])
    thread = eventlet.spawn(simulator.run)
    proxies = []

    def as_caller(caller):
        proxy = ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=signed_caller(caller))
        proxies.append(proxy)
        return proxy.start()

    try:
        with running_service(ApplicantsService, amqp_uri), running_service(RegistryChecksService, amqp_uri), \
                running_relay(APPLICANTS.name), running_relay(REGISTRY_CHECKS.name):
            wait_until(simulator.ready.is_set, timeout=10, message="the simulator consuming")
            try:
                yield {"web": as_caller(WEB_FORM).applicants, "recruiter": as_caller(RECRUITER)}
            finally:
                for proxy in proxies:
                    proxy.stop()
    finally:
        simulator.stop()
        thread.wait()


def register(system, municipality: str) -> str:
    return system["web"].register({
        "municipality": municipality, "channel": "web", "roles": ["kontaktperson"], "given_name": "Anna",
        "family_name": "Test" + "".join(random.choices(string.ascii_lowercase, k=10)),
        "personnummer": a_personnummer(),
        "contact": {"email": "anna@example.se", "phone": "070-123 45 67",
                    "address": {"street": "Storgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
        "consents": {"personal_data": True, "regional_pool": False}})["applicant_id"]


def assess(system, applicant_id: str) -> None:
    recruiter = system["recruiter"].applicants
    recruiter.record_interview(applicant_id, {"interviewed_on": date.today().isoformat(),
                                              "interviewer": "rekryterare-1"})
    for kind in ("work_or_studies", "private"):
        recruiter.record_reference(applicant_id, {"kind": kind, "name": "Referens", "contact": "08-1",
                                                  "outcome": "positive"})


def completed_checks(system, applicant_id: str) -> dict[str, dict]:
    def every_check_completed():
        checks = system["recruiter"].applicants.get_applicant(applicant_id)["checks"]
        done = {c["register"]: c for c in checks if c["state"] == "completed"}
        return done if len(done) == len(DEFAULT_REGISTERS) else None
    return wait_until(every_check_completed, timeout=30, interval=0.1,
                      message="the applicant to show every check completed")


APPROVAL = {"roles": ["kontaktperson"], "valid_until": (date.today() + timedelta(days=300)).isoformat()}


def test_registration_to_approval_with_every_register_clear(system):
    # given an intresseanmälan through the web form, and an interview and two positive references
    applicant_id = register(system, STOCKHOLM)
    assess(system, applicant_id)
    # when the registers have answered
    checks = completed_checks(system, applicant_id)
    # then the applicant shows every required check clear, as registry_checks does
    assert sorted(checks) == sorted(DEFAULT_REGISTERS)
    assert {c["outcome"] for c in checks.values()} == {"clear"}
    assert {c["register"]: c["outcome"] for c in
            system["recruiter"].registry_checks.checks_for_applicant(applicant_id)} == dict.fromkeys(DEFAULT_REGISTERS, "clear")
    # and the approval succeeds
    detail = system["recruiter"].applicants.approve(applicant_id, APPROVAL)
    assert detail["status"] == "approved"


def test_a_register_reporting_remarks_stops_the_approval_naming_that_check(system):
    # given an applicant in Norrtälje, where Kronofogden has something recorded, fully assessed otherwise
    applicant_id = register(system, NORRTALJE)
    assess(system, applicant_id)
    # when the registers have answered
    checks = completed_checks(system, applicant_id)
    assert checks.pop("kronofogden")["outcome"] == "remarks"
    assert {c["outcome"] for c in checks.values()} == {"clear"}
    # then the approval is refused, naming Kronofogden's check and nothing else
    with pytest.raises(ServiceProblem) as problem:
        system["recruiter"].applicants.approve(applicant_id, APPROVAL)
    [remarks] = problem.value.problems
    assert remarks["code"] == "check_remarks" and "kronofogden" in remarks["message"]
    assert check_id_for(f"applicant-{applicant_id}", "kronofogden") in remarks["message"]
