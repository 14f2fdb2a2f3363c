"""Whose data a route touched, as the API and the audit log name a person: one spelling of each applicant."""
import uuid

from gateway.handlers.common import person_id


def test_a_person_is_named_by_the_bare_uuid_however_the_id_was_spelt():
    # given one applicant's id as the events carry it, as a route names it, and in capitals
    bare = str(uuid.uuid4())
    # then the audit names them the same each time
    assert person_id(f"applicant-{bare}") == person_id(bare) == person_id(bare.upper()) == bare


def test_what_names_no_applicant_is_kept_as_it_is():
    assert person_id("check-1") == "check-1"
    assert person_id(None) is None
