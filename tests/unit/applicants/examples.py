"""An applicant's story in examples: the commands and events the applicant tests are given."""
from dataclasses import replace
from datetime import date

from services.applicants.domain.applicant import (
    APPLICANT, Address, ApproveApplicant, Availability, Consents, Contact, HouseholdMember, Preferences,
    RecordRepeatedRegistration, RegisterApplicant)
from services.applicants.domain.checks import DEFAULT_REQUIRED_REGISTERS, CheckStatus
from services.common.decider import NewEvent

TODAY = date(2025, 3, 3)
APPLICANT_ID = "applicant-5b0d7d4e-6a43-4f0c-9d7e-2f1f3c1d9a01"
MUNICIPALITY = "0180"  # Stockholm
RECRUITER = "rekryterare-1"
ADULT = "19900101-0017"  # valid checksum, 35 on TODAY


def register(**changes) -> RegisterApplicant:
    return replace(RegisterApplicant(
        applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=RECRUITER, on=TODAY, channel="phone",
        roles=("kontaktperson",), given_name="Anna", family_name="Svensson", personnummer=ADULT,
        contact=Contact(email="anna@example.se", phone="070-123 45 67",
                        address=Address("Storgatan 1", "111 22", "Stockholm")),
        household=(HouseholdMember(1992, "partner"),), languages=("svenska", "arabiska"), interests=("fotboll",),
        availability=Availability(weekends=True), preferences=Preferences(12, 17, 2),
        experience="fritidsledare i fem år", consents=Consents(personal_data=True, regional_pool=True),
    ), **changes)


registered = APPLICANT.decide(APPLICANT.initial(), register())[0]


def repeat(**changes) -> RecordRepeatedRegistration:
    """The public form sent again for the registered applicant, as register() gave it: the same person, name and
    contact, through the web."""
    first = register()
    return replace(RecordRepeatedRegistration(
        applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=None, on=date(2025, 3, 10), channel="web",
        receipt="KP-0A1B2C3D", given_name=first.given_name, family_name=first.family_name, roles=first.roles,
        contact=first.contact), **changes)

interviewed = NewEvent("InterviewRecorded", {
    "applicant_id": APPLICANT_ID, "interviewed_on": "2025-02-20", "interviewer": RECRUITER, "home_visit": False,
    "notes": "", "by": RECRUITER})


def reference(kind: str, outcome: str = "positive") -> NewEvent:
    return NewEvent("ReferenceRecorded", {
        "applicant_id": APPLICANT_ID, "kind": kind, "name": "Referens", "contact": "08-123 456",
        "outcome": outcome, "notes": "", "by": RECRUITER})


work_reference_ok = reference("work_or_studies")
private_reference_ok = reference("private")


def check(register: str, state: str = "completed", outcome: str | None = "clear",
          valid_until: date | None = date(2026, 2, 1), **changes) -> CheckStatus:
    """A check as the approval reads it; by default its register's signed clear result, in force."""
    return replace(CheckStatus(f"check-{register}", register, state, outcome, valid_until, source="register"),
                   **changes)


ALL_CHECKS_CLEAR = tuple(check(register) for register in DEFAULT_REQUIRED_REGISTERS)


def approve(**changes) -> ApproveApplicant:
    return replace(ApproveApplicant(
        applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=RECRUITER, on=TODAY, roles=("kontaktperson",),
        valid_until=date(2026, 3, 3), checks=ALL_CHECKS_CLEAR), **changes)


def with_check(replacement: CheckStatus) -> tuple[CheckStatus, ...]:
    """All checks clear, except this register's, which is `replacement`."""
    return tuple(replacement if c.register == replacement.register else c for c in ALL_CHECKS_CLEAR)


ready = (registered, interviewed, work_reference_ok, private_reference_ok)
approved = APPLICANT.decide(APPLICANT.fold(ready), approve())[0]
