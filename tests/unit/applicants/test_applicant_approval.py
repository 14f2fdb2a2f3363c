"""Beslut: ApproveApplicant -> ApplicantApproved, refused with everything the assessment still lacks."""
from datetime import date

import pytest

from services.applicants.domain.applicant import APPLICANT, RejectApplicant, WithdrawApplicant
from services.applicants.domain.checks import FORSAKRINGSKASSAN, KRONOFOGDEN, POLISEN_BELASTNINGSREGISTER
from services.common.decider import NotFound
from services.common.testing import given

from .examples import (
    ALL_CHECKS_CLEAR, MUNICIPALITY, RECRUITER, TODAY, approve, approved, check, interviewed, private_reference_ok,
    ready, reference, registered, with_check, work_reference_ok)


def test_an_assessed_applicant_with_every_check_clear_is_approved():
    events = given(APPLICANT, *ready).when(approve()).then("ApplicantApproved")
    assert events[0].data == {
        "applicant_id": registered.data["applicant_id"], "roles": ["kontaktperson"], "approved_on": "2025-03-03",
        "valid_until": "2026-03-03", "check_ids": [c.check_id for c in ALL_CHECKS_CLEAR], "by": RECRUITER}


def test_approval_needs_an_interview():
    given(APPLICANT, registered, work_reference_ok, private_reference_ok).when(approve()).then_refused(
        "interview missing")


def test_approval_needs_a_positive_work_or_studies_reference():
    given(APPLICANT, registered, interviewed, private_reference_ok).when(approve()).then_refused(
        "positive work_or_studies reference missing")


def test_approval_needs_a_private_reference():
    given(APPLICANT, registered, interviewed, work_reference_ok).when(approve()).then_refused(
        "positive private reference missing")


def test_a_negative_reference_does_not_count():
    given(APPLICANT, registered, interviewed, work_reference_ok, reference("private", "negative")).when(
        approve()).then_refused("positive private reference missing")


def test_approval_names_a_missing_register_check():
    checks = tuple(c for c in ALL_CHECKS_CLEAR if c.register != KRONOFOGDEN)
    refused = given(APPLICANT, *ready).when(approve(checks=checks)).then_refused(
        "register check kronofogden is missing")
    assert refused.problems[0].field == "checks" and refused.problems[0].code == "check_missing"


def test_approval_names_a_pending_check():
    pending = check(POLISEN_BELASTNINGSREGISTER, state="requested", outcome=None, valid_until=None)
    given(APPLICANT, *ready).when(approve(checks=with_check(pending))).then_refused(
        "register check polisen_belastningsregister (check-polisen_belastningsregister) is pending")


def test_approval_names_a_check_with_remarks():
    remarks = check(POLISEN_BELASTNINGSREGISTER, outcome="remarks")
    given(APPLICANT, *ready).when(approve(checks=with_check(remarks))).then_refused(
        "polisen_belastningsregister (check-polisen_belastningsregister) has remarks")


def test_approval_names_a_check_that_found_no_record():
    not_found = check(KRONOFOGDEN, outcome="not_found")
    given(APPLICANT, *ready).when(approve(checks=with_check(not_found))).then_refused(
        "kronofogden (check-kronofogden) found no record")


def test_approval_names_a_check_expired_by_event():
    expired = check(KRONOFOGDEN, state="expired")
    given(APPLICANT, *ready).when(approve(checks=with_check(expired))).then_refused(
        "kronofogden (check-kronofogden) has expired")


def test_a_clear_check_past_its_last_valid_day_has_expired():
    stale = check(KRONOFOGDEN, valid_until=date(2025, 3, 2))
    given(APPLICANT, *ready).when(approve(checks=with_check(stale))).then_refused(
        "kronofogden (check-kronofogden) has expired")


def test_a_clear_check_holds_on_its_last_valid_day():
    given(APPLICANT, *ready).when(approve(checks=with_check(check(KRONOFOGDEN, valid_until=TODAY)))).then(
        "ApplicantApproved")


def test_a_cancelled_check_counts_as_missing():
    cancelled = check(KRONOFOGDEN, state="cancelled", outcome=None, valid_until=None)
    given(APPLICANT, *ready).when(approve(checks=with_check(cancelled))).then_refused(
        "register check kronofogden is missing")


def test_a_renewed_clear_check_outweighs_an_expired_one():
    renewed = (*ALL_CHECKS_CLEAR, check(KRONOFOGDEN, state="expired"))
    given(APPLICANT, *ready).when(approve(checks=renewed)).then("ApplicantApproved")


def test_a_check_requested_beyond_the_default_registers_is_required_too():
    forsakringskassan = check(FORSAKRINGSKASSAN, state="requested", outcome=None, valid_until=None)
    given(APPLICANT, *ready).when(approve(checks=(*ALL_CHECKS_CLEAR, forsakringskassan))).then_refused(
        "register check forsakringskassan (check-forsakringskassan) is pending")


def test_a_cancelled_check_of_a_register_not_required_is_no_obstacle():
    cancelled = check(FORSAKRINGSKASSAN, state="cancelled", outcome=None, valid_until=None)
    given(APPLICANT, *ready).when(approve(checks=(*ALL_CHECKS_CLEAR, cancelled))).then("ApplicantApproved")


def test_the_service_may_require_more_registers():
    given(APPLICANT, *ready).when(approve(required_registers=(FORSAKRINGSKASSAN,))).then_refused(
        "register check forsakringskassan is missing")


def test_refusal_lists_everything_missing():
    refused = given(APPLICANT, registered).when(approve(checks=())).then_refused(
        "interview missing", "positive work_or_studies reference missing", "positive private reference missing",
        "polisen_belastningsregister is missing", "polisen_misstankeregister is missing",
        "socialregistret is missing", "kronofogden is missing")
    assert len(refused.problems) == 7


def test_approval_only_for_roles_applied_for():
    given(APPLICANT, *ready).when(approve(roles=("kontaktfamilj",))).then_refused(
        "did not register interest in: kontaktfamilj")


def test_approval_must_last_beyond_the_day():
    given(APPLICANT, *ready).when(approve(valid_until=TODAY)).then_refused("after the day of approval")


def test_an_approved_applicant_is_not_approved_again():
    given(APPLICANT, *ready, approved).when(approve()).then_refused("applicant is already approved")


def test_a_withdrawn_applicant_cannot_be_approved():
    withdrawn = APPLICANT.decide(APPLICANT.fold(ready), WithdrawApplicant(
        applicant_id=registered.data["applicant_id"], municipality=MUNICIPALITY, by=RECRUITER,
        withdrawn_by="applicant"))[0]
    given(APPLICANT, *ready, withdrawn).when(approve()).then_refused("applicant is withdrawn")


def test_a_rejected_applicant_cannot_be_approved():
    rejected = APPLICANT.decide(APPLICANT.fold(ready), RejectApplicant(
        applicant_id=registered.data["applicant_id"], municipality=MUNICIPALITY, by=RECRUITER,
        reason="olämplig"))[0]
    given(APPLICANT, *ready, rejected).when(approve()).then_refused("applicant is rejected")


def test_another_municipality_does_not_see_the_applicant():
    with pytest.raises(NotFound):
        given(APPLICANT, *ready).when(approve(municipality="1480"))


def test_an_unregistered_applicant_is_not_found():
    with pytest.raises(NotFound):
        given(APPLICANT).when(approve())
