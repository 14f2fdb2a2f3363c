"""Request bodies: bad input names each field; good input becomes the command."""
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.payments import schemas
from services.payments.app.plan import terms
from services.payments.app.rates import publish_rates_command
from services.payments.domain.calculation import KontaktfamiljTerms, KontaktpersonTerms


def test_publish_rates_body_becomes_the_command():
    command = publish_rates_command({"effective_from": "2025-07-01", "reason": "beslut",
                                     "rates": [{"key": "prisbasbelopp", "value": "60000"}]},
                                    municipality="0180", by="admin-1")
    assert command.rates[0].value == Decimal("60000")
    assert command.effective_from == date(2025, 7, 1)


def test_bad_rates_name_each_field():
    with pytest.raises(ValidationError) as error:
        publish_rates_command({"effective_from": "soon", "rates": [{"key": "nope", "value": "-1"}]},
                              municipality="0180", by="admin-1")
    assert set(error.value.messages) == {"effective_from", "rates", "reason"}
    assert set(error.value.messages["rates"][0]) == {"key", "value"}


def test_terms_by_kind():
    assert isinstance(terms({"kind": "kontaktperson", "category": 1, "arvode_percent": "20",
                             "omkostnad_percent": "10"}), KontaktpersonTerms)
    assert isinstance(terms({"kind": "kontaktfamilj", "client_birth_date": "2013-01-15"}), KontaktfamiljTerms)
    with pytest.raises(ValidationError) as error:
        terms({"kind": "kontaktperson", "category": 1})
    assert set(error.value.messages) == {"arvode_percent", "omkostnad_percent"}


def test_a_jamkning_needs_its_percentage_and_a_tax_table_is_not_offered():
    with pytest.raises(ValidationError) as error:
        schemas.TaxDetailsBody().load({"withholding_basis": "jamkning"})
    assert "withholding_percent" in error.value.messages
    # Skatteverket's tables (table number and column) are not shipped: the body says so
    with pytest.raises(ValidationError) as error:
        schemas.TaxDetailsBody().load({"withholding_basis": "tax_table", "withholding_percent": "32"})
    assert "skattetabell stöds inte" in error.value.messages["withholding_basis"][0]
    assert schemas.TaxDetailsBody().load({"withholding_basis": "sink"})["withholding_basis"] == "sink"


def test_a_report_body_names_a_bad_month():
    with pytest.raises(ValidationError) as error:
        schemas.ApproveReportBody().load({"month": "2025-13", "meeting_ids": []})
    assert set(error.value.messages) == {"month"}
