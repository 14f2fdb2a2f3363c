"""Intresseanmälan: RegisterApplicant -> ApplicantRegistered."""
from datetime import date

import pytest

from services.applicants.domain.applicant import (
    APPLICANT, Address, Consents, Contact, HouseholdMember, Preferences, duplicate_problem)
from services.common.testing import given

from .examples import ADULT, APPLICANT_ID, MUNICIPALITY, register, registered


def test_a_registration_records_the_intresseanmalan():
    events = given(APPLICANT).when(register()).then("ApplicantRegistered")
    data = events[0].data
    assert data["applicant_id"] == APPLICANT_ID and data["municipality"] == MUNICIPALITY
    assert data["registered_on"] == "2025-03-03"
    assert data["personnummer"] == "19900101-0017" and data["identity_kind"] == "personnummer"
    assert data["birth_date"] == "1990-01-01"
    assert data["contact"]["address"] == {"street": "Storgatan 1", "postnummer": "11122", "city": "Stockholm",
                                          "municipality": "0180"}
    assert data["household"] == [{"birth_year": 1992, "relation": "partner"}]
    assert data["preferences"] == {"client_age_min": 12, "client_age_max": 17, "max_assignments": 2}
    assert data["consents"] == {"personal_data": True, "regional_pool": True}


def test_a_short_personnummer_is_stored_in_full():
    events = given(APPLICANT).when(register(personnummer="900101-0017")).then("ApplicantRegistered")
    assert events[0].data["personnummer"] == "19900101-0017"


def test_a_samordningsnummer_is_accepted():
    events = given(APPLICANT).when(register(personnummer="19900161-0014")).then("ApplicantRegistered")
    assert events[0].data["identity_kind"] == "samordningsnummer"
    assert events[0].data["birth_date"] == "1990-01-01"


def test_a_wrong_checksum_is_refused_without_repeating_the_number():
    refused = given(APPLICANT).when(register(personnummer="19900101-0018")).then_refused(
        "not a valid personnummer or samordningsnummer")
    assert refused.problems[0].field == "personnummer"
    assert "0018" not in str(refused) and "19900101" not in str(refused)


def test_an_impossible_date_is_refused():
    given(APPLICANT).when(register(personnummer="19900230-0010")).then_refused("not a valid personnummer")


@pytest.mark.parametrize("personnummer, on", [
    ("20070615-0018", date(2025, 6, 14)),  # 18 tomorrow
    ("20040229-0019", date(2022, 2, 28)),  # born on a leap day: 18 on 1 March
])
def test_an_applicant_under_18_on_the_day_is_refused(personnummer, on):
    given(APPLICANT).when(register(personnummer=personnummer, on=on)).then_refused("at least 18 years old")


def test_an_applicant_who_turns_18_on_the_day_is_accepted():
    given(APPLICANT).when(register(personnummer="20070615-0018", on=date(2025, 6, 15))).then("ApplicantRegistered")


def test_consent_to_processing_personal_data_is_required():
    refused = given(APPLICANT).when(register(consents=Consents(personal_data=False))).then_refused(
        "consent to the processing of personal data is required")
    assert refused.problems[0].field == "consents.personal_data"


def test_consent_to_the_regional_pool_is_optional():
    events = given(APPLICANT).when(register(consents=Consents(personal_data=True))).then("ApplicantRegistered")
    assert events[0].data["consents"]["regional_pool"] is False


def test_the_municipality_must_be_a_swedish_kommunkod():
    refused = given(APPLICANT).when(register(municipality="0999")).then_refused("not a kommunkod")
    assert refused.problems[0].field == "municipality"


def test_kontaktfamilj_needs_the_household():
    given(APPLICANT).when(register(roles=("kontaktfamilj",), household=None)).then_refused(
        "household is required for kontaktfamilj")


def test_a_kontaktfamilj_may_be_one_person_living_alone():
    given(APPLICANT).when(register(roles=("kontaktfamilj",), household=())).then("ApplicantRegistered")


def test_a_kontaktperson_need_not_state_a_household():
    given(APPLICANT).when(register(household=None)).then("ApplicantRegistered")


def test_household_members_need_a_plausible_birth_year():
    refused = given(APPLICANT).when(register(household=(HouseholdMember(2030),))).then_refused("a birth year")
    assert refused.problems[0].field == "household.0.birth_year"


def test_roles_must_be_known_and_at_least_one():
    given(APPLICANT).when(register(roles=())).then_refused("at least one role")
    given(APPLICANT).when(register(roles=("barnvakt",))).then_refused("unknown role(s): barnvakt")


def test_the_channel_must_be_known():
    given(APPLICANT).when(register(channel="fax")).then_refused("channel must be one of")


def test_the_applicant_must_be_reachable():
    given(APPLICANT).when(register(contact=Contact())).then_refused("give an e-mail address, a phone number")


def test_a_postnummer_has_five_digits():
    address = Address("Storgatan 1", "1234", "Stockholm")
    refused = given(APPLICANT).when(register(contact=Contact(address=address))).then_refused("five digits")
    assert refused.problems[0].field == "contact.address.postnummer"


def test_client_ages_must_make_a_range():
    given(APPLICANT).when(register(preferences=Preferences(client_age_min=15, client_age_max=10))).then_refused(
        "youngest client age is above the oldest")


def test_a_web_registration_needs_no_recruiter():
    given(APPLICANT).when(register(channel="web", by=None)).then("ApplicantRegistered")


def test_a_registration_by_phone_needs_the_recruiter_who_keyed_it_in():
    given(APPLICANT).when(register(channel="phone", by=None)).then_refused("needs the recruiter")


def test_every_problem_is_listed_at_once():
    refused = given(APPLICANT).when(register(
        municipality="0000", roles=(), personnummer="1", consents=Consents(personal_data=False))).then_refused(
        "not a kommunkod", "at least one role", "not a valid personnummer", "consent")
    assert {p.field for p in refused.problems} == {"municipality", "roles", "personnummer", "consents.personal_data"}


def test_the_stream_id_carries_its_kind():
    given(APPLICANT).when(register(applicant_id="5b0d7d4e")).then_refused("must start with 'applicant-'")


def test_an_applicant_is_registered_once():
    given(APPLICANT, registered).when(register()).then_refused("already registered")


def test_a_duplicate_names_the_existing_applicant_not_the_person():
    problem = duplicate_problem("applicant-1234")
    assert "applicant-1234" in problem.message and problem.code == "duplicate_registration"
    assert ADULT not in problem.message and "Anna" not in problem.message
