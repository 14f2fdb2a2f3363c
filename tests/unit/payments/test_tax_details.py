"""A volunteer's tax details: the personnummer in a twelve-digit form the first time, every change with a reason,
and none of it on the bus."""
from datetime import date
from decimal import Decimal

from services.common.identity import personnummer_for
from services.common.testing import given
from services.payments.domain.tax_details import TAX_DETAILS
from services.payments.events import published_data

from .examples import assert_published_contract, decide_all, tax_details

ANNA = personnummer_for(date(1980, 5, 1), 123)


def test_the_first_details_need_the_personnummer_and_give_the_birth_date():
    given(TAX_DETAILS).when(tax_details(None)).then_refused("the personnummer is required the first time")
    events = given(TAX_DETAILS).when(tax_details(ANNA.replace("-", ""))).then("TaxDetailsChanged")
    assert (events[0].data["personnummer"], events[0].data["birth_date"]) == (ANNA, "1980-05-01")
    assert_published_contract(*events)


def test_a_personnummer_in_ten_digits_or_with_a_wrong_checksum_is_refused_without_repeating_it():
    for wrong in (ANNA[2:], ANNA[:-1] + str((int(ANNA[-1]) + 1) % 10)):
        refused = given(TAX_DETAILS).when(tax_details(wrong)).then_refused("the personnummer is invalid")
        assert (refused.problems[0].field, refused.problems[0].code) == ("personnummer", "invalid")
        assert wrong not in str(refused) and wrong.replace("-", "") not in str(refused)


def test_a_change_names_what_changed_and_the_same_details_again_change_nothing():
    history = decide_all(TAX_DETAILS, tax_details(ANNA))
    events = given(TAX_DETAILS, *history).when(tax_details(None, "jamkning", Decimal("12.5"), "beslut")) \
        .then("TaxDetailsChanged")
    assert events[0].data["changed_fields"] == ["withholding_basis", "withholding_percent"]
    given(TAX_DETAILS, *history).when(tax_details(ANNA)).then()


def test_the_personnummer_birth_date_and_account_never_leave_the_service():
    [event] = decide_all(TAX_DETAILS, tax_details(ANNA, bank_account={"clearing": "8327", "account": "9412345678"}))
    published = published_data(event.type, event.data)
    assert not {"personnummer", "birth_date", "bank_account"} & set(published)
    assert published["changed_by"] == "ekonom-1"
