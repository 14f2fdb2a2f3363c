"""Arvode is salary: preliminary tax withheld, employer contributions by the age rules and the 1,000 kr rule."""
from datetime import date
from decimal import Decimal

from services.common.testing import given
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.tax import YearToDate

from .examples import approve, calculate, history, kp_terms, meeting, profile

MARCH = approve("2025-03", meeting("m1", date(2025, 3, 4)))


def calculated(tax=None, ytd=None, terms=None, report=MARCH, month="2025-03"):
    events = given(COMPENSATION, *history(report)) \
        .when(calculate(month, terms or kp_terms(), tax=tax, ytd=ytd)).then("CompensationCalculated")
    return events[0].data


def arvode_line(data):
    return next(line for line in data["lines"] if line["pay_type"] == "arvode")


def test_thirty_percent_preliminary_tax_by_default():
    data = calculated()
    assert arvode_line(data)["tax_withheld_ore"] == 294_00  # 30 % of 980 kr
    assert data["tax"]["withholding_basis"] == "default"
    assert data["totals"]["payout_ore"] == 980_00 + 490_00 - 294_00  # no tax on omkostnad within the SKR level


def test_a_recorded_tax_table_percentage_replaces_the_default():
    data = calculated(tax=profile(withholding_percent=Decimal("32.5"), withholding_basis="tax_table"))
    assert arvode_line(data)["tax_withheld_ore"] == 318_50


def test_a_jamkning_to_zero_withholds_nothing():
    data = calculated(tax=profile(withholding_percent=Decimal(0), withholding_basis="jamkning"))
    assert arvode_line(data)["tax_withheld_ore"] == 0


def test_standard_employer_contributions_are_31_42_percent():
    data = calculated()
    assert arvode_line(data)["employer_contributions_ore"] == 307_92  # 980 x 31.42 % = 307.916
    assert data["tax"]["employer_contribution_rule"] == "standard"


def test_66_or_older_at_the_start_of_the_year_pays_10_21_percent():
    # prop. 2021/22:181: from 2023 the limit is 66 at the start of the year (it was 65), so in 2025 born 1958
    # (66 on 1 January 2025: 2024 - 1958) pays the ålderspensionsavgift alone, and born 1959 (65) the full rate
    data = calculated(tax=profile(birth=date(1958, 6, 1)))
    assert data["tax"]["employer_contribution_rule"] == "reduced_older"
    assert arvode_line(data)["employer_contributions_ore"] == 100_06  # 980 x 10.21 % = 100.058
    data = calculated(tax=profile(birth=date(1959, 6, 1)))
    assert data["tax"]["employer_contribution_rule"] == "standard"
    assert arvode_line(data)["employer_contributions_ore"] == 307_92  # 980 x 31.42 % = 307.916


def test_turning_65_during_the_year_still_pays_the_standard_rate():
    data = calculated(tax=profile(birth=date(1959, 1, 2)))  # 66 on 2 January 2025, 65 at the year's start
    assert data["tax"]["employer_contribution_percent"] == "31.42"


def test_born_1937_or_earlier_no_employer_contributions():
    data = calculated(tax=profile(birth=date(1937, 12, 31)))
    assert data["tax"]["employer_contribution_rule"] == "none_born_1937_or_earlier"
    assert data["totals"]["employer_contributions_ore"] == 0
    assert data["totals"]["employer_contributions_deferred_ore"] == 0


def test_born_1938_pays_the_reduced_rate():
    data = calculated(tax=profile(birth=date(1938, 1, 1)))
    assert data["tax"]["employer_contribution_rule"] == "reduced_older"


def test_a_year_under_1000_kr_carries_no_employer_contributions():
    # Category 1 at 10 % in 2025: 490 kr a month; the person has had nothing else from the municipality this year
    data = calculated(terms=kp_terms(arvode="10"), ytd=YearToDate(2025))
    assert data["tax"]["under_threshold"] is True
    assert data["totals"]["employer_contributions_ore"] == 0
    assert data["totals"]["employer_contributions_deferred_ore"] == 153_96  # 490 x 31.42 %, not charged
    assert arvode_line(data)["tax_withheld_ore"] == 147_00  # tax is withheld from the first krona


def test_the_month_that_crosses_1000_kr_charges_the_deferred_contributions_of_earlier_months():
    earlier = []
    for month in ("2025-01", "2025-02", "2025-03"):
        report = approve(month, meeting("m-" + month, date.fromisoformat(month + "-07")), assignment="a-" + month)
        ytd = YearToDate.from_compensations(2025, [e.data for e in earlier])
        events = given(COMPENSATION, *history(report)).when(
            calculate(month, kp_terms(arvode="10"), ytd=ytd, assignment="a-" + month)).then("CompensationCalculated")
        earlier += events
    jan, feb, mar = (e.data for e in earlier)
    assert [d["tax"]["under_threshold"] for d in (jan, feb, mar)] == [True, True, False]  # 490, 980, 1470 kr
    assert mar["employer_contributions_catch_up_ore"] == 2 * 153_96
    assert mar["totals"]["employer_contributions_ore"] == 3 * 153_96
    assert YearToDate.from_compensations(2025, [jan, feb, mar]).deferred_contributions_ore == 0


def test_the_year_to_date_counts_only_the_year_of_payment():
    # December paid in January counts towards the new year
    december = approve("2024-12", meeting("m1", date(2024, 12, 3)))
    events = given(COMPENSATION, *history(december)) \
        .when(calculate("2024-12", kp_terms(arvode="10"), paid_in="2025-01", ytd=YearToDate(2025))) \
        .then("CompensationCalculated")
    assert YearToDate.from_compensations(2024, [events[0].data]).taxable_ore == 0
    assert YearToDate.from_compensations(2025, [events[0].data]).taxable_ore == 478_00  # 57,300 x 10 % / 12


def test_year_to_date_for_another_year_is_refused():
    given(COMPENSATION, *history(MARCH)) \
        .when(calculate("2025-03", kp_terms(), ytd=YearToDate(2024))).then_refused("another year")


def test_a_tax_table_without_a_percentage_is_refused():
    refused = given(COMPENSATION, *history(MARCH)) \
        .when(calculate("2025-03", kp_terms(), tax=profile(withholding_basis="tax_table"))) \
        .then_refused("needs a percentage")
    assert refused.problems[0].field == "tax_profile.withholding_percent"
