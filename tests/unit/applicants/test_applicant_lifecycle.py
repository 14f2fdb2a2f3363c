"""After registration: rejection, withdrawal, availability and the regional pool consent."""
from services.applicants.domain.applicant import (
    APPLICANT, Availability, ChangeAvailability, GiveRegionalConsent, RejectApplicant, WithdrawApplicant,
    WithdrawRegionalConsent)
from services.common.testing import given

from .examples import APPLICANT_ID, MUNICIPALITY, RECRUITER, approved, ready, registered

ids = {"applicant_id": APPLICANT_ID, "municipality": MUNICIPALITY, "by": RECRUITER}


def _after(*commands):
    """The events the commands produce, one after the other, from `ready`."""
    events = list(ready)
    for command in commands:
        events += APPLICANT.decide(APPLICANT.fold(events), command)
    return events[len(ready):]


def test_a_rejection_gives_its_reason():
    events = given(APPLICANT, registered).when(RejectApplicant(**ids, reason="olämplig")).then("ApplicantRejected")
    assert events[0].data == {"applicant_id": APPLICANT_ID, "reason": "olämplig", "by": RECRUITER}


def test_a_rejection_without_reason_is_refused():
    given(APPLICANT, registered).when(RejectApplicant(**ids, reason=" ")).then_refused("must give its reason")


def test_an_approved_applicant_is_not_rejected():
    given(APPLICANT, *ready, approved).when(RejectApplicant(**ids, reason="x")).then_refused("already approved")


def test_the_applicant_may_withdraw():
    events = given(APPLICANT, registered).when(WithdrawApplicant(**ids, withdrawn_by="applicant")).then(
        "ApplicantWithdrawn")
    assert events[0].data["withdrawn_by"] == "applicant"


def test_the_recruiter_may_withdraw_an_approved_volunteer():
    given(APPLICANT, *ready, approved).when(WithdrawApplicant(**ids, withdrawn_by="recruiter", reason="flyttat")).then(
        "ApplicantWithdrawn")


def test_withdrawal_names_who_asked():
    given(APPLICANT, registered).when(WithdrawApplicant(**ids, withdrawn_by="nämnden")).then_refused(
        "withdrawn_by must be one of")


def test_a_withdrawn_applicant_cannot_be_withdrawn_again():
    withdrawn = _after(WithdrawApplicant(**ids, withdrawn_by="applicant"))
    given(APPLICANT, *ready, *withdrawn).when(WithdrawApplicant(**ids, withdrawn_by="applicant")).then_refused(
        "applicant is withdrawn")


def test_a_rejected_applicant_cannot_change_availability():
    rejected = _after(RejectApplicant(**ids, reason="olämplig"))
    given(APPLICANT, *ready, *rejected).when(
        ChangeAvailability(**ids, availability=Availability(evenings=True))).then_refused("applicant is rejected")


def test_availability_changes():
    events = given(APPLICANT, *ready, approved).when(
        ChangeAvailability(**ids, availability=Availability(evenings=True, holidays=True))).then("AvailabilityChanged")
    assert events[0].data["availability"] == {"weekdays": False, "evenings": True, "weekends": False,
                                              "holidays": True}


def test_the_same_availability_again_changes_nothing():
    given(APPLICANT, registered).when(ChangeAvailability(**ids, availability=Availability(weekends=True))).then()


def test_regional_consent_may_be_withdrawn():
    events = given(APPLICANT, *ready, approved).when(WithdrawRegionalConsent(**ids)).then("RegionalConsentChanged")
    assert events[0].data["regional_pool"] is False


def test_regional_consent_may_be_given_again():
    withdrawn = _after(WithdrawRegionalConsent(**ids))
    events = given(APPLICANT, *ready, *withdrawn).when(GiveRegionalConsent(**ids)).then("RegionalConsentChanged")
    assert events[0].data["regional_pool"] is True


def test_consent_already_given_changes_nothing():
    given(APPLICANT, registered).when(GiveRegionalConsent(**ids)).then()


def test_a_decision_is_not_retried_on_a_version_conflict_but_an_addition_is():
    assert not APPLICANT.retry_on_conflict(RejectApplicant(**ids, reason="x"))
    assert APPLICANT.retry_on_conflict(GiveRegionalConsent(**ids))
