"""Client need (beslut): registering and closing."""
from datetime import date

import pytest

from services.assignments.domain.need import NEED, ClientInput, CloseClientNeed
from services.common.decider import NotFound
from services.common.testing import given

from .examples import ADULT, AT, CASE_WORKER, CHILD, SIBLING, STOCKHOLM, SOLNA, register, registered


def test_a_decision_is_registered_with_the_client_identified_and_normalised():
    [event] = given(NEED).when(register(clients=(ClientInput("121203-1239", " Alva Exempel "),))).then(
        "ClientNeedRegistered")
    assert event.data["clients"] == [{"personnummer": CHILD, "name": "Alva Exempel", "birth_date": "2012-12-03"}]
    assert event.data["interests"] == ["fotboll", "musik"]
    assert event.data["postnummer"] == "11234"
    assert event.data["frequency_unit"] == "meetings"
    assert event.data["municipality"] == STOCKHOLM


def test_the_age_is_derived_from_the_personnummer_on_a_date():
    need = NEED.fold([registered()])
    assert need.ages_on(date(2025, 12, 2)) == (12,)
    assert need.ages_on(date(2025, 12, 3)) == (13,)


def test_an_invalid_personnummer_is_refused_without_repeating_it():
    refused = given(NEED).when(register(clients=(ClientInput("201212031238", "Alva"),))).then_refused(
        "invalid personnummer")
    assert refused.problems[0].field == "clients.0.personnummer"
    assert "201212031238" not in str(refused)


def test_kontaktfamilj_may_take_a_pair_of_siblings():
    [event] = given(NEED).when(register(insats="kontaktfamilj", clients=(
        ClientInput(CHILD, "Alva"), ClientInput(SIBLING, "Ebbe")))).then("ClientNeedRegistered")
    assert event.data["frequency_unit"] == "dygn"
    assert len(event.data["clients"]) == 2


def test_kontaktperson_has_exactly_one_client():
    given(NEED).when(register(clients=(ClientInput(CHILD, "Alva"), ClientInput(SIBLING, "Ebbe")))).then_refused(
        "exactly one client")


def test_kontaktfamilj_is_for_children():
    given(NEED).when(register(insats="kontaktfamilj", clients=(ClientInput(ADULT, "Vuxen"),))).then_refused(
        "kontaktfamilj is for children")


def test_a_decision_dated_in_the_future_is_refused():
    given(NEED).when(register(decision_date=date(2025, 6, 3))).then_refused("decision date is in the future")


def test_every_problem_is_listed_with_its_field():
    refused = given(NEED).when(register(insats="familjehem", legal_basis="HSL", period_to=date(2025, 3, 1),
                                        frequency_per_month=0, goals=(), postnummer="12")).then_refused(
        "insats", "SoL or LSS", "period ends", "frequency", "goal", "postnummer")
    assert {p.field for p in refused.problems} >= {"insats", "legal_basis", "period_to", "frequency_per_month",
                                                    "goals", "postnummer"}


def test_a_need_is_registered_once():
    given(NEED, registered()).when(register()).then_refused("already registered")


def test_a_need_is_closed_with_a_reason():
    [event] = given(NEED, registered()).when(
        CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "withdrawn")).then("ClientNeedClosed")
    assert event.data == {"closed_on": "2025-06-01", "reason": "withdrawn"}


def test_a_closed_need_cannot_be_closed_again():
    closed = NEED.decide(NEED.fold([registered()]), CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1),
                                                                    "need_met"))[0]
    given(NEED, registered(), closed).when(
        CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "other")).then_refused("already closed")


def test_closing_before_the_decision_or_in_the_future_is_refused():
    given(NEED, registered()).when(CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 3, 1), "bogus")) \
        .then_refused("before the decision", "reason must be")
    given(NEED, registered()).when(CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 7, 1), "other")) \
        .then_refused("in the future")


def test_another_municipality_sees_no_need():
    with pytest.raises(NotFound):
        given(NEED, registered()).when(CloseClientNeed(SOLNA, CASE_WORKER, AT, date(2025, 6, 1), "other"))
