"""Lämplighetsbedömning: RecordInterview -> InterviewRecorded, RecordReference -> ReferenceRecorded."""
from dataclasses import replace
from datetime import date

from services.applicants.domain.applicant import APPLICANT, RecordInterview, RecordReference
from services.common.testing import given

from .examples import APPLICANT_ID, MUNICIPALITY, RECRUITER, TODAY, approved, ready, registered

interview = RecordInterview(applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=RECRUITER, on=TODAY,
                            interviewed_on=date(2025, 2, 20), interviewer="Eva Lind", notes="hembesök gick bra",
                            home_visit=True)
work_reference = RecordReference(applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=RECRUITER,
                                 kind="work_or_studies", name="Chef", contact="08-123 456", outcome="positive")


def test_an_interview_is_recorded():
    events = given(APPLICANT, registered).when(interview).then("InterviewRecorded")
    assert events[0].data == {"applicant_id": APPLICANT_ID, "interviewed_on": "2025-02-20", "interviewer": "Eva Lind",
                              "home_visit": True, "notes": "hembesök gick bra", "by": RECRUITER}


def test_an_interview_cannot_be_recorded_before_it_took_place():
    refused = given(APPLICANT, registered).when(replace(interview, interviewed_on=date(2025, 3, 4))).then_refused(
        "before it has taken place")
    assert refused.problems[0].field == "interviewed_on"


def test_an_interview_names_its_interviewer():
    given(APPLICANT, registered).when(replace(interview, interviewer=" ")).then_refused("required")


def test_a_reference_is_recorded():
    events = given(APPLICANT, registered).when(work_reference).then("ReferenceRecorded")
    assert events[0].data["kind"] == "work_or_studies" and events[0].data["outcome"] == "positive"


def test_a_reference_kind_and_outcome_must_be_known():
    refused = given(APPLICANT, registered).when(replace(work_reference, kind="family", outcome="ok")).then_refused(
        "kind must be one of", "outcome must be one of")
    assert {p.field for p in refused.problems} == {"kind", "outcome"}


def test_a_reference_needs_a_name_and_contact():
    refused = given(APPLICANT, registered).when(replace(work_reference, name="", contact="")).then_refused("required")
    assert {p.field for p in refused.problems} == {"name", "contact"}


def test_assessment_commands_need_the_acting_user():
    given(APPLICANT, registered).when(replace(work_reference, by="")).then_refused("acting user is required")


def test_an_approved_applicant_is_no_longer_assessed():
    given(APPLICANT, *ready, approved).when(interview).then_refused("applicant is already approved")
