"""A retried POST acts once; every read or change of personal data by a person is in an append-only audit log
that auditors query within their own municipalities."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from gateway.spec import SPEC
from services.common import config
from services.common.db import connect, psycopg

from gateway_testing import ELSEWHERE, HOME, Client, assert_problem, token


def registration(**changes) -> dict:
    return {"municipality": HOME, "given_name": "Eva", "family_name": f"Test{uuid.uuid4().hex[:8]}",
            "roles": ["kontaktperson"], **changes}


def registrations_of(stand_ins, family_name: str) -> int:
    return sum(1 for (body,), _ in stand_ins.called("register") if body.get("family_name") == family_name)


# --- idempotency -------------------------------------------------------------------------------------------------

def test_a_post_retried_with_the_same_key_acts_once_and_answers_the_same(gateway, stand_ins):
    # given a recruiter and a registration sent with an Idempotency-Key
    client = Client(gateway, token("recruiter"))
    body, key = registration(), str(uuid.uuid4())
    first = client.post("/api/v1/applicants", body, key=key)
    # when it is sent again with the same key (the answer was lost, say)
    again = client.post("/api/v1/applicants", body, key=key)
    # then the second answer is the first, and the service was asked once
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert registrations_of(stand_ins, body["family_name"]) == 1


def test_the_same_json_with_its_keys_reordered_is_the_same_request(gateway, stand_ins):
    client = Client(gateway, token("recruiter"))
    body, key = registration(), str(uuid.uuid4())
    first = client.post("/api/v1/applicants", body, key=key)
    again = client.post("/api/v1/applicants", dict(reversed(list(body.items()))), key=key)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert registrations_of(stand_ins, body["family_name"]) == 1


def test_another_body_under_a_used_key_is_422(gateway, stand_ins):
    client = Client(gateway, token("recruiter"))
    key = str(uuid.uuid4())
    assert client.post("/api/v1/applicants", registration(), key=key).status_code == 201
    other = registration()
    assert_problem(client.post("/api/v1/applicants", other, key=key), 422, "idempotency-key-reused")
    assert registrations_of(stand_ins, other["family_name"]) == 0


def test_a_key_belongs_to_its_caller(gateway, stand_ins):
    # given two recruiters who happen to use the same key for the same body
    body, key = registration(), "same-key-" + uuid.uuid4().hex
    for sub in ("rekryterare-a", "rekryterare-b"):
        assert Client(gateway, token("recruiter", sub=sub)).post("/api/v1/applicants", body, key=key).ok
    # then each acted
    assert registrations_of(stand_ins, body["family_name"]) == 2


def test_a_refused_request_does_not_use_up_its_key(gateway, stand_ins):
    # given a request that is refused (nothing was done)
    client = Client(gateway, token("recruiter"))
    applicant_id, key = stand_ins.add(HOME), str(uuid.uuid4())
    path = f"/api/v1/applicants/{applicant_id}/interviews"
    refused = {"interviewed_on": "2099-01-01", "interviewer": "refuse"}
    assert_problem(client.post(path, refused, key=key), 422, "command-refused")
    # when the same request is retried with the same key, it is tried again, not replayed
    client.post(path, refused, key=key)
    assert sum(1 for args, _ in stand_ins.called("record_interview") if args[0] == applicant_id) == 2


# --- the audit log -----------------------------------------------------------------------------------------------

def audit_of(gateway, subject: str, municipalities=(HOME,)) -> list[dict]:
    response = Client(gateway, token("auditor", municipalities=municipalities)).get(
        "/api/v1/audit", params={"subject": subject})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_reads_and_changes_by_a_person_are_audited(gateway, stand_ins):
    # given an applicant of Boden and a recruiter there
    applicant_id = stand_ins.add(HOME)
    client = Client(gateway, token("recruiter", sub="rekryterare-audit"))
    # when the recruiter reads it, reads its checks and records an interview
    client.get(f"/api/v1/applicants/{applicant_id}")
    client.get(f"/api/v1/applicants/{applicant_id}/checks")
    client.post(f"/api/v1/applicants/{applicant_id}/interviews", {"interviewed_on": "2026-01-10"})
    # then the auditor sees each, newest first: who, in which role, what, of whom
    entries = audit_of(gateway, applicant_id)
    assert [(e["action"], e["route"]) for e in entries] == [
        ("change", "POST /api/v1/applicants/{applicant_id}/interviews"),
        ("read", "GET /api/v1/applicants/{applicant_id}/checks"),
        ("read", "GET /api/v1/applicants/{applicant_id}")]
    assert {(e["actor"], tuple(e["roles"]), e["municipality"], e["subject"]) for e in entries} == {
        ("rekryterare-audit", ("recruiter",), HOME, applicant_id)}
    assert datetime.fromisoformat(entries[0]["at"]).utcoffset() in (timedelta(hours=1), timedelta(hours=2))


def test_a_list_audits_every_applicant_shown(gateway, stand_ins):
    applicant_id = stand_ins.add(HOME)
    Client(gateway, token("recruiter", sub="rekryterare-list")).get("/api/v1/applicants")
    assert [(e["actor"], e["route"]) for e in audit_of(gateway, applicant_id)] == [
        ("rekryterare-list", "GET /api/v1/applicants")]


def test_an_auditor_sees_only_the_audit_of_their_municipalities(gateway, stand_ins):
    applicant_id = stand_ins.add(HOME)
    Client(gateway, token("recruiter")).get(f"/api/v1/applicants/{applicant_id}")
    assert len(audit_of(gateway, applicant_id, municipalities=[HOME])) == 1
    assert audit_of(gateway, applicant_id, municipalities=[ELSEWHERE]) == []


def test_the_audit_can_be_narrowed_by_actor_and_time(gateway, stand_ins):
    applicant_id = stand_ins.add(HOME)
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    Client(gateway, token("recruiter", sub="rekryterare-x")).get(f"/api/v1/applicants/{applicant_id}")
    Client(gateway, token("recruiter", sub="rekryterare-y")).get(f"/api/v1/applicants/{applicant_id}")
    auditor = Client(gateway, token("auditor", sub="revisor-1"))

    def actors(**params):
        return [e["actor"] for e in auditor.get("/api/v1/audit", params={"subject": applicant_id, **params})
                .json()["items"]]

    assert actors(actor="rekryterare-x") == ["rekryterare-x"]
    # the auditor's own look at this subject's trail is in the trail too
    assert actors(**{"from": before.isoformat()}) == ["revisor-1", "rekryterare-y", "rekryterare-x"]
    assert actors(**{"to": before.isoformat()}) == []
    assert_problem(auditor.get("/api/v1/audit", params={"from": "yesterday"}), 400)


def test_the_public_form_is_not_a_person_and_is_not_audited(gateway, stand_ins):
    body = registration(consents={"personal_data": True})
    assert Client(gateway).post("/api/v1/interest", body).status_code == 202
    [(_, caller)] = [(b, c) for (b,), c in stand_ins.called("register") if b["family_name"] == body["family_name"]]
    assert caller["system"] is True
    with connect(config.database_url(SPEC.name)) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE actor = %s", (caller["sub"],)).fetchone() == (0,)


def test_every_spelling_of_an_applicants_id_is_audited_as_the_one_id(gateway, stand_ins):
    # given an applicant of Boden
    applicant_id = stand_ins.add(HOME)
    client = Client(gateway, token("recruiter", sub="rekryterare-stavning"))
    every = [applicant_id.upper(), applicant_id.replace("-", ""), "{" + applicant_id + "}",
             f"urn:uuid:{applicant_id}", f"applicant-{applicant_id}", f"APPLICANT-{applicant_id.upper()}"]
    # when the recruiter reads them, and their checks, under every spelling the services accept
    for spelling in every:
        for path in (f"/api/v1/applicants/{spelling}", f"/api/v1/applicants/{spelling}/checks"):
            assert client.get(path).status_code == 200, spelling
    # then the auditor's search by the applicant's id finds every read, as does a search by any other spelling
    reads = [(e["route"], e["subject"]) for e in audit_of(gateway, applicant_id)
             if e["actor"] == "rekryterare-stavning"]
    assert sorted(set(reads)) == [("GET /api/v1/applicants/{applicant_id}", applicant_id),
                                  ("GET /api/v1/applicants/{applicant_id}/checks", applicant_id)]
    assert len(reads) == 2 * len(every)
    assert audit_of(gateway, every[-1]) == audit_of(gateway, applicant_id)[1:]  # the auditor's first look aside
    # and the services were asked for the one id
    assert {args for args, caller in stand_ins.called("checks_for_applicant")
            if caller["sub"] == "rekryterare-stavning"} == {(applicant_id,)}


def test_a_refused_attempt_on_another_municipalitys_applicant_is_audited_there(gateway, stand_ins):
    # given an applicant of Stockholm, and a recruiter of Boden only (the stand-in answers anyone)
    theirs = stand_ins.add(ELSEWHERE)
    client = Client(gateway, token("recruiter", municipalities=[HOME], sub="rekryterare-nyfiken"))
    # when the recruiter asks for them, and lists Stockholm's applicants by name of the municipality
    assert_problem(client.get(f"/api/v1/applicants/{theirs}"), 404, "not-found")
    assert_problem(client.get("/api/v1/applicants", params={"municipality": ELSEWHERE}), 404, "not-found")
    # then Stockholm's auditor sees who tried which route on whom: ids only, nothing of the applicant's data
    entries = Client(gateway, token("auditor", municipalities=[ELSEWHERE])).get(
        "/api/v1/audit", params={"actor": "rekryterare-nyfiken"}).json()["items"]
    assert [(e["action"], e["route"], e["subject"], e["municipality"], e["caller_municipalities"], e["roles"])
            for e in entries] == [
        ("refused", "GET /api/v1/applicants", None, ELSEWHERE, [HOME], ["recruiter"]),
        ("refused", "GET /api/v1/applicants/{applicant_id}", theirs, ELSEWHERE, [HOME], ["recruiter"])]
    assert stand_ins.applicants[theirs]["reference"] not in str(entries)
    # and Boden's auditor, and the trail of the applicant in Boden, show nothing of it
    assert audit_of(gateway, theirs) == []


def test_a_replayed_answer_is_audited_as_a_read_of_whose_data_it_shows(gateway, stand_ins):
    # given a recruiter's registration, sent with an Idempotency-Key and answered
    client = Client(gateway, token("recruiter", sub="rekryterare-igen"))
    body, key = registration(), str(uuid.uuid4())
    applicant_id = client.post("/api/v1/applicants", body, key=key).json()["applicant_id"]
    # when it is sent again and the first answer is replayed
    again = client.post("/api/v1/applicants", body, key=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    # then the auditor sees the change, and the replay as a read of the same applicant, in Boden
    assert [(e["action"], e["route"], e["subject"], e["municipality"]) for e in audit_of(gateway, applicant_id)
            if e["actor"] == "rekryterare-igen"] == [
        ("read", "POST /api/v1/applicants", applicant_id, HOME),
        ("change", "POST /api/v1/applicants", applicant_id, HOME)]


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone-else'",
                                       "DELETE FROM audit_log", "TRUNCATE audit_log"])
def test_the_audit_log_is_append_only_in_the_database(gateway, stand_ins, statement):
    # given at least one audit entry
    applicant_id = stand_ins.add(HOME)
    Client(gateway, token("recruiter")).get(f"/api/v1/applicants/{applicant_id}")
    # when anyone with a connection tries to change or remove it
    with connect(config.database_url(SPEC.name)) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)
    # then it is still there
    assert len(audit_of(gateway, applicant_id)) == 1
