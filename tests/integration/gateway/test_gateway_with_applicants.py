"""The gateway over the real applicants and registry_checks services (in-process, with their relays): an
applicant's way from the public form to approval over HTTP, and what another municipality cannot see or do."""
from __future__ import annotations

import random
import string
import uuid
from datetime import timedelta

import pytest

from services.common import sweden
from tests.kernel.helpers import wait_until
from tests.people import a_personnummer

from gateway_testing import Client, Drops, assert_problem, read_cache_of, running_gateway, running_recruitment, token

STOCKHOLM, GOTEBORG = "0180", "1480"


@pytest.fixture(scope="module")
def system(test_environment):
    with running_recruitment() as base:
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

    # then, once the applicants service has seen the checks completed, the approval goes through
    approval = {"roles": ["kontaktperson"], "valid_until": (sweden.today() + timedelta(days=365)).isoformat()}
    wait_until(lambda: recruiter.post(f"/api/v1/applicants/{applicant_id}/approval", approval).status_code == 200,
               timeout=20, message="the approval accepted")
    applicant = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
    assert applicant["status"] == "approved"
    assert {check["outcome"] for check in applicant["checks"]} == {"clear"}

    # and the auditor of Stockholm sees who read and changed what
    trail = Client(system, token("auditor", municipalities=[STOCKHOLM])).get(
        "/api/v1/audit", params={"subject": applicant_id}).json()["items"]
    assert {e["actor"] for e in trail} == {"rekryterare-1"}
    assert {"POST /api/v1/applicants/{applicant_id}/approval", "POST /api/v1/applicants/{applicant_id}/interviews",
            "POST /api/v1/checks/{check_id}/result", "GET /api/v1/applicants/{applicant_id}"} <= {
        e["route"] for e in trail}


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
