"""The published event contract and the request bodies the gateway loads."""
from datetime import date

import pytest
from marshmallow import ValidationError

from services.applicants.app import (
    approve_command, change_availability_command, register_command, reject_command,
    withdraw_regional_consent_command)
from services.applicants.domain.applicant import (
    APPLICANT, Address, Availability, ChangeAvailability, Contact, RegisterApplicant, WithdrawApplicant,
    WithdrawRegionalConsent)
from services.applicants.events import EVENT_SCHEMAS
from services.applicants.schemas import ApproveApplicantBody, RegisterApplicantBody

from .examples import APPLICANT_ID, MUNICIPALITY, RECRUITER, TODAY, approved, ready, registered, repeat

ids = {"applicant_id": APPLICANT_ID, "municipality": MUNICIPALITY, "by": RECRUITER}

web_form = {
    "roles": ["kontaktfamilj"],
    "given_name": "Anna", "family_name": "Svensson", "personnummer": "19900101-0017",
    "contact": {"email": "anna@example.se", "address": {"street": "Storgatan 1", "postnummer": "111 22",
                                                        "city": "Stockholm"}},
    "household": [{"birth_year": 2015, "relation": "child"}],
    "availability": {"weekends": True},
    "consents": {"personal_data": True},
}


def _every_event_type():
    state_events = [*ready, approved]
    state_events += APPLICANT.decide(APPLICANT.fold(state_events), repeat(
        contact=Contact(phone="070-999 99 99"), given_name="Annie", roles=("kontaktperson", "jourhem")))
    later = [ChangeAvailability(**ids, availability=Availability(evenings=True)), WithdrawRegionalConsent(**ids),
             WithdrawApplicant(**ids, withdrawn_by="applicant")]
    for command in later:
        state_events += APPLICANT.decide(APPLICANT.fold(state_events), command)
    rejected = APPLICANT.decide(APPLICANT.fold(ready),
                                reject_command({"reason": "olämplig"}, **ids))
    return state_events + rejected


def test_every_event_the_decider_emits_matches_its_published_schema():
    events = _every_event_type()
    assert {e.type for e in events} == set(EVENT_SCHEMAS)
    for event in events:
        version, schema = EVENT_SCHEMAS[event.type]
        assert event.schema_version == version
        assert schema().validate(event.data) == {}, event.type


def test_the_published_schema_refuses_a_malformed_event():
    _, schema = EVENT_SCHEMAS["ApplicantRegistered"]
    errors = schema().validate({**registered.data, "roles": ["barnvakt"], "personnummer": "900101-0017"})
    assert set(errors) == {"roles", "personnummer"}


def test_every_published_field_is_described():
    for _, schema in EVENT_SCHEMAS.values():
        for name, field in schema().fields.items():
            assert field.metadata.get("description") or hasattr(field, "nested"), f"{schema.__name__}.{name}"


def test_a_web_form_loads_into_a_registration():
    command = register_command(web_form, applicant_id=APPLICANT_ID, municipality=MUNICIPALITY, by=None, on=TODAY)
    assert isinstance(command, RegisterApplicant) and command.channel == "web"
    assert command.roles == ("kontaktfamilj",) and command.household[0].birth_year == 2015
    assert command.contact.address == Address("Storgatan 1", "111 22", "Stockholm")
    assert command.availability == Availability(weekends=True) and command.consents.regional_pool is False
    assert APPLICANT.decide(APPLICANT.initial(), command)[0].type == "ApplicantRegistered"


def test_bad_input_names_each_field():
    body = {**web_form, "roles": ["barnvakt"], "contact": {"email": "inte-en-adress"}, "consents": {}}
    del body["given_name"]
    with pytest.raises(ValidationError) as raised:
        RegisterApplicantBody().load(body)
    assert set(raised.value.messages) == {"roles", "contact", "given_name", "consents"}
    assert "email" in raised.value.messages["contact"]
    assert "personal_data" in raised.value.messages["consents"]


def test_bad_input_does_not_echo_personal_data():
    with pytest.raises(ValidationError) as raised:
        RegisterApplicantBody().load({**web_form, "personnummer": "19900101-00170000"})
    assert "19900101" not in str(raised.value.messages)


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as raised:
        ApproveApplicantBody().load({"roles": ["kontaktperson"], "valid_until": "2026-03-03", "checks": []})
    assert "checks" in raised.value.messages


def test_an_approval_body_carries_roles_and_last_day():
    command = approve_command({"roles": ["kontaktperson"], "valid_until": "2026-03-03"}, **ids, on=TODAY, checks=())
    assert command.roles == ("kontaktperson",) and command.valid_until == date(2026, 3, 3)


def test_a_body_less_command_loads_from_nothing():
    assert withdraw_regional_consent_command(None, **ids) == WithdrawRegionalConsent(**ids)


def test_availability_is_replaced_whole():
    command = change_availability_command({"availability": {"evenings": True}}, **ids)
    assert command.availability == Availability(evenings=True)
