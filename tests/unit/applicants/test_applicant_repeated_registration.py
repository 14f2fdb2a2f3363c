"""A repeated intresseanmälan: RecordRepeatedRegistration -> RegistrationRepeated, on the open registration.

The public form answers a repeat as it answers a new registration (app.register_applicant), so this event is how
the recruiter learns of it: when, through which channel, and what differs from what the applicant registered."""
import pytest

from services.applicants.domain.applicant import APPLICANT, Address, Contact, WithdrawApplicant
from services.common.decider import NotFound
from services.common.testing import given

from .examples import APPLICANT_ID, MUNICIPALITY, RECRUITER, approved, ready, register, registered, repeat

withdrawn = APPLICANT.decide(APPLICANT.fold([registered]), WithdrawApplicant(
    applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=RECRUITER, withdrawn_by="applicant"))[0]


def test_a_repeat_of_the_same_form_records_when_and_through_which_channel_and_nothing_else():
    # given an open registration; when the same form comes again through the web
    [event] = given(APPLICANT, registered).when(repeat()).then("RegistrationRepeated")
    # then the repeat is recorded with its day, channel and receipt, and nothing differs
    assert event.data == {"applicant_id": APPLICANT_ID, "repeated_on": "2025-03-10", "channel": "web",
                          "receipt": "KP-0A1B2C3D", "contact": None, "name": None, "new_roles": [], "by": None}


def test_a_repeat_with_new_contact_details_carries_them_for_the_recruiter_to_follow_up():
    new_contact = Contact(email="anna.ny@example.se", phone=None, address=Address("Nygatan 2", "11123", "Stockholm"))
    [event] = given(APPLICANT, registered).when(repeat(contact=new_contact)).then("RegistrationRepeated")
    assert event.data["contact"] == {"email": "anna.ny@example.se", "phone": None, "address": {
        "street": "Nygatan 2", "postnummer": "11123", "city": "Stockholm", "municipality": "0180"}}


def test_a_repeat_in_another_name_names_it_and_one_in_other_case_does_not():
    [event] = given(APPLICANT, registered).when(repeat(given_name="Eva", family_name="Ek")).then(
        "RegistrationRepeated")
    assert event.data["name"] == {"given_name": "Eva", "family_name": "Ek"}
    [event] = given(APPLICANT, registered).when(repeat(given_name=" ANNA ", family_name="svensson")).then(
        "RegistrationRepeated")
    assert event.data["name"] is None


def test_a_repeat_names_the_roles_it_adds():
    [event] = given(APPLICANT, registered).when(repeat(roles=("kontaktperson", "jourhem"))).then(
        "RegistrationRepeated")
    assert event.data["new_roles"] == ["jourhem"]


def test_an_approved_volunteer_may_be_repeated_too():
    given(APPLICANT, *ready, approved).when(repeat()).then("RegistrationRepeated")


def test_a_closed_registration_takes_no_repeat():
    refused = given(APPLICANT, registered, withdrawn).when(repeat()).then_refused("withdrawn")
    assert refused.problems[0].code == "applicant_withdrawn"


def test_a_repeat_is_not_recorded_on_another_municipalitys_applicant():
    with pytest.raises(NotFound):
        given(APPLICANT, registered).when(repeat(municipality="1480"))


def test_a_repeat_names_bad_fields():
    refused = given(APPLICANT, registered).when(repeat(channel="fax", receipt="KP-1", roles=(),
                                                       contact=Contact())).then_refused(
        "channel must be one of", "a receipt is", "at least one role", "give an e-mail address")
    assert {p.field for p in refused.problems} == {"channel", "receipt", "roles", "contact"}


def test_the_registration_itself_is_unchanged_by_a_repeat():
    before = APPLICANT.fold([registered])
    after = APPLICANT.fold([registered, *given(APPLICANT, registered).when(repeat(
        contact=Contact(phone="070-999 99 99"))).then("RegistrationRepeated")])
    assert after == before and register().contact == Contact(
        email="anna@example.se", phone="070-123 45 67", address=Address("Storgatan 1", "111 22", "Stockholm"))
