"""Results arriving on registry_checks.inbound: one test per refusal reason, and the accepted case."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from services.registry_checks.domain import CHECK
from services.registry_checks.inbound import Accepted, Refused, assess_inbound, check_id_named_in
from services.registry_checks.signing import sign, timestamp_of
from tests.unit.registry_checks import examples
from tests.unit.registry_checks.examples import CHECK_ID, cancelled, expired, requested

NOW = datetime(2025, 3, 11, 9, 0, tzinfo=timezone.utc)
KEYS = {"kronofogden": b"key-kfm", "socialregistret": b"key-soc"}
PERSONNUMMER = "19121212-1212"  # a summary may carry personal data: it must never reach a refusal


def body(**changes) -> dict:
    """Kronofogden's clear result for the check, completed a minute before NOW, with personal data in its summary."""
    return {**examples.result(CHECK_ID, reference="KFM-1", completed_at=NOW - timedelta(minutes=1),
                              summary=f"Inga skulder för {PERSONNUMMER}"), **changes}


def signed(content: dict, key=b"key-kfm", sent_at=NOW) -> tuple[bytes, dict]:
    """Signed at NOW with the test's key for Kronofogden, unless told otherwise."""
    return examples.signed(content, key, sent_at)


def assess(raw, headers, *events):
    state = CHECK.fold(events) if events else None
    outcome = assess_inbound(raw, headers, KEYS, NOW, state)
    if isinstance(outcome, Refused):
        assert PERSONNUMMER not in outcome.message
    return outcome


def then_refused(outcome, reason: str) -> Refused:
    assert isinstance(outcome, Refused), outcome
    assert outcome.reason_code == reason, outcome
    return outcome


def test_a_signed_fresh_result_for_a_pending_check_becomes_a_record_result():
    outcome = assess(*signed(body()), requested())
    assert isinstance(outcome, Accepted)
    [event] = CHECK.decide(CHECK.fold([requested()]), outcome.command)
    assert (event.type, event.data["outcome"], event.data["source"]) == ("CheckCompleted", "clear", "register")


def test_headers_are_matched_whatever_their_case():
    raw, headers = signed(body())
    assert isinstance(assess(raw, {k.upper(): v for k, v in headers.items()}, requested()), Accepted)


@pytest.mark.parametrize("missing", ["x-kontakt-signature", "x-kontakt-timestamp"])
def test_an_unsigned_result_is_refused(missing):
    raw, headers = signed(body())
    del headers[missing]
    then_refused(assess(raw, headers, requested()), "unsigned")


def test_a_forged_result_is_refused():
    raw, headers = signed(body(), key=b"not the register's key")
    then_refused(assess(raw, headers, requested()), "bad_signature")


def test_a_result_changed_after_signing_is_refused():
    raw, headers = signed(body())
    then_refused(assess(raw.replace(b"clear", b"remarks"), headers, requested()), "bad_signature")


def test_a_result_from_a_register_without_a_key_is_refused():
    raw, headers = signed(body(register_id="forsakringskassan"))
    then_refused(assess(raw, headers, requested()), "bad_signature")


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_result_more_than_five_minutes_off_is_refused_as_stale(offset):
    then_refused(assess(*signed(body(), sent_at=NOW + offset), requested()), "stale_timestamp")


def test_a_result_that_breaks_the_schema_is_refused_listing_the_fields():
    raw, headers = signed(body(outcome="maybe", completed_at="yesterday", extra="x"))
    refused = then_refused(assess(raw, headers, requested()), "malformed")
    assert refused.fields == ("completed_at", "extra", "outcome")
    assert "completed_at, extra, outcome" in refused.message


def test_a_body_that_is_not_json_is_refused_as_malformed():
    raw = b"not json " + PERSONNUMMER.encode()
    headers = {"x-kontakt-timestamp": timestamp_of(NOW), "x-kontakt-signature": sign(b"key-kfm", "0", raw)}
    then_refused(assess(raw, headers, requested()), "malformed")


def test_a_result_breaking_a_rule_of_the_check_is_refused_as_malformed():
    raw, headers = signed(body(valid_until="2025-01-01"))
    refused = then_refused(assess(raw, headers, requested()), "malformed")
    assert refused.fields == ("valid_until",)


def test_a_result_for_an_unknown_check_is_refused():
    refused = then_refused(assess(*signed(body())), "unknown_check")
    assert refused.check_id == CHECK_ID


def test_a_result_from_another_register_than_the_one_asked_is_refused():
    raw, headers = signed(body(register_id="socialregistret"), key=b"key-soc")
    then_refused(assess(raw, headers, requested()), "wrong_register")


def test_a_result_for_a_cancelled_check_is_refused_as_late():
    then_refused(assess(*signed(body()), requested(), cancelled("2025-03-10T10:00:00+00:00")), "late")


def test_a_result_for_an_expired_check_is_refused_as_late():
    first = CHECK.decide(CHECK.fold([requested()]), assess(*signed(body()), requested()).command)[0]
    then_refused(assess(*signed(body(register_reference="KFM-2")), requested(), first,
                        expired(valid_until="2026-03-11", expired_on="2026-03-12")), "late")


def test_a_second_result_for_a_completed_check_is_refused_as_a_repeat():
    first = CHECK.decide(CHECK.fold([requested()]), assess(*signed(body()), requested()).command)[0]
    then_refused(assess(*signed(body()), requested(), first), "repeat")


def test_the_service_finds_the_check_id_before_the_signature_is_checked():
    assert check_id_named_in(json.dumps(body()).encode()) == CHECK_ID
    assert check_id_named_in(b"[1, 2]") is None


def test_a_body_handed_over_as_text_is_checked_as_its_utf8_bytes():
    # py-amqp decodes a body that has a content_encoding; the signature is over the bytes sent.
    raw, headers = signed(body(summary="Åsa, Östersund"))
    assert isinstance(assess(raw.decode("utf-8"), headers, requested()), Accepted)


def test_a_check_id_in_another_spelling_names_the_same_check():
    # given a result naming the check in capitals, with its stream prefix (services.common.ids takes any spelling)
    raw, headers = signed(body(check_id=f"CHECK-{CHECK_ID.upper()}"))
    # then the service loads that check, and the result is recorded for it under its one spelling
    assert check_id_named_in(raw) == CHECK_ID
    outcome = assess(raw, headers, requested())
    assert isinstance(outcome, Accepted) and outcome.command.check_id == CHECK_ID
