"""registry_checks end to end through the real RabbitMQ: the nameko service in-process with its relay, the register
simulator, and the applicants' side played by publishing their events as the applicants relay would.

    ApplicantRegistered -> CheckRequested (relay) -> simulator -> signed result on registry_checks.inbound
        -> the service's consumer -> CheckCompleted -> the check as the gateway reads it over RPC
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from kombu import Connection, Exchange, Producer
from nameko.standalone.rpc import ClusterRpcProxy

from deploy.register_simulator import simulator as register_simulator
from services.common import config
from services.common.adapters import CALLER_KEY, ServiceProblem
from services.common.db import connect
from services.common.topology import declare, events_exchange
from services.registry_checks import projection, spec
from services.registry_checks.domain import check_id_for
from services.registry_checks.service import RegistryChecksService
from services.registry_checks.settings import DEV_KEYS
from services.registry_checks.signing import sign, timestamp_of
from services.registry_checks.topology import INBOUND_EXCHANGE
from tests.conftest import prepare_database
from tests.infrastructure import signed_caller
from tests.kernel.helpers import publish_as_relay, running_relay, running_service, wait_until
from tests.unit.registry_checks.examples import DEFAULT_REGISTERS, STOCKHOLM, applicant_event, registration

RECRUITER = {"sub": "rekryterare-1", "name": "Rekryterare", "roles": {STOCKHOLM: ["recruiter"]}}
ADMIN = {"sub": "admin-1", "roles": {STOCKHOLM: ["admin"]}}
OTHER_RECRUITER = {"sub": "rekryterare-9", "roles": {"0380": ["recruiter"]}}


@pytest.fixture(scope="module")
def stack():
    """registry_checks running under nameko with its relay, and the simulator answering at once."""
    amqp_uri = config.amqp_uri()
    prepare_database(spec.SPEC)
    declare(amqp_uri, [spec.SERVICE, "applicants"], spec.SPEC.subscriptions)
    register_simulator.declare_topology(amqp_uri)
    simulator = register_simulator.Simulator(amqp_uri, delay=0, rules=[])
    import eventlet

    thread = eventlet.spawn(simulator.run)
    try:
        with running_service(RegistryChecksService, amqp_uri), running_relay(spec.SERVICE):
            wait_until(simulator.ready.is_set, timeout=10, message="the simulator consuming")
            yield {"amqp_uri": amqp_uri, "simulator": simulator}
    finally:
        simulator.stop()
        thread.wait()


def rpc(stack, caller: dict, method: str, *args, **kwargs):
    with ClusterRpcProxy({"AMQP_URI": stack["amqp_uri"]}, context_data=signed_caller(caller)) as proxy:
        return getattr(proxy.registry_checks, method)(*args, **kwargs)


def publish_applicant_event(stack, event_type: str, applicant_id: str, version: int, data: dict) -> None:
    """What the applicants relay publishes: the envelope on applicants.events, routing key = event type."""
    publish_as_relay(stack["amqp_uri"], "applicants", applicant_event(event_type, applicant_id, version, data))


def register_applicant(stack) -> str:
    applicant_id = f"applicant-{uuid.uuid4()}"
    publish_applicant_event(stack, "ApplicantRegistered", applicant_id, 1, registration())
    return applicant_id


def checks_when(stack, applicant_id: str, predicate, message: str) -> dict[str, dict]:
    def current():
        checks = {c["register"]: c for c in rpc(stack, RECRUITER, "checks_for_applicant", applicant_id)}
        return checks if len(checks) == 4 and predicate(checks) else None
    return wait_until(current, timeout=20, interval=0.1, message=message)


def test_registration_to_every_check_clear_through_the_simulator(stack):
    # given the simulator answers clear by default
    # when an applicant registers
    applicant_id = register_applicant(stack)
    # then every required register's check completes clear, answered by the register itself
    checks = checks_when(stack, applicant_id, lambda cs: all(c["state"] == "completed" for c in cs.values()),
                         "four completed checks")
    assert list(checks) == DEFAULT_REGISTERS
    assert {(c["outcome"], c["source"]) for c in checks.values()} == {("clear", "register")}
    assert all(c["valid_until"] and c["clear_until"] == c["valid_until"] for c in checks.values())


def test_a_register_that_reports_remarks_shows_on_that_check_only(stack):
    # given Kronofogden has something recorded on the next applicant
    applicant_id = f"applicant-{uuid.uuid4()}"
    stack["simulator"].rules = [register_simulator.Rule("remarks", register="kronofogden", applicant_id=applicant_id)]
    # when the applicant registers
    publish_applicant_event(stack, "ApplicantRegistered", applicant_id, 1,
                            registration(roles=["kontaktfamilj"], channel="phone", by="rekryterare-1"))
    # then Kronofogden's check completed with remarks and a summary, and the others are clear
    checks = checks_when(stack, applicant_id, lambda cs: all(c["state"] == "completed" for c in cs.values()),
                         "four completed checks")
    kfm = checks.pop("kronofogden")
    assert (kfm["outcome"], kfm["clear_until"]) == ("remarks", None) and kfm["summary"]
    assert {c["outcome"] for c in checks.values()} == {"clear"}


def an_applicant_the_registers_are_silent_for(stack) -> str:
    """A kontaktperson applicant of Stockholm whose checks are requested and stay pending."""
    applicant_id = f"applicant-{uuid.uuid4()}"
    stack["simulator"].rules = [register_simulator.Rule("none", applicant_id=applicant_id)]
    publish_applicant_event(stack, "ApplicantRegistered", applicant_id, 1, registration())
    checks_when(stack, applicant_id, lambda cs: all(c["state"] == "pending" for c in cs.values()), "pending checks")
    return applicant_id


def test_a_manual_extract_and_a_withdrawal_while_registers_are_silent(stack):
    # given registers that do not answer for this applicant
    applicant_id = an_applicant_the_registers_are_silent_for(stack)
    polisen = check_id_for(applicant_id, "polisen_belastningsregister")
    # when a recruiter of another municipality tries to key in an extract, it is not found
    with pytest.raises(ServiceProblem) as problem:
        rpc(stack, OTHER_RECRUITER, "record_manual_result", polisen, {"outcome": "clear", "completed_on": "2020-01-01"})
    assert problem.value.kind == "not_found"
    # and an invalid body is named field by field
    with pytest.raises(ServiceProblem) as problem:
        rpc(stack, RECRUITER, "record_manual_result", polisen, {"outcome": "fine"})
    assert problem.value.kind == "invalid"
    assert {p["field"] for p in problem.value.problems} == {"outcome", "completed_on"}
    # when the Stockholm recruiter keys in the paper extract
    check = rpc(stack, RECRUITER, "record_manual_result", polisen,
                {"outcome": "clear", "completed_on": date.today().isoformat(), "register_reference": "PM-1"})
    assert (check["state"], check["source"], check["entered_by"]) == ("completed", "manual", "rekryterare-1")
    # and then the applicant withdraws
    publish_applicant_event(stack, "ApplicantWithdrawn", applicant_id, 2,
                            {"withdrawn_by": "applicant", "reason": "", "by": "rekryterare-1"})
    # then the other three checks are cancelled, and the manual result stands
    checks = checks_when(stack, applicant_id, lambda cs: sum(c["state"] == "cancelled" for c in cs.values()) == 3,
                         "three cancelled checks")
    assert checks["polisen_belastningsregister"]["state"] == "completed"


def test_a_forged_result_on_the_exchange_is_kept_for_the_operators_and_changes_nothing(stack):
    # given a pending check (the registers are silent for this applicant)
    applicant_id = an_applicant_the_registers_are_silent_for(stack)
    check_id = check_id_for(applicant_id, "kronofogden")
    # when someone publishes a result for it signed with the wrong key, and a message that is not JSON at all
    body = json.dumps({"register_id": "kronofogden", "check_id": check_id, "outcome": "clear",
                       "register_reference": f"FORGED-{uuid.uuid4().hex[:6]}",
                       "completed_at": datetime.now(timezone.utc).isoformat()}).encode()
    timestamp = timestamp_of(datetime.now(timezone.utc))
    garbage = f"not json {uuid.uuid4().hex}".encode()
    with Connection(stack["amqp_uri"], transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection, exchange=Exchange(INBOUND_EXCHANGE, type="topic"), auto_declare=False)
        producer.publish(body, routing_key="kronofogden", content_type="application/json", content_encoding="utf-8",
                         headers={"x-kontakt-timestamp": timestamp,
                                  "x-kontakt-signature": sign(b"stolen? no: guessed", timestamp, body)})
        producer.publish(garbage, routing_key="kronofogden", content_type="text/plain", content_encoding="utf-8")

    # then both are kept with their reasons for the operators, and the check is still pending
    def kept():
        with connect(config.database_url(spec.SERVICE)) as conn:
            rows = projection.refused_results(conn, limit=50, unattributed=True)
        mine = {r["raw_body"]: r for r in rows if r["raw_body"] in (body.decode(), garbage.decode())}
        return mine if len(mine) == 2 else None
    rows = wait_until(kept, timeout=15, message="two refused results kept")
    assert rows[body.decode()]["reason_code"] == "bad_signature"
    assert rows[garbage.decode()]["reason_code"] == "unsigned"
    checks = {c["register"]: c for c in rpc(stack, RECRUITER, "checks_for_applicant", applicant_id)}
    assert checks["kronofogden"]["state"] == "pending"
    # and Stockholm's admin is not shown them: they name no municipality (a forged body may name any check)
    page = rpc(stack, ADMIN, "list_refused_results", STOCKHOLM, page_size=200)
    assert not {r["id"] for r in page["items"]} & {r["id"] for r in rows.values()}
    # and a recruiter may not list them
    with pytest.raises(ServiceProblem) as problem:
        rpc(stack, RECRUITER, "list_refused_results")
    assert problem.value.kind == "forbidden"


def test_a_result_near_its_end_is_on_the_worklist_until_the_expiry_ends_it(stack):
    # given a silent register and a paper extract valid for 30 more days, keyed in by the recruiter
    applicant_id = an_applicant_the_registers_are_silent_for(stack)
    check_id = check_id_for(applicant_id, "socialregistret")
    last_day = date.today() + timedelta(days=30)
    rpc(stack, RECRUITER, "record_manual_result", check_id,
        {"outcome": "clear", "completed_on": date.today().isoformat(), "valid_until": last_day.isoformat()})
    # then it is on Stockholm's worklist, for its recruiters only
    assert check_id in [c["check_id"] for c in rpc(stack, RECRUITER, "worklist")]
    assert check_id in [c["check_id"] for c in rpc(stack, RECRUITER, "worklist", STOCKHOLM)]
    with pytest.raises(ServiceProblem) as problem:
        rpc(stack, OTHER_RECRUITER, "worklist", STOCKHOLM)
    assert problem.value.kind == "not_found"
    # when an admin asks to expire as of a later day, that is refused: it would end valid results
    with pytest.raises(ServiceProblem) as problem:
        rpc(stack, ADMIN, "expire_due", (last_day + timedelta(days=1)).isoformat())
    assert problem.value.kind == "invalid"
    # when the expiry runs the day after its last day (as the system)
    assert rpc(stack, {"system": True}, "expire_due", (last_day + timedelta(days=1)).isoformat()) >= 1
    # then the check has expired and left the worklist
    checks = {c["register"]: c for c in rpc(stack, RECRUITER, "checks_for_applicant", applicant_id)}
    assert checks["socialregistret"]["state"] == "expired"
    assert check_id not in [c["check_id"] for c in rpc(stack, RECRUITER, "worklist")]


def test_health_reports_the_service_and_its_keys(stack):
    health = rpc(stack, {"system": True}, "health")
    assert (health["service"], health["status"], health["dev_keys"]) == ("registry_checks", "ok", True)
    assert health["registers_with_keys"] == sorted(DEV_KEYS)


def test_results_nested_too_deep_are_refused_and_hold_up_no_other_result(stack):
    # given a check the registers have not answered
    applicant_id = an_applicant_the_registers_are_silent_for(stack)
    check_id = check_id_for(applicant_id, "kronofogden")
    timestamp = timestamp_of(datetime.now(timezone.utc))

    def signed(body: bytes) -> dict:
        return {"x-kontakt-timestamp": timestamp,
                "x-kontakt-signature": sign(DEV_KEYS["kronofogden"].encode(), timestamp, body)}

    def result(reference: str, summary: str = "") -> dict:
        return {"register_id": "kronofogden", "check_id": check_id, "outcome": "clear",
                "register_reference": reference, "completed_at": datetime.now(timezone.utc).isoformat(),
                "summary": summary}
    # when ten signed messages arrive whose summary nests 100,000 levels (past any recursive parser), then the
    # register's genuine result
    deep = [json.dumps(result(f"DEEP-{uuid.uuid4().hex[:6]}", "NEST")).replace(
        '"NEST"', "[" * 100_000 + "]" * 100_000).encode() for _ in range(10)]
    genuine = json.dumps(result(f"KFM-{uuid.uuid4().hex[:6]}")).encode()
    with Connection(stack["amqp_uri"], transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection, exchange=Exchange(INBOUND_EXCHANGE, type="topic"), auto_declare=False)
        for body in deep + [genuine]:
            producer.publish(body, routing_key="kronofogden", content_type="application/json",
                             content_encoding="utf-8", headers=signed(body))
    # then the genuine result is accepted at once
    checks_when(stack, applicant_id, lambda cs: cs["kronofogden"]["state"] == "completed", "kronofogden completed")
    # and each nested one is kept as refused, with the reason, for the operators to see (not requeued for ever)
    def kept():
        with connect(config.database_url(spec.SERVICE)) as conn:
            rows = [r for r in projection.refused_results(conn, limit=50, reason_code="malformed")
                    if r["raw_body"].encode() in deep]
        return rows if len(rows) == 10 else None
    rows = wait_until(kept, timeout=15, message="ten refused results listed")
    assert {(r["reason_code"], tuple(r["fields"])) for r in rows} == {("malformed", ("_schema",))}
    assert all("nests deeper" in r["message"] for r in rows)
