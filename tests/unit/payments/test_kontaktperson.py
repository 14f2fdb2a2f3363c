"""Kontaktperson: arvode and omkostnad per month as a percentage of PBB/12, rounded to whole kronor (SKR)."""
from datetime import date

from services.common.testing import given
from services.payments.domain.compensation import COMPENSATION

from .examples import approve, assert_published_contract, calculate, history, kp_terms, meeting


def test_category_1_at_20_percent_in_2025_gives_980_kr_arvode():
    # SKR: 58,800 x 20 % / 12 = 980 kr
    events = given(COMPENSATION, *history(approve("2025-03", meeting("m1", date(2025, 3, 4))))) \
        .when(calculate("2025-03", kp_terms(category=1, arvode="20", omkostnad="10"))) \
        .then("CompensationCalculated")
    totals = events[0].data["totals"]
    assert totals["arvode_ore"] == 980_00
    assert totals["omkostnad_ore"] == 490_00  # 58,800 x 10 % / 12
    assert events[0].data["basis"]["meeting_ids"] == ["m1"]
    assert_published_contract(*events)


def test_omkostnad_levels_follow_the_prisbasbelopp_of_the_month():
    for level, expected in (("10", 438_00), ("25", 1094_00), ("40", 1750_00)):
        # 2023: 52,500 x level / 12 = 437.50 -> 438, 1093.75 -> 1094, 1750 kr
        events = given(COMPENSATION, *history(approve("2023-05", meeting("m1", date(2023, 5, 2))))) \
            .when(calculate("2023-05", kp_terms(omkostnad=level))).then("CompensationCalculated")
        assert events[0].data["totals"]["omkostnad_ore"] == expected, level


def test_a_month_with_only_cancelled_meetings_pays_nothing():
    events = given(COMPENSATION,
                   *history(approve("2025-03", meeting("m1", date(2025, 3, 4), "cancelled")))) \
        .when(calculate("2025-03", kp_terms())).then("CompensationCalculated")
    assert events[0].data["totals"]["payout_ore"] == 0


def test_a_client_who_did_not_come_still_pays_the_month():
    events = given(COMPENSATION,
                   *history(approve("2025-03", meeting("m1", date(2025, 3, 4), "no_show")))) \
        .when(calculate("2025-03", kp_terms())).then("CompensationCalculated")
    assert events[0].data["totals"]["arvode_ore"] == 980_00


def test_arvode_outside_the_category_band_is_refused():
    refused = given(COMPENSATION, *history(approve("2025-03", meeting("m1", date(2025, 3, 4))))) \
        .when(calculate("2025-03", kp_terms(category=1, arvode="40"))).then_refused("outside category 1's band")
    assert refused.problems[0].field == "terms.arvode_percent"


def test_category_3_allows_up_to_55_percent():
    events = given(COMPENSATION, *history(approve("2025-03", meeting("m1", date(2025, 3, 4))))) \
        .when(calculate("2025-03", kp_terms(category=3, arvode="55"))).then("CompensationCalculated")
    assert events[0].data["totals"]["arvode_ore"] == 2695_00  # 58,800 x 55 % / 12


def test_omkostnad_above_the_skr_level_without_justification_is_refused():
    given(COMPENSATION, *history(approve("2025-03", meeting("m1", date(2025, 3, 4))))) \
        .when(calculate("2025-03", kp_terms(omkostnad="50"))).then_refused("needs a written justification")


def test_omkostnad_above_the_skr_level_is_taxed_as_salary():
    events = given(COMPENSATION, *history(approve("2025-03", meeting("m1", date(2025, 3, 4))))) \
        .when(calculate("2025-03", kp_terms(omkostnad="50", omkostnad_justification="long journeys by taxi"))) \
        .then("CompensationCalculated")
    lines = {line["pay_type"]: line for line in events[0].data["lines"]}
    assert lines["omkostnad"]["amount_ore"] == 1960_00  # 40 %: the SKR level, no tax
    assert lines["omkostnad_taxable"]["amount_ore"] == 490_00  # 2450 - 1960
    assert lines["omkostnad_taxable"]["tax_withheld_ore"] == 147_00
    assert lines["omkostnad"]["tax_withheld_ore"] == 0


def test_expenses_against_receipts_are_reimbursed_when_the_plan_allows():
    report = approve("2025-03", meeting("m1", date(2025, 3, 4), expense_ore=120_50, receipt=True),
                     meeting("m2", date(2025, 3, 11), expense_ore=80_00, receipt=False))
    events = given(COMPENSATION, *history(report)) \
        .when(calculate("2025-03", kp_terms(expenses_allowed=True))).then("CompensationCalculated")
    assert events[0].data["totals"]["expenses_ore"] == 120_50
    not_paid = [e for e in events[0].data["basis"]["expenses"] if not e["reimbursed"]]
    assert not_paid == [{"meeting_id": "m2", "amount_ore": 80_00, "reimbursed": False, "reason": "no receipt"}]


def test_expenses_are_not_reimbursed_when_the_plan_does_not_allow_them():
    report = approve("2025-03", meeting("m1", date(2025, 3, 4), expense_ore=120_50, receipt=True))
    events = given(COMPENSATION, *history(report)) \
        .when(calculate("2025-03", kp_terms())).then("CompensationCalculated")
    assert events[0].data["totals"]["expenses_ore"] == 0
