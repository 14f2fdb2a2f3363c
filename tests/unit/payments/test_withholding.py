"""Skatteavdrag (issue 11, item 8): none from a payment under 100 kr (SFL 10 kap. 4 § 1), none while the year's
total can be assumed to stay under 1,000 kr (SFL 10 kap. 4 § 2; Skatteverket, rättslig vägledning 325032), no
retroactive withholding once it passes; the bases are 30 % (sidoinkomst), jämkning and SINK, and Skatteverket's
tax tables are said not to be supported."""
from datetime import date
from decimal import Decimal

from services.common.identity import personnummer_for
from services.common.testing import given
from services.payments.domain.calculation import SetAmountTerms
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.tax import YearToDate
from services.payments.domain.tax_details import TAX_DETAILS

from .examples import approve, calculate, history, kp_terms, meeting, profile, tax_details

# Category 1 at 10 % of PBB/12 in 2025: 58,800 x 10 % / 12 = 490 kr a month
SMALL = kp_terms(arvode="10")


def calculated(month: str, terms=SMALL, paid_in: str | None = None, ytd: YearToDate | None = None, tax=None,
               further_pay_expected=True, earlier=()) -> dict:
    report = approve(month, meeting("m1", date.fromisoformat(month + "-07")))
    events = given(COMPENSATION, *history(report, *earlier)).when(calculate(
        month, terms, paid_in=paid_in, ytd=ytd, tax=tax, further_pay_expected=further_pay_expected)) \
        .then("CompensationCalculated")
    return events[0].data


def test_nothing_is_withheld_from_a_payment_under_100_kr():
    data = calculated("2025-03", SetAmountTerms(99_99, 0))
    assert (data["totals"]["tax_withheld_ore"], data["tax"]["withholding_exemption"]) == (0, "under_100_kr")
    # 100 kr is not under 100 kr: 30 % = 30 kr
    assert calculated("2025-03", SetAmountTerms(100_00, 0))["totals"]["tax_withheld_ore"] == 30_00


def test_nothing_is_withheld_when_the_year_can_be_assumed_to_stay_under_1000_kr():
    # November 2025, nothing before: 490 now and 490 in December (the assignment goes on) = 980 < 1,000
    data = calculated("2025-11", ytd=YearToDate(2025))
    assert (data["totals"]["tax_withheld_ore"], data["tax"]["withholding_exemption"]) == (0, "year_under_1000_kr")
    # March: 490 now and 490 for each of April-December = 4,900: it cannot be assumed, 30 % = 147 kr
    assert calculated("2025-03", ytd=YearToDate(2025))["totals"]["tax_withheld_ore"] == 147_00
    # March when no assignment of the volunteer goes on: 490 < 1,000
    assert calculated("2025-03", ytd=YearToDate(2025), further_pay_expected=False)["totals"]["tax_withheld_ore"] == 0


def test_once_the_year_passes_1000_kr_only_the_later_payments_are_withheld_from():
    november = calculated("2025-11", ytd=YearToDate(2025))  # 490 kr, no tax (above)
    ytd = YearToDate.from_compensations(2025, [november])
    # December: 600 kr; the year is 1,090 kr now, so 30 % of this payment: 180 kr; November stays untaxed
    december = calculated("2025-12", SetAmountTerms(600_00, 0), ytd=ytd)
    assert (december["totals"]["tax_withheld_ore"], december["tax"]["withholding_exemption"]) == (180_00, None)
    assert november["totals"]["tax_withheld_ore"] == 0


def test_taking_back_a_month_refunds_no_more_tax_than_was_withheld():
    # December 2025 paid 490 kr without tax (the year under 1,000 kr), then corrected to nothing in January 2026:
    # nothing was withheld, so nothing is refunded
    first = history(approve("2025-12", meeting("m1", date(2025, 12, 3))),
                    calculate("2025-12", SMALL, ytd=YearToDate(2025)))
    assert first[-1].data["totals"]["tax_withheld_ore"] == 0
    corrected = approve("2025-12", meeting("m1-corrected", date(2025, 12, 3), "cancelled"), on=date(2026, 1, 3))
    events = given(COMPENSATION, *first, *COMPENSATION.decide(COMPENSATION.fold(first), corrected)).when(
        calculate("2025-12", SMALL, paid_in="2026-01")).then("CompensationCalculated")
    assert events[0].data["totals"]["arvode_ore"] == -490_00
    assert events[0].data["totals"]["tax_withheld_ore"] == 0


def test_sink_withholds_the_years_sink_percentage():
    # 25 % in 2025 (Skatteverket, rättslig vägledning 325050): of 980 kr, 245 kr
    data = calculated("2025-03", kp_terms(), tax=profile(withholding_basis="sink"))
    assert (data["tax"]["withholding_basis"], data["totals"]["tax_withheld_ore"]) == ("sink", 245_00)
    # 22.5 % from 2026 is proposed, not confirmed as enacted: 1,000 kr x 22.5 % = 225 kr, with a warning
    data = calculated("2026-03", SetAmountTerms(1000_00, 0), tax=profile(withholding_basis="sink"))
    assert data["totals"]["tax_withheld_ore"] == 225_00
    assert any(w.startswith("withholding.sink: rests on a rule not confirmed") for w in data["warnings"])


def test_a_tax_table_is_not_recorded_any_more():
    refused = given(TAX_DETAILS).when(tax_details(personnummer_for(date(1980, 5, 1), 123), "tax_table",
                                                  Decimal("32"))).then_refused("skattetabell stöds inte")
    assert [p.code for p in refused.problems] == ["not_supported"]


def test_a_tax_table_percentage_recorded_before_is_applied_and_flagged():
    data = calculated("2025-03", kp_terms(), tax=profile(withholding_percent=Decimal("32.5"),
                                                         withholding_basis="tax_table"))
    assert data["totals"]["tax_withheld_ore"] == 318_50  # 980 x 32.5 %
    assert any("skattetabell stöds inte" in w for w in data["warnings"])
