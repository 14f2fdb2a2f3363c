"""The check decider: request, result, expiry and cancellation, as given / when / then."""
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from services.common.decider import NewEvent, NotFound
from services.common.testing import given
from services.registry_checks.domain import (
    CHECK, CancelCheck, CheckState, ExpireCheck, RecordResult, RequestCheck, check_id_for, is_expiring,
    make_check_decider, requests_for_applicant)
from services.registry_checks.registers import LSS_CHILDREN, ChecksConfig
from tests.unit.registry_checks.examples import (APPLICANT_ID, CHECK_ID, MARCH_10, STOCKHOLM, UTC, cancelled,
                                                 completed, expired, requested)

request = RequestCheck(CHECK_ID, APPLICANT_ID, "kronofogden", STOCKHOLM, ("kontaktperson",), MARCH_10)
register_result = RecordResult(
    check_id=CHECK_ID, municipality=STOCKHOLM, outcome="clear", completed_at=MARCH_10 + timedelta(days=1),
    recorded_at=MARCH_10 + timedelta(days=1, minutes=1), source="register", register="kronofogden",
    register_reference="KFM-1", valid_until=date(2026, 1, 31), summary="")


# ---------------------------------------------------------------- requesting

def test_a_request_opens_the_check_with_the_validity_of_its_register_and_roles():
    [event] = given(CHECK).when(request).then("CheckRequested")
    assert event.data == requested().data


def test_work_with_children_under_lss_caps_the_validity_of_the_belastningsregister_extract():
    decider = make_check_decider(ChecksConfig(validity_months={"polisen_belastningsregister": 24}))
    lss = replace(request, register="polisen_belastningsregister", roles=("kontaktperson", LSS_CHILDREN))
    [event] = given(decider).when(lss).then("CheckRequested")
    assert event.data["validity_months"] == 12


def test_a_request_names_every_field_at_fault():
    bad = RequestCheck(CHECK_ID, "", "skatteverket", "9999", (), datetime(2025, 3, 10, 9, 0))
    refused = given(CHECK).when(bad).then_refused("unknown register", "kommunkod", "at least one role",
                                                  "time zone", "applicant_id")
    assert {p.field for p in refused.problems} == {"register", "municipality", "roles", "requested_at",
                                                   "applicant_id"}


def test_a_pending_check_is_not_requested_twice():
    given(CHECK, requested()).when(request).then_refused("already pending")


def test_a_check_that_has_ended_can_be_renewed():
    renewal = replace(request, requested_at=MARCH_10 + timedelta(days=300), by="rekryterare-1")
    given(CHECK, requested(), completed()).when(renewal).then("CheckRequested")
    given(CHECK, requested(), cancelled()).when(renewal).then("CheckRequested")
    given(CHECK, requested(), completed(), expired()).when(renewal).then("CheckRequested")


def test_a_renewal_is_for_the_same_applicant_and_register():
    given(CHECK, requested(), completed()).when(replace(request, register="socialregistret")).then_refused(
        "another applicant or register")


def test_another_municipality_does_not_see_the_check():
    with pytest.raises(NotFound):
        given(CHECK, requested()).when(replace(register_result, municipality="1480"))


def test_an_applicant_gets_one_check_per_required_register_with_stable_ids():
    commands = requests_for_applicant(APPLICANT_ID, ["kontaktfamilj"], STOCKHOLM, MARCH_10)
    assert [c.register for c in commands] == [
        "polisen_belastningsregister", "polisen_misstankeregister", "socialregistret", "kronofogden"]
    assert commands[0].check_id == check_id_for(APPLICANT_ID, "polisen_belastningsregister")
    assert len({c.check_id for c in commands}) == 4


# ---------------------------------------------------------------- results

def test_a_register_result_completes_the_check():
    [event] = given(CHECK, requested()).when(register_result).then("CheckCompleted")
    assert event.data == completed().data


def test_valid_until_is_capped_at_the_validity_from_completed_at():
    [event] = given(CHECK, requested()).when(replace(register_result, valid_until=date(2027, 1, 1))).then(
        "CheckCompleted")
    assert event.data["valid_until"] == "2026-03-11"


def test_without_a_valid_until_the_result_is_valid_for_the_whole_validity():
    [event] = given(CHECK, requested()).when(replace(register_result, valid_until=None)).then("CheckCompleted")
    assert event.data["valid_until"] == "2026-03-11"


def test_a_manual_result_records_the_recruiter_who_saw_the_paper_extract():
    manual = replace(register_result, source="manual", register=None, register_reference=None,
                     by="rekryterare-1")
    [event] = given(CHECK, requested()).when(manual).then("CheckCompleted")
    assert (event.data["source"], event.data["entered_by"]) == ("manual", "rekryterare-1")


def test_a_manual_result_names_its_recruiter():
    manual = replace(register_result, source="manual", register=None, by=None)
    given(CHECK, requested()).when(manual).then_refused("names the recruiter")


def test_a_result_from_another_register_is_refused():
    refused = given(CHECK, requested()).when(replace(register_result, register="socialregistret")).then_refused(
        "another register")
    assert refused.problems[0].code == "wrong_register"


def test_a_result_for_a_cancelled_check_is_late():
    given(CHECK, requested(), cancelled()).when(register_result).then_refused("cancelled")


def test_a_result_for_an_expired_check_is_late():
    given(CHECK, requested(), completed(), expired()).when(replace(register_result, register_reference="KFM-2")) \
        .then_refused("expired")


def test_a_second_result_is_a_repeat():
    given(CHECK, requested(), completed()).when(replace(register_result, register_reference="KFM-2")) \
        .then_refused("already has this result")


def test_an_old_result_arriving_during_a_renewal_is_a_repeat():
    renewed = NewEvent("CheckRequested", requested().data)
    given(CHECK, requested(), completed(), renewed).when(register_result).then_refused("already has this result")


def test_a_clear_extract_older_than_its_validity_is_refused():
    old = replace(register_result, completed_at=MARCH_10 - timedelta(days=400), valid_until=None)
    given(CHECK, requested()).when(old).then_refused("more than 12 months old")


def test_a_result_cannot_be_completed_after_it_was_received():
    future = replace(register_result, completed_at=register_result.recorded_at + timedelta(hours=1))
    given(CHECK, requested()).when(future).then_refused("completed_at is in the future")


def test_valid_until_cannot_be_before_completed_at():
    given(CHECK, requested()).when(replace(register_result, valid_until=date(2025, 3, 1))).then_refused(
        "valid_until is before completed_at")


def test_a_result_names_every_field_at_fault():
    bad = replace(register_result, outcome="maybe", register_reference=None)
    refused = given(CHECK, requested()).when(bad).then_refused("outcome must be", "reference")
    assert {p.field for p in refused.problems} == {"outcome", "register_reference"}


# ---------------------------------------------------------------- expiry

def test_a_clear_result_expires_once_past_valid_until():
    [event] = given(CHECK, requested(), completed()).when(ExpireCheck(CHECK_ID, STOCKHOLM, date(2026, 2, 1))) \
        .then("CheckExpired")
    assert (event.data["valid_until"], event.data["expired_on"]) == ("2026-01-31", "2026-02-01")


def test_a_clear_result_is_still_valid_on_its_last_day():
    given(CHECK, requested(), completed()).when(ExpireCheck(CHECK_ID, STOCKHOLM, date(2026, 1, 31))) \
        .then_refused("valid until 2026-01-31")


def test_only_a_clear_result_expires():
    given(CHECK, requested(), completed("remarks")).when(ExpireCheck(CHECK_ID, STOCKHOLM, date(2026, 2, 1))) \
        .then_refused("no clear result")


def test_a_clear_result_expires_during_its_renewal_and_the_renewal_still_takes_a_result():
    renewed = NewEvent("CheckRequested", requested().data)
    given(CHECK, requested(), completed(), renewed).when(ExpireCheck(CHECK_ID, STOCKHOLM, date(2026, 2, 1))) \
        .then("CheckExpired")
    new_result = replace(register_result, register_reference="KFM-2",
                         completed_at=datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
                         recorded_at=datetime(2026, 2, 2, 9, 1, tzinfo=UTC), valid_until=None)
    given(CHECK, requested(), completed(), renewed, expired()).when(new_result).then("CheckCompleted")


def test_a_clear_result_ending_within_sixty_days_is_on_the_worklist():
    state = CHECK.fold([requested(), completed()])
    assert is_expiring(state, date(2025, 12, 2))
    assert not is_expiring(state, date(2025, 12, 1))
    assert not is_expiring(CHECK.fold([requested(), completed("remarks")]), date(2026, 1, 30))


# ---------------------------------------------------------------- cancellation

def test_withdrawal_cancels_a_pending_check():
    cancel = CancelCheck(CHECK_ID, STOCKHOLM, "applicant_withdrawn", MARCH_10 + timedelta(days=2))
    [event] = given(CHECK, requested()).when(cancel).then("CheckCancelled")
    assert event.data == cancelled().data


def test_only_a_pending_check_is_cancelled():
    cancel = CancelCheck(CHECK_ID, STOCKHOLM, "applicant_rejected", MARCH_10 + timedelta(days=2))
    given(CHECK, requested(), completed()).when(cancel).then_refused("only a pending check")


def test_a_cancellation_names_its_reason():
    cancel = CancelCheck(CHECK_ID, STOCKHOLM, "bored", MARCH_10 + timedelta(days=2))
    given(CHECK, requested()).when(cancel).then_refused("reason must be one of")


def test_a_check_that_was_never_requested_is_not_found():
    with pytest.raises(NotFound):
        given(CHECK).when(ExpireCheck(CHECK_ID, STOCKHOLM, date(2026, 2, 1)))
    assert CHECK.initial() == CheckState()
