"""Approval and results keyed in by hand: a conflict with the register must be resolved first, and the recruiter who
keyed in a result does not approve on it (four eyes, as for payment runs). See docs/domain.md, "Register checks"."""
from services.applicants.domain.applicant import APPLICANT
from services.applicants.domain.checks import KRONOFOGDEN, POLISEN_BELASTNINGSREGISTER, CheckStatus, check_status_after
from services.common.testing import given

from .examples import RECRUITER, approve, check, ready, with_check

COLLEAGUE = "rekryterare-2"


def keyed_in(register: str, by: str = RECRUITER, outcome: str = "clear") -> CheckStatus:
    return check(register, outcome=outcome, source="manual", entered_by=by)


def test_approval_is_refused_while_a_check_has_an_unresolved_conflict():
    # given a check whose register's signed "clear" replaced a keyed-in "remarks", not yet resolved
    conflicted = check(KRONOFOGDEN, conflict=True)
    # when the applicant is approved, then it is refused naming the check
    refused = given(APPLICANT, *ready).when(approve(checks=with_check(conflicted))).then_refused(
        "register check kronofogden (check-kronofogden): the register's result differs from the one keyed in")
    assert [(p.field, p.code) for p in refused.problems] == [("checks", "check_conflict")]


def test_approval_goes_through_once_the_conflict_is_resolved():
    resolved = check(KRONOFOGDEN, conflict=False)
    given(APPLICANT, *ready).when(approve(checks=with_check(resolved))).then("ApplicantApproved")


def test_the_recruiter_who_keyed_in_a_result_may_not_approve_on_it():
    # given a clear result the approver keyed in from a paper extract
    checks = with_check(keyed_in(POLISEN_BELASTNINGSREGISTER, by=RECRUITER))
    # when they approve, then it is refused: four eyes
    refused = given(APPLICANT, *ready).when(approve(checks=checks, by=RECRUITER)).then_refused(
        "four eyes: you keyed in the result of register check polisen_belastningsregister")
    assert [(p.field, p.code) for p in refused.problems] == [("by", "four_eyes")]


def test_another_recruiter_approves_on_a_result_keyed_in_by_a_colleague():
    checks = with_check(keyed_in(POLISEN_BELASTNINGSREGISTER, by=COLLEAGUE))
    given(APPLICANT, *ready).when(approve(checks=checks, by=RECRUITER)).then("ApplicantApproved")


def test_a_keyed_in_result_the_register_replaced_no_longer_binds_its_recruiter():
    # given the approver keyed in a result, and the register's signed answer replaced it
    status = None
    for event_type, data in (
            ("CheckRequested", {"check_id": "check-kronofogden", "register": KRONOFOGDEN}),
            ("CheckCompleted", {"check_id": "check-kronofogden", "register": KRONOFOGDEN, "outcome": "clear",
                                "valid_until": "2026-02-01", "source": "manual", "entered_by": RECRUITER}),
            ("CheckCompleted", {"check_id": "check-kronofogden", "register": KRONOFOGDEN, "outcome": "clear",
                                "valid_until": "2026-02-01", "source": "register", "entered_by": None})):
        status = check_status_after(status, event_type, data)
    # then the approver may approve on it
    given(APPLICANT, *ready).when(approve(checks=with_check(status), by=RECRUITER)).then("ApplicantApproved")


def test_a_conflict_and_a_keyed_in_result_are_both_named_with_everything_else_missing():
    checks = (*with_check(keyed_in(KRONOFOGDEN)), check(POLISEN_BELASTNINGSREGISTER, conflict=True))
    refused = given(APPLICANT, *ready).when(approve(checks=checks)).then_refused("four eyes", "resolve the conflict")
    assert {p.code for p in refused.problems} == {"four_eyes", "check_conflict"}
