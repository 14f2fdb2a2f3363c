"""The plan as the assignments service publishes it in AssignmentStarted, read as payments' Terms."""
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.payments.app.plan import terms_of
from services.payments.domain.rate_table import skr_defaults


def test_the_plan_published_by_assignments_is_read_as_payments_terms():
    rates = skr_defaults()

    def plan(basis, category=None, percent=None, monthly_ore=None, level=1, receipts=False):
        return {"arvode": {"basis": basis, "category": category, "percent": percent, "monthly_ore": monthly_ore},
                "omkostnad": {"level": level, "receipts_allowed": receipts}}

    # kontaktperson: the percent within the category's band; omkostnad level 3 is SKR's 40 %
    kp = terms_of({"kind": "kontaktperson", "plan": plan("category", 2, 30, level=3, receipts=True),
                   "client_birth_date": None}, rates, "2025-03")
    assert (kp.category, kp.arvode_percent, kp.omkostnad_percent, kp.expenses_allowed) == (
        2, Decimal("30"), Decimal("40"), True)
    # skkp: the fixed arvode; omkostnad at level 1 of 2025: 58,800 x 10 % / 12 = 490 kr
    skkp = terms_of({"kind": "skkp", "plan": plan("fixed", monthly_ore=500_000), "client_birth_date": None},
                    rates, "2025-03")
    assert (skkp.arvode_ore, skkp.omkostnad_ore) == (500_000, 49_000)
    # kontaktfamilj: the client's birth date when AssignmentStarted carries it; refused, naming it, when not
    kf = terms_of({"kind": "kontaktfamilj", "plan": plan("per_dygn", 1, 100),
                   "client_birth_date": date(2015, 6, 1)}, rates, "2025-03")
    assert kf.client_birth_dates == (date(2015, 6, 1),)
    with pytest.raises(ValidationError) as error:
        terms_of({"kind": "kontaktfamilj", "plan": plan("per_dygn", 1, 100), "client_birth_date": None},
                 rates, "2025-03")
    assert "client_birth_date" in error.value.messages
