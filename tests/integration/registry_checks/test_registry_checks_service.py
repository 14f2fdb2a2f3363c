"""registry_checks' service layer on the real PostgreSQL, without a broker: the reaction to the applicants'
events, every refused result kept with its reason while nothing else changes, manual entry, expiry and the worklist.

Each test has a database of its own (spec.make_spec under a fresh name); the applicants' events enter through the
kernel's inbox exactly as the nameko receiver hands them over.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from services.common.decider import CommandRefused
from services.common.problems import ServiceProblem
from services.common.roles import Caller
from services.common import config
from services.registry_checks import app, projection, refused, spec
from services.registry_checks.domain import check_id_for, stream_id
from services.registry_checks.inbound import Accepted, Refused
from tests.unit.registry_checks.examples import (DEFAULT_REGISTERS, KEYS, STOCKHOLM, UPPSALA, a_recruiter,
                                                 applicant_event, registration, result, signed)

RECRUITER_7 = a_recruiter("rekryterare-7", STOCKHOLM)


@pytest.fixture
def kernel(kernel_for, service_name):
    return kernel_for(spec.make_spec(service_name))


# --------------------------------------------------------------------------------------------- helpers

def registered(applicant_id: str, municipality=STOCKHOLM) -> dict:
    return applicant_event("ApplicantRegistered", applicant_id, 1, registration(municipality), municipality)


def given_registered(kernel, municipality=STOCKHOLM) -> str:
    applicant_id = f"applicant-{uuid.uuid4()}"
    assert kernel.receive(registered(applicant_id, municipality), "applicants").status == "applied"
    return applicant_id


def snapshot(kernel) -> tuple:
    with kernel.connection() as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        checks = conn.execute("SELECT check_id, state, outcome, version FROM checks ORDER BY check_id").fetchall()
    return events, checks


def refused_rows(kernel) -> list[dict]:
    with kernel.connection() as conn:
        return projection.refused_results(conn)


def checks_of(kernel, applicant_id) -> dict[str, dict]:
    with kernel.connection() as conn:
        return {c["register"]: c for c in projection.checks_of_applicant(conn, applicant_id)}


def when_received(kernel, raw, headers) -> Accepted | Refused:
    return app.receive_result(kernel, raw, headers, keys=KEYS, routing_key="kronofogden")


def then_refused_and_kept(kernel, outcome, reason: str, before: tuple, raw: bytes) -> dict:
    assert isinstance(outcome, Refused) and outcome.reason_code == reason, outcome
    assert snapshot(kernel) == before, "a refused result changed something"
    [row] = [r for r in refused_rows(kernel) if r["raw_body"] == raw.decode()]
    assert row["reason_code"] == reason and row["message"] == outcome.message
    return row


# --------------------------------------------------------------------------------------------- requests

def test_a_registration_requests_one_check_per_required_register_with_ids_a_redelivery_cannot_double(kernel):
    # given an applicant registered in Stockholm as a kontaktperson
    applicant_id = f"applicant-{uuid.uuid4()}"
    first = registered(applicant_id)
    # when the registration arrives, then again (a redelivery), then republished under a new event id
    assert kernel.receive(first, "applicants").status == "applied"
    assert kernel.receive(first, "applicants").status == "duplicate"
    again = {**registered(applicant_id), "stream_id": f"applicant-{uuid.uuid4()}"}  # same applicant, other stream
    assert kernel.receive(again, "applicants").status == "applied"
    # then one pending check per default register, each with the id derived from applicant and register
    checks = checks_of(kernel, applicant_id)
    assert list(checks) == DEFAULT_REGISTERS
    assert all(c["state"] == "pending" and c["municipality"] == STOCKHOLM for c in checks.values())
    assert {c["check_id"] for c in checks.values()} == {check_id_for(applicant_id, r) for r in DEFAULT_REGISTERS}
    with kernel.connection() as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE event_type = 'CheckRequested'").fetchone() == (4,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (4,)


def test_a_municipality_that_asks_for_forsakringskassan_gets_that_check_too(kernel, monkeypatch):
    # given Uppsala configured to check Försäkringskassan as well
    monkeypatch.setenv("REGISTRY_CHECKS_CONFIG", json.dumps({"extra_registers": {UPPSALA: ["forsakringskassan"]}}))
    # when an applicant registers there
    applicant_id = given_registered(kernel, UPPSALA)
    # then five checks are requested
    assert list(checks_of(kernel, applicant_id)) == [*DEFAULT_REGISTERS, "forsakringskassan"]


@pytest.mark.parametrize("event_type, reason", [("ApplicantWithdrawn", "applicant_withdrawn"),
                                                ("ApplicantRejected", "applicant_rejected")])
def test_withdrawal_or_rejection_cancels_the_pending_checks_and_leaves_completed_ones(kernel, event_type, reason):
    # given an applicant whose Kronofogden check has completed and whose other checks are pending
    applicant_id = given_registered(kernel)
    kfm = check_id_for(applicant_id, "kronofogden")
    assert isinstance(when_received(kernel, *signed(result(kfm))), Accepted)
    # when the applicant withdraws, or is rejected
    data = {"withdrawn_by": "applicant", "reason": "", "by": "rekryterare-1"} if event_type == "ApplicantWithdrawn" \
        else {"reason": "olämplig", "by": "rekryterare-1"}
    assert kernel.receive(applicant_event(event_type, applicant_id, 2, data), "applicants").status == "applied"
    # then every pending check is cancelled with the reason, and the completed one is kept
    checks = checks_of(kernel, applicant_id)
    assert checks.pop("kronofogden")["state"] == "completed"
    assert {(c["state"], c["cancel_reason"]) for c in checks.values()} == {("cancelled", reason)}


# --------------------------------------------------------------------------------------------- inbound results

def test_a_signed_result_for_a_pending_check_completes_it(kernel):
    # given a pending Kronofogden check
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    # when Kronofogden publishes a signed clear result
    outcome = when_received(kernel, *signed(result(check_id)))
    # then the check has completed clear, valid for at most twelve months, and nothing was refused
    assert isinstance(outcome, Accepted)
    with kernel.connection() as conn:
        row = projection.check_row(conn, check_id)
        [event] = [e for e in kernel.store.load(conn, stream_id(check_id)) if e.event_type == "CheckCompleted"]
    assert (row["state"], row["outcome"], row["source"], row["entered_by"]) == ("completed", "clear", "register", None)
    assert row["clear_until"] == row["valid_until"]
    assert event.actor == "register:kronofogden" and event.municipality == STOCKHOLM
    assert refused_rows(kernel) == []


def test_an_unsigned_result_is_refused_and_kept(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    raw, headers = signed(result(check_id))
    del headers["x-kontakt-signature"]
    before = snapshot(kernel)
    row = then_refused_and_kept(kernel, when_received(kernel, raw, headers), "unsigned", before, raw)
    assert row["headers"] == headers and row["routing_key"] == "kronofogden"


def test_a_forged_result_is_refused_and_kept_without_naming_a_check_or_municipality(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    raw, headers = signed(result(check_id), key=b"a key the register never had....")
    before = snapshot(kernel)
    row = then_refused_and_kept(kernel, when_received(kernel, raw, headers), "bad_signature", before, raw)
    assert (row["register"], row["check_id"], row["municipality"]) == ("kronofogden", None, None)


def test_a_stale_result_is_refused_and_kept(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    raw, headers = signed(result(check_id), sent_at=datetime.now(timezone.utc) - timedelta(minutes=6))
    before = snapshot(kernel)
    then_refused_and_kept(kernel, when_received(kernel, raw, headers), "stale_timestamp", before, raw)


def test_a_result_for_an_unknown_check_is_refused_and_kept(kernel):
    given_registered(kernel)
    raw, headers = signed(result(str(uuid.uuid4())))
    before = snapshot(kernel)
    then_refused_and_kept(kernel, when_received(kernel, raw, headers), "unknown_check", before, raw)


def test_a_result_from_another_register_is_refused_and_kept_with_the_checks_municipality(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    raw, headers = signed(result(check_id, register="socialregistret"))
    before = snapshot(kernel)
    row = then_refused_and_kept(kernel, when_received(kernel, raw, headers), "wrong_register", before, raw)
    assert (row["register"], row["check_id"], row["municipality"]) == ("socialregistret", check_id, STOCKHOLM)


def test_a_result_for_a_cancelled_check_is_refused_as_late_and_kept(kernel):
    applicant_id = given_registered(kernel)
    kernel.receive(applicant_event("ApplicantWithdrawn", applicant_id, 2,
                                   {"withdrawn_by": "applicant", "reason": "", "by": "rekryterare-1"}), "applicants")
    raw, headers = signed(result(check_id_for(applicant_id, "kronofogden")))
    before = snapshot(kernel)
    then_refused_and_kept(kernel, when_received(kernel, raw, headers), "late", before, raw)


def test_a_result_for_an_expired_check_is_refused_as_late_and_kept(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    assert isinstance(when_received(kernel, *signed(result(check_id))), Accepted)
    assert app.expire_due(kernel, date.today() + timedelta(days=400)) == 1
    raw, headers = signed(result(check_id))
    before = snapshot(kernel)
    then_refused_and_kept(kernel, when_received(kernel, raw, headers), "late", before, raw)


def test_a_repeated_result_is_refused_and_kept(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    raw, headers = signed(result(check_id, reference="KFM-1"))
    assert isinstance(when_received(kernel, raw, headers), Accepted)
    # when the very same message is delivered again (the broker redelivers after a lost ack)
    before = snapshot(kernel)
    then_refused_and_kept(kernel, when_received(kernel, raw, headers), "repeat", before, raw)


def test_a_malformed_result_is_refused_and_kept_listing_the_fields(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    raw, headers = signed(result(check_id, outcome="maybe"))
    before = snapshot(kernel)
    row = then_refused_and_kept(kernel, when_received(kernel, raw, headers), "malformed", before, raw)
    assert row["fields"] == ["outcome"]


def test_a_body_that_is_not_even_text_is_refused_and_kept(kernel):
    before = snapshot(kernel)
    outcome = app.receive_result(kernel, b"\xff\xfe binary", {}, keys=KEYS)
    assert isinstance(outcome, Refused) and outcome.reason_code == "unsigned"
    assert snapshot(kernel) == before and refused_rows(kernel)[0]["raw_body"].endswith(" binary")


# --------------------------------------------------------------------------------------------- manual entry

def test_a_recruiter_records_a_paper_extract_and_is_named_on_it(kernel):
    # given a pending Polisen check
    check_id = check_id_for(given_registered(kernel), "polisen_belastningsregister")
    # when a recruiter keys in the extract the applicant showed
    check = app.record_manual_result(kernel, RECRUITER_7, f"check-{check_id}", {
        "outcome": "clear", "completed_on": date.today().isoformat(), "register_reference": "PM-55"})
    # then the check completed from a manual source, with the recruiter recorded
    assert (check["state"], check["outcome"], check["source"], check["entered_by"]) == \
        ("completed", "clear", "manual", "rekryterare-7")
    with kernel.connection() as conn:
        [event] = [e for e in kernel.store.load(conn, stream_id(check_id)) if e.event_type == "CheckCompleted"]
    assert event.actor == "rekryterare-7" and event.data["entered_by"] == "rekryterare-7"


def test_a_manual_result_with_bad_fields_names_them_and_changes_nothing(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    before = snapshot(kernel)
    with pytest.raises(ValidationError) as error:
        app.record_manual_result(kernel, RECRUITER_7, check_id, {"outcome": "fine", "completed_on": "igår"})
    assert set(error.value.messages) == {"outcome", "completed_on"}
    assert snapshot(kernel) == before


def test_the_registers_later_signed_remarks_outrank_a_clear_keyed_in_by_hand_and_raise_a_conflict(kernel):
    # given a clear paper extract a recruiter keyed in
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    app.record_manual_result(kernel, RECRUITER_7, check_id, {"outcome": "clear",
                                                             "completed_on": date.today().isoformat()})
    # when the register's signed result says remarks
    outcome = when_received(kernel, *signed(result(check_id, outcome="remarks", summary="Skuld")))
    # then it is accepted, not refused as a repeat, and nothing is kept among the refused
    assert isinstance(outcome, Accepted)
    assert [r for r in refused_rows(kernel) if r["check_id"] == check_id] == []
    # and the check reads the register's result, with an open conflict naming the one keyed in
    with kernel.connection() as conn:
        check = projection.check_row(conn, check_id)
        types = [e.event_type for e in kernel.store.load(conn, stream_id(check_id))]
    assert (check["outcome"], check["source"], check["summary"]) == ("remarks", "register", "Skuld")
    assert check["conflict"]["state"] == "open" and check["conflict"]["keyed_in"]["outcome"] == "clear"
    assert check["conflict"]["keyed_in"]["entered_by"] == "rekryterare-7"
    assert types[-2:] == ["CheckCompleted", "CheckConflictRaised"]
    # when a recruiter resolves it with a reason, then the conflict is resolved and the register's result stands
    resolved = app.resolve_conflict(kernel, a_recruiter("rekryterare-8", STOCKHOLM), f"check-{check_id}",
                                    {"reason": "Pappersutdraget gällde en annan period."})
    assert resolved["conflict"]["state"] == "resolved" and resolved["conflict"]["resolved_by"] == "rekryterare-8"
    assert resolved["outcome"] == "remarks"
    # and a second resolution, or one without a reason, is refused
    with pytest.raises(CommandRefused, match="no conflict"):
        app.resolve_conflict(kernel, RECRUITER_7, check_id, {"reason": "igen"})
    with pytest.raises(ValidationError):
        app.resolve_conflict(kernel, RECRUITER_7, check_id, {})


def test_another_municipalitys_recruiter_cannot_resolve_a_conflict(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    app.record_manual_result(kernel, RECRUITER_7, check_id, {"outcome": "clear",
                                                             "completed_on": date.today().isoformat()})
    when_received(kernel, *signed(result(check_id, outcome="remarks")))
    with pytest.raises(ServiceProblem) as problem:
        app.resolve_conflict(kernel, a_recruiter("rekryterare-u", UPPSALA), check_id, {"reason": "x"})
    assert problem.value.kind == "not_found"


def test_a_manual_result_for_a_check_that_already_has_one_is_refused(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    assert isinstance(when_received(kernel, *signed(result(check_id))), Accepted)
    with pytest.raises(CommandRefused, match="already has this result"):
        app.record_manual_result(kernel, RECRUITER_7, check_id,
                                 {"outcome": "remarks", "completed_on": date.today().isoformat()})


# --------------------------------------------------------------------------------------------- expiry and worklist

def test_a_clear_result_near_its_end_is_on_the_worklist_and_expires_after_its_last_day(kernel):
    # given a clear Kronofogden result valid until 60 days from now, and a clear one valid for a year
    soon = check_id_for(given_registered(kernel), "kronofogden")
    later = check_id_for(given_registered(kernel), "kronofogden")
    last_day = date.today() + timedelta(days=60)
    assert isinstance(when_received(kernel, *signed(result(soon, valid_until=last_day.isoformat()))), Accepted)
    assert isinstance(when_received(kernel, *signed(result(later))), Accepted)
    # then only the first is on Stockholm's worklist (and none on Uppsala's)
    with kernel.connection() as conn:
        assert [c["check_id"] for c in projection.worklist(conn, date.today(), [STOCKHOLM])] == [soon]
        assert projection.worklist(conn, date.today(), [UPPSALA]) == []
    # when the expiry runs on its last day, nothing expires; the day after, it does, once
    assert app.expire_due(kernel, last_day) == 0
    assert app.expire_due(kernel, last_day + timedelta(days=1)) == 1
    assert app.expire_due(kernel, last_day + timedelta(days=1)) == 0
    with kernel.connection() as conn:
        row = projection.check_row(conn, soon)
        assert (row["state"], row["clear_until"], row["expired_on"]) == \
            ("expired", None, (last_day + timedelta(days=1)).isoformat())
        assert projection.worklist(conn, date.today(), [STOCKHOLM]) == []


# --------------------------------------------------------------------------------------------- refused results

ADMIN_STOCKHOLM = Caller({"sub": "admin-1", "roles": {STOCKHOLM: ["admin"]}})


def test_an_admin_pages_through_the_refused_results_of_their_municipalitys_checks_only(kernel):
    # given refused results: two repeats for Stockholm's checks, one for Uppsala's, and a forged one for no check
    mine = [check_id_for(given_registered(kernel), "kronofogden") for _ in range(2)]
    theirs = check_id_for(given_registered(kernel, UPPSALA), "kronofogden")
    for check_id in (*mine, theirs):
        body = result(check_id, summary="Personnummer 19121212-1212")
        when_received(kernel, *signed(body))
        when_received(kernel, *signed({**body, "register_reference": "AGAIN-" + check_id[:8]}))
    forged = when_received(kernel, *signed(result(str(uuid.uuid4())), key=b"not the key"))
    assert forged.reason_code == "bad_signature"
    # when Stockholm's admin lists them, a page of one at a time
    first = app.list_refused_results(kernel, ADMIN_STOCKHOLM, STOCKHOLM, page=1, page_size=1)
    second = app.list_refused_results(kernel, ADMIN_STOCKHOLM, page=2, page_size=1)
    # then only the two of Stockholm's checks, newest first, counted
    assert (first["total"], second["total"], first["page_size"]) == (2, 2, 1)
    assert [first["items"][0]["check_id"], second["items"][0]["check_id"]] == mine[::-1]
    assert {item["reason_code"] for item in first["items"] + second["items"]} == {"repeat"}
    # and without the message's headers or body, which may carry personal data
    assert set(first["items"][0]) == {"id", "received_at", "reason_code", "message", "fields", "register",
                                      "check_id", "municipality"}
    assert "19121212" not in json.dumps([first, second])
    # and Uppsala's is not found for them, as any other municipality's resource
    with pytest.raises(ServiceProblem) as problem:
        app.list_refused_results(kernel, ADMIN_STOCKHOLM, UPPSALA)
    assert problem.value.kind == "not_found"
    # and a recruiter may not list them
    with pytest.raises(ServiceProblem) as problem:
        app.list_refused_results(kernel, RECRUITER_7, STOCKHOLM)
    assert problem.value.kind == "forbidden"


def test_a_refused_result_of_no_check_is_shown_to_the_operators_only(kernel, capsys, monkeypatch):
    # given a forged result, which names no municipality
    raw, headers = signed(result(str(uuid.uuid4()), register="socialregistret"), key=b"guessed")
    assert when_received(kernel, raw, headers).reason_code == "bad_signature"
    # then no admin sees it, whatever municipalities they have
    every_admin = Caller({"sub": "admin-9", "roles": {STOCKHOLM: ["admin"], UPPSALA: ["admin"]}})
    assert app.list_refused_results(kernel, every_admin)["total"] == 0
    # but the deployment's operators list it, with the message as received
    monkeypatch.setenv(f"{spec.SERVICE.upper()}_DATABASE_URL", config.database_url(kernel.spec.name))
    assert refused.main(["--unattributed", "--with-body"]) == 0
    [line] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["reason_code"] == "bad_signature" and line["municipality"] is None
    assert line["raw_body"] == raw.decode()


def test_an_admins_bad_query_names_the_fields(kernel):
    with pytest.raises(ServiceProblem) as problem:
        app.list_refused_results(kernel, ADMIN_STOCKHOLM, STOCKHOLM, page=0, page_size=500, since="igår")
    assert problem.value.kind == "invalid"
    assert {p["field"] for p in problem.value.problems} == {"page", "page_size", "since"}


def test_an_expired_check_can_be_renewed_and_answered_again(kernel):
    check_id = check_id_for(given_registered(kernel), "kronofogden")
    when_received(kernel, *signed(result(check_id)))
    app.expire_due(kernel, date.today() + timedelta(days=400))
    # when a recruiter renews it
    renewed = app.renew_check(kernel, RECRUITER_7, check_id)
    # then it is pending again, and a new result completes it
    assert renewed["state"] == "pending"
    assert isinstance(when_received(kernel, *signed(result(check_id))), Accepted)
