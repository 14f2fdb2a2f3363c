"""The gateway over the real applicants and registry_checks services (in-process, with their relays): an
applicant's way from the public form to approval over HTTP, and what another municipality cannot see or do."""
from __future__ import annotations

import contextlib
import random
import re
import string
import threading
import time
import uuid
from datetime import timedelta

import psycopg
import pytest

from services.common import config, sweden
from tests.kernel.helpers import wait_until
from tests.people import a_personnummer

from gateway_testing import Client, Drops, assert_problem, read_cache_of, running_gateway, running_recruitment, token

STOCKHOLM, GOTEBORG = "0180", "1480"


@pytest.fixture(scope="module")
def system(test_environment):
    # Every test here posts the public form from one address: the rate limit is test_gateway_public_and_docs.py's.
    with running_recruitment(GATEWAY_INTEREST_BURST=1000) as base:
        yield base


def intresseanmalan() -> dict:
    return {"municipality": STOCKHOLM, "roles": ["kontaktperson"], "given_name": "Anna",
            "family_name": "Test" + "".join(random.choices(string.ascii_lowercase, k=10)),
            "personnummer": a_personnummer(),
            "contact": {"email": "anna@example.se", "phone": "070-123 45 67",
                        "address": {"street": "Storgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
            "availability": {"weekends": True}, "consents": {"personal_data": True}}


def registered(system, recruiter: Client) -> tuple[str, dict]:
    """An applicant registered through the public form, found by the recruiter; (id, the form's body)."""
    body = intresseanmalan()
    response = Client(system).post("/api/v1/interest", body)
    assert response.status_code == 202, response.text
    page = recruiter.get("/api/v1/applicants", params={"q": body["family_name"]}).json()
    [item] = page["items"]
    assert item["reference"] == response.json()["reference"]
    return item["applicant_id"], body


def test_from_the_public_form_to_approval(system):
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-1"))
    today = sweden.today().isoformat()

    # given an intresseanmälan from the public form, which the recruiter finds, personnummer masked
    applicant_id, body = registered(system, recruiter)
    listed = recruiter.get("/api/v1/applicants", params={"q": body["family_name"]}).text
    assert body["personnummer"] not in listed and body["personnummer"].replace("-", "") not in listed

    # when registry_checks has requested its register checks, and the recruiter keys in the paper extracts
    checks = wait_until(lambda: recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"],
                        timeout=20, message="the checks requested")
    for check in checks:
        response = recruiter.post(f"/api/v1/checks/{check['check_id']}/result",
                                  {"outcome": "clear", "completed_on": today}, key=str(uuid.uuid4()))
        assert response.status_code == 200, response.text
    # and records the interview and two references
    for path, step in (("interviews", {"interviewed_on": today, "interviewer": "Rut Rekryterare"}),
                       ("references", {"kind": "work_or_studies", "name": "Chef", "contact": "08-123 45",
                                       "outcome": "positive"}),
                       ("references", {"kind": "private", "name": "Vän", "contact": "08-543 21",
                                       "outcome": "positive"})):
        response = recruiter.post(f"/api/v1/applicants/{applicant_id}/{path}", step)
        assert response.status_code == 200, response.text

    # then, once the applicants service has seen the checks completed, the approval goes through: by a colleague,
    # since the recruiter keyed in the results (four eyes)
    approval = {"roles": ["kontaktperson"], "valid_until": (sweden.today() + timedelta(days=365)).isoformat()}
    colleague = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-2"))
    wait_until(lambda: colleague.post(f"/api/v1/applicants/{applicant_id}/approval", approval).status_code == 200,
               timeout=20, message="the approval accepted")
    applicant = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
    assert applicant["status"] == "approved"
    assert {check["outcome"] for check in applicant["checks"]} == {"clear"}

    # and the auditor of Stockholm sees who read and changed what
    trail = Client(system, token("auditor", municipalities=[STOCKHOLM])).get(
        "/api/v1/audit", params={"subject": applicant_id}).json()["items"]
    assert {e["actor"] for e in trail} == {"rekryterare-1", "rekryterare-2"}
    assert {"POST /api/v1/applicants/{applicant_id}/approval", "POST /api/v1/applicants/{applicant_id}/interviews",
            "POST /api/v1/checks/{check_id}/result", "GET /api/v1/applicants/{applicant_id}"} <= {
        e["route"] for e in trail}


# --- the public form is no personnummer oracle ----------------------------------------------------------------

def test_the_public_form_answers_a_repeat_as_a_first_registration_and_the_recruiter_sees_the_repeat(system):
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM]))
    # given an intresseanmälan through the public form, without a token
    body = intresseanmalan()
    first = Client(system).post("/api/v1/interest", body)
    # when the same person's form is posted again, without a token, with another phone number
    again = Client(system).post("/api/v1/interest", {**body, "contact": {**body["contact"], "phone": "070-111 22 33"}})
    # then both answers are alike: the status, the body's keys, the headers' names, the reference's form
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert set(first.json()) == set(again.json()) == {"reference"}
    assert set(first.headers) == set(again.headers)
    assert first.headers["Content-Type"] == again.headers["Content-Type"]
    assert re.fullmatch(r"KP-[0-9A-F]{8}", again.json()["reference"])
    # and the second names neither the first registration's reference nor its id
    [item] = recruiter.get("/api/v1/applicants", params={"q": body["family_name"]}).json()["items"]
    assert item["reference"] == first.json()["reference"] != again.json()["reference"]
    assert item["applicant_id"] not in again.text and item["applicant_id"].replace("-", "")[:8] not in again.text
    # and the recruiter sees the repeat on the registration, with the new phone number and the receipt quoted
    [repeat] = recruiter.get(f"/api/v1/applicants/{item['applicant_id']}").json()["repeats"]
    assert (repeat["channel"], repeat["receipt"]) == ("web", again.json()["reference"])
    assert repeat["contact"]["phone"] == "070-111 22 33"
    # and finds the registration by the receipt the sender will quote
    assert [i["applicant_id"] for i in recruiter.get(
        "/api/v1/applicants", params={"q": again.json()["reference"]}).json()["items"]] == [item["applicant_id"]]


def test_a_recruiter_keying_in_someone_already_registered_is_told_which_applicant(system):
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM]))
    applicant_id, body = registered(system, recruiter)
    answer = recruiter.post("/api/v1/applicants", {**body, "channel": "phone"})
    problem = assert_problem(answer, 422)
    assert [e["code"] for e in problem["errors"]] == ["duplicate_registration"]
    assert applicant_id in problem["errors"][0]["message"] and body["personnummer"] not in answer.text


# --- register results outrank paper extracts; four eyes ---------------------------------------------------------

def publish_signed_result(check_id: str, register: str, outcome: str) -> None:
    """The register's answer on registry_checks.inbound, signed with its (development) key, as a register sends it."""
    from kombu import Connection, Exchange, Producer

    from services.common import config
    from services.registry_checks.contract import INBOUND_EXCHANGE
    from tests.unit.registry_checks.examples import result, signed

    raw, headers = signed(result(check_id, register=register, outcome=outcome))
    with Connection(config.amqp_uri(), transport_options={"confirm_publish": True}) as connection:
        Producer(connection, exchange=Exchange(INBOUND_EXCHANGE, type="topic"), auto_declare=False).publish(
            raw, routing_key=register, content_type="application/json", content_encoding="utf-8", headers=headers)


def test_the_registers_signed_answer_outranks_a_paper_extract_and_approval_needs_a_second_recruiter(system):
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-3"))
    colleague = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-4"))
    today = sweden.today().isoformat()
    # given an assessed applicant whose checks the recruiter keyed in as clear from paper extracts
    applicant_id, _ = registered(system, recruiter)
    checks = wait_until(lambda: recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"],
                        timeout=20, message="the checks requested")
    for check in checks:
        answer = recruiter.post(f"/api/v1/checks/{check['check_id']}/result", {"outcome": "clear", "completed_on": today})
        assert answer.status_code == 200, answer.text
    for path, step in (("interviews", {"interviewed_on": today, "interviewer": "Rut Rekryterare"}),
                       ("references", {"kind": "work_or_studies", "name": "Chef", "contact": "08-1",
                                       "outcome": "positive"}),
                       ("references", {"kind": "private", "name": "Vän", "contact": "08-2", "outcome": "positive"})):
        assert recruiter.post(f"/api/v1/applicants/{applicant_id}/{path}", step).status_code == 200
    approval = {"roles": ["kontaktperson"], "valid_until": (sweden.today() + timedelta(days=365)).isoformat()}

    # when the recruiter who keyed them in approves, then it is refused: four eyes, naming each check
    def refused_codes(client):
        answer = client.post(f"/api/v1/applicants/{applicant_id}/approval", approval)
        return None if answer.status_code != 422 else sorted(e["code"] for e in answer.json()["errors"])
    codes = wait_until(lambda: (lambda c: c if c and "check_pending" not in c else None)(refused_codes(recruiter)),
                       timeout=20, message="the keyed-in results at the applicants service")
    assert codes == ["four_eyes"] * len(checks)

    # when the register's signed answer for one check says remarks
    [first, *_] = checks
    publish_signed_result(first["check_id"], first["register"], "remarks")
    # then it is recorded, not refused as a repeat: the check shows the register's remarks and the open conflict
    shown = wait_until(lambda: (lambda c: c if c["conflict"] else None)(next(
        c for c in recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]
        if c["check_id"] == first["check_id"])), timeout=20, message="the register's answer recorded")
    assert (shown["outcome"], shown["source"], shown["conflict"]["state"]) == ("remarks", "register", "open")
    assert shown["conflict"]["keyed_in"] == {**shown["conflict"]["keyed_in"], "outcome": "clear",
                                             "entered_by": "rekryterare-3"}
    # and once the applicants service has it too (it reaches the decision as an event, a moment later; an approval
    # tried before then would be decided on the keyed-in results, which a colleague may approve)
    wait_until(lambda: any(c["check_id"] == first["check_id"] and c.get("conflict")
                           for c in recruiter.get(f"/api/v1/applicants/{applicant_id}").json()["checks"]),
               timeout=20, message="the conflict projected by the applicants service")
    # a colleague's approval is refused while the conflict is open, and for the remarks
    codes = wait_until(lambda: (lambda c: c if c and "check_conflict" in c else None)(refused_codes(colleague)),
                       timeout=20, message="the conflict at the applicants service")
    assert codes == ["check_conflict", "check_remarks"]
    # when the colleague resolves the conflict with a reason, then it is resolved, and the remarks still stand
    answer = colleague.post(f"/api/v1/checks/{first['check_id']}/conflict-resolution",
                            {"reason": "Pappersutdraget var äldre än registrets svar."})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["conflict"]["state"], answer.json()["outcome"]) == ("resolved", "remarks")
    wait_until(lambda: refused_codes(colleague) == ["check_remarks"], timeout=20,
               message="the resolution at the applicants service")
    # and a resolution without a reason names the field
    answer = colleague.post(f"/api/v1/checks/{first['check_id']}/conflict-resolution", {})
    assert [e["field"] for e in assert_problem(answer, 400)["errors"]] == ["reason"]


# --- refused register results, for admins -------------------------------------------------------------------

def test_an_admin_lists_the_refused_results_of_their_municipality_and_no_other(system):
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM]))
    admin = Client(system, token("admin", municipalities=[STOCKHOLM]))
    # given a Stockholm check answered twice by its register (the second is refused as a repeat), and a forged
    # result for no check at all
    applicant_id, _ = registered(system, recruiter)
    [check, *_] = wait_until(lambda: recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"],
                             timeout=20, message="the checks requested")
    publish_signed_result(check["check_id"], check["register"], "clear")
    publish_signed_result(check["check_id"], check["register"], "clear")
    publish_signed_result(str(uuid.uuid4()), "kronofogden", "clear")  # an unknown check: names no municipality

    # when Stockholm's admin lists the refused results
    def listed():
        page = admin.get(f"/api/v1/municipalities/{STOCKHOLM}/refused-results", params={"page_size": 200})
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        return items if any(i["check_id"] == check["check_id"] for i in items) else None
    items = wait_until(listed, timeout=20, message="the repeat listed")
    # then the repeat is there, without the message's headers or body; nothing of no municipality is
    [repeat] = [i for i in items if i["check_id"] == check["check_id"]]
    assert repeat["reason_code"] == "repeat" and "raw_body" not in repeat and "headers" not in repeat
    assert {i["municipality"] for i in items} == {STOCKHOLM}
    # and another municipality's admin, and a recruiter, are refused
    goteborg = Client(system, token("admin", municipalities=[GOTEBORG]))
    assert_problem(goteborg.get(f"/api/v1/municipalities/{STOCKHOLM}/refused-results"), 404)
    assert_problem(recruiter.get(f"/api/v1/municipalities/{STOCKHOLM}/refused-results"), 403)
    assert_problem(admin.get(f"/api/v1/municipalities/{STOCKHOLM}/refused-results",
                             params={"reason_code": "nonsense"}), 400)


def with_requested_checks(system) -> tuple[Client, str, list[dict]]:
    """A recruiter of Stockholm, an applicant of theirs, and the applicant's checks once requested."""
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM]))
    applicant_id, _ = registered(system, recruiter)
    checks = wait_until(lambda: recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"],
                        timeout=20, message="the checks requested")
    return recruiter, applicant_id, checks


def assert_neither_read_nor_changed(client: Client, applicant_id: str, checks: list[dict]) -> None:
    """Every recruiter's route on the applicant is 404 to `client`, and no list of theirs shows it."""
    today = sweden.today().isoformat()
    assert_problem(client.get(f"/api/v1/applicants/{applicant_id}"), 404)
    assert_problem(client.get(f"/api/v1/applicants/{applicant_id}/checks"), 404)
    assert_problem(client.post(f"/api/v1/applicants/{applicant_id}/interviews",
                               {"interviewed_on": today, "interviewer": "Greta"}), 404)
    assert_problem(client.post(f"/api/v1/checks/{checks[0]['check_id']}/result",
                               {"outcome": "clear", "completed_on": today}), 404)
    assert applicant_id not in client.get("/api/v1/applicants").text
    assert applicant_id not in client.get("/api/v1/worklist").text


def test_another_municipality_can_neither_read_nor_change(system):
    _, applicant_id, checks = with_requested_checks(system)
    assert_neither_read_nor_changed(Client(system, token("recruiter", municipalities=[GOTEBORG])), applicant_id,
                                    checks)


def test_a_role_granted_in_one_municipality_does_not_hold_in_another(system):
    # given an applicant of Stockholm, and a person who recruits in Göteborg and audits in Stockholm
    recruiter, applicant_id, checks = with_requested_checks(system)
    mixed = Client(system, token(grants={GOTEBORG: ["recruiter"], STOCKHOLM: ["auditor"]}))
    # when they use the recruiters' routes on Stockholm's applicant
    # then it is not found, as for anyone without a recruiter's role in Stockholm, and nothing is recorded
    assert_neither_read_nor_changed(mixed, applicant_id, checks)
    applicant = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
    assert applicant["interviews"] == [] and {check["outcome"] for check in applicant["checks"]} == {None}


def test_a_registration_keyed_in_twice_with_one_key_is_one_applicant(system):
    recruiter = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-2"))
    body, key = {**intresseanmalan(), "channel": "phone"}, str(uuid.uuid4())
    first = recruiter.post("/api/v1/applicants", body, key=key)
    again = recruiter.post("/api/v1/applicants", body, key=key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert recruiter.get("/api/v1/applicants", params={"q": body["family_name"]}).json()["total"] == 1


def read_cache_hits() -> float:
    from gateway.metrics import READ_CACHE
    return READ_CACHE.labels("hit")._value.get()


def received_every_event_of_the_registration(drops: Drops, recruiter: Client, applicant_id: str) -> None:
    """Waits until the gateway behind `drops` has received every event an applicant's registration causes here:
    its ApplicantRegistered and a CheckRequested per register check (registry_checks requests them all at once,
    and nothing answers them: there is no register simulator). Each drops the applicant's cached read whenever it
    arrives, so before then a read kept now may be dropped before the next."""
    checks = wait_until(lambda: recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"],
                        timeout=20, message="the checks requested")
    wait_until(lambda: drops.naming(applicant_id) >= 1 + len(checks), timeout=20,
               message="the registration's events at the gateway")


def test_a_read_the_gateway_keeps_gives_way_at_once_to_a_change_made_elsewhere(system):
    today = sweden.today().isoformat()
    with running_gateway(GATEWAY_CACHE_SECONDS=300) as keeping:
        # given a gateway process that keeps reads for five minutes, and an applicant it has read twice
        drops = Drops(read_cache_of(keeping))
        recruiter = Client(keeping, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-cache"))
        applicant_id, _ = registered(keeping, recruiter)
        received_every_event_of_the_registration(drops, recruiter, applicant_id)
        hits = read_cache_hits()
        first = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
        assert recruiter.get(f"/api/v1/applicants/{applicant_id}").json() == first
        assert read_cache_hits() == hits + 1 and first["interviews"] == []
        # and the audit has both reads: an answer from the cache is a read of personal data all the same
        auditor = Client(keeping, token("auditor", municipalities=[STOCKHOLM]))
        reads = [a for a in auditor.get("/api/v1/audit", params={"subject": applicant_id}).json()["items"]
                 if a["route"] == "GET /api/v1/applicants/{applicant_id}" and a["actor"] == "rekryterare-cache"]
        assert len(reads) == 2

        # when the interview is recorded through another gateway process, which this one learns only by the event
        other = Client(system, token("recruiter", municipalities=[STOCKHOLM]))
        response = other.post(f"/api/v1/applicants/{applicant_id}/interviews",
                              {"interviewed_on": today, "interviewer": "Rut Rekryterare"})
        assert response.status_code == 200, response.text

        # then this process's reads show it within seconds, not minutes
        wait_until(lambda: recruiter.get(f"/api/v1/applicants/{applicant_id}").json()["interviews"], timeout=10,
                   message="the interview, read through the keeping gateway")
        # and a change through the process itself shows on its very next read
        response = recruiter.post(f"/api/v1/applicants/{applicant_id}/references",
                                  {"kind": "private", "name": "Vän", "contact": "08-543 21", "outcome": "positive"})
        assert response.status_code == 200, response.text
        assert len(recruiter.get(f"/api/v1/applicants/{applicant_id}").json()["references"]) == 1


# --- an approval right after the checks are seen done ------------------------------------------------------------

@contextlib.contextmanager
def results_held_back_from_the_applicants_service():
    """registry_checks' results reach the applicants service's projection only when this ends: the moment between
    the two services' projections (about 0.3 s when nothing holds it), made as long as a test needs."""
    with psycopg.connect(config.database_url("applicants"), autocommit=False) as conn:
        conn.execute("LOCK TABLE applicant_checks IN EXCLUSIVE MODE")  # reads go on; the inbox's writes wait
        yield
        conn.rollback()


def checked_applicant(system) -> tuple[str, Client]:
    """An applicant interviewed with two positive references, whose checks registry_checks and the applicants
    service both know as requested; and a second recruiter, who will decide (the first keyed in)."""
    keyer = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-a"))
    applicant_id, _ = registered(system, keyer)
    wait_until(lambda: len(keyer.get(f"/api/v1/applicants/{applicant_id}").json().get("checks") or []) >= 4,
               timeout=20, message="the checks requested, as the applicants service sees them")
    today = sweden.today().isoformat()
    for path, step in (("interviews", {"interviewed_on": today, "interviewer": "Rut Rekryterare"}),
                       ("references", {"kind": "work_or_studies", "name": "Chef", "contact": "08-123 45",
                                       "outcome": "positive"}),
                       ("references", {"kind": "private", "name": "Vän", "contact": "08-543 21",
                                       "outcome": "positive"})):
        assert keyer.post(f"/api/v1/applicants/{applicant_id}/{path}", step).status_code == 200
    return applicant_id, keyer


def key_in_clear_results(keyer: Client, applicant_id: str) -> None:
    """Every check's paper extract keyed in as clear, until GET .../checks shows them all done."""
    today = sweden.today().isoformat()
    for check in keyer.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]:
        answer = keyer.post(f"/api/v1/checks/{check['check_id']}/result", {"outcome": "clear", "completed_on": today})
        assert answer.status_code == 200, answer.text
    assert {c["state"] for c in keyer.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]} == {
        "completed"}


APPROVAL = {"roles": ["kontaktperson"], "valid_until": (sweden.today() + timedelta(days=365)).isoformat()}


def test_an_approval_right_after_the_checks_show_all_clear_is_decided_on_what_the_recruiter_saw(system):
    # given an applicant whose checks GET .../checks shows all clear, before the applicants service has the results
    applicant_id, keyer = checked_applicant(system)
    decider = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-b"))
    with results_held_back_from_the_applicants_service():
        key_in_clear_results(keyer, applicant_id)
        # when the recruiter approves at once (the results reach the applicants service a second later)
        answer = [None]
        asking = threading.Thread(target=lambda: answer.__setitem__(
            0, decider.post(f"/api/v1/applicants/{applicant_id}/approval", APPROVAL)))
        asking.start()
        time.sleep(1.0)
    asking.join()
    # then it is approved, not refused as check_pending
    assert answer[0].status_code == 200, answer[0].text
    assert answer[0].json()["status"] == "approved"


def test_an_approval_the_results_have_not_reached_in_time_says_when_to_retry(system, monkeypatch):
    applicant_id, keyer = checked_applicant(system)
    decider = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-b"))
    monkeypatch.setenv("GATEWAY_APPROVAL_CATCH_UP", "0.5")  # read on every approval
    with results_held_back_from_the_applicants_service():
        key_in_clear_results(keyer, applicant_id)
        # when the results take longer than the gateway waits
        answer = decider.post(f"/api/v1/applicants/{applicant_id}/approval", APPROVAL)
    # then the answer says they are on their way, and when to ask again
    problem = assert_problem(answer, 409, "conflict")
    assert [e["code"] for e in problem["errors"]] == ["check_results_arriving"]
    assert answer.headers["Retry-After"] == "1"
    # and asked again once they have arrived, it is approved
    wait_until(lambda: decider.post(f"/api/v1/applicants/{applicant_id}/approval", APPROVAL).status_code == 200,
               timeout=10, message="the approval accepted")


def test_an_approval_refused_for_a_check_really_pending_is_answered_at_once(system):
    applicant_id, keyer = checked_applicant(system)
    decider = Client(system, token("recruiter", municipalities=[STOCKHOLM], sub="rekryterare-b"))
    started = time.monotonic()
    problem = assert_problem(decider.post(f"/api/v1/applicants/{applicant_id}/approval", APPROVAL), 422)
    assert time.monotonic() - started < 2.0
    assert {e["code"] for e in problem["errors"]} == {"check_pending"}
