"""Employer contributions by age, as the law's dated rows (rates/employer_contributions.csv, rates/tax_rules.csv)
say on the day of payment: items 1 and 2 of issue 11.

The age is "vid årets ingång": (payment year - 1) - birth year. The figures below are worked out from the rules
and their sources, in each test."""
import csv
from datetime import date
from decimal import Decimal

from services.common.testing import given
from services.payments.domain.calculation import Gross, SetAmountTerms, taxed
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.tax import YearToDate
from services.payments.domain.tax_rules import RATES_DIR, read_rows, rules_from

from .examples import approve, calculate, history, kp_terms, meeting, profile

# Category 2 at 45 % of PBB/12: 2026 59,200 x 45 % / 12 = 2,220 kr (the example); 2025 58,800: 2,205 kr
ARVODE_2026 = 2220_00


def paid(born: date, paid_on: date, terms=None, month: str | None = None, ytd: YearToDate | None = None) -> dict:
    """The CompensationCalculated data of a month paid on `paid_on` to a volunteer born `born`."""
    month = month or f"{paid_on.year}-{paid_on.month - 1:02d}"
    report = approve(month, meeting("m1", date.fromisoformat(month + "-07")))
    events = given(COMPENSATION, *history(report)).when(calculate(
        month, terms or kp_terms(category=2, arvode="45", omkostnad="10"), paid_in=paid_on.isoformat()[:7],
        paid_on=paid_on, tax=profile(birth=born), ytd=ytd)).then("CompensationCalculated")
    return events[0].data


def contributions(data: dict) -> int:
    return data["totals"]["employer_contributions_ore"]


# --- item 1: the age limits --------------------------------------------------------------------------------

def test_born_1959_pays_the_full_rate_in_2025_and_2026_not_the_reduced():
    # 2025: 2024 - 1959 = 65 at the year's start, under the limit of 66 (prop. 2021/22:181): 31.42 %
    data = paid(date(1959, 6, 1), date(2025, 4, 25))
    assert data["tax"]["employer_contribution_rule"] == "standard"
    assert contributions(data) == 692_81  # 2,205 x 31.42 % = 692.811
    # 2026: 66 at the year's start, under the riktålder 67 (SFS 2019:780): 31.42 %
    data = paid(date(1959, 6, 1), date(2026, 5, 25))
    assert contributions(data) == 697_52  # 2,220 x 31.42 % = 697.524
    # what the old age-65 rule charged: 2,220 x 10.21 % = 226.662; the 470.86 kr a month too little
    assert contributions(data) - 226_66 == 470_86


def test_born_1960_pays_the_full_rate_in_2026():
    assert paid(date(1960, 1, 1), date(2026, 5, 25))["tax"]["employer_contribution_percent"] == "31.42"  # 65


def test_born_1958_pays_the_reduced_rate_in_2025_and_2026():
    # 66 at the start of 2025 (limit 66), 67 at the start of 2026 (riktålder 67): 10.21 %
    for paid_on, expected in ((date(2025, 4, 25), 225_13),  # 2,205 x 10.21 % = 225.1305
                              (date(2026, 5, 25), 226_66)):  # 2,220 x 10.21 % = 226.662
        data = paid(date(1958, 12, 31), paid_on)
        assert data["tax"]["employer_contribution_rule"] == "reduced_older"
        assert contributions(data) == expected


def test_the_limit_was_66_in_2023():
    # 2023: born 1957 was 65 at the year's start (standard), born 1956 66 (reduced)
    assert paid(date(1957, 3, 1), date(2023, 6, 1))["tax"]["employer_contribution_rule"] == "standard"
    assert paid(date(1956, 3, 1), date(2023, 6, 1))["tax"]["employer_contribution_rule"] == "reduced_older"


def test_born_1937_or_earlier_pays_none_in_2026():
    data = paid(date(1937, 12, 31), date(2026, 5, 25))
    assert (data["tax"]["employer_contribution_rule"], contributions(data)) == ("none_born_1937_or_earlier", 0)


def test_from_2026_the_limit_is_the_riktalder_read_from_its_own_dated_row():
    # given the shipped rows, but a riktålder of 68 for 2026 (as if the ordinance said so)
    parameters = [dict(r, value="68") if (r["key"], r["valid_from"]) == ("riktalder", "2026-01-01") else r
                  for r in read_rows("tax_rules.csv")]
    law = rules_from(parameters, read_rows("employer_contributions.csv"))
    # then born 1958 (67 at the start of 2026) is under it and pays the full rate; with 67 the reduced one
    assert taxed(Gross(ARVODE_2026), profile(birth=date(1958, 6, 1)), YearToDate(2026, 10_000_00),
                 date(2026, 5, 25), law=law).contribution_rule == "standard"
    assert taxed(Gross(ARVODE_2026), profile(birth=date(1958, 6, 1)), YearToDate(2026, 10_000_00),
                 date(2026, 5, 25)).contribution_rule == "reduced_older"


def test_riktalder_2027_is_not_confirmed_and_the_calculation_says_so():
    data = paid(date(1960, 6, 1), date(2027, 5, 25))
    # 2026 - 1960 = 66 < 67: 31.42 % of 2,220 kr (PBB 2027 not entered: 2026's) = 697.524
    assert contributions(data) == 697_52
    assert any(w.startswith("riktalder: rests on a rule not confirmed") for w in data["warnings"])
    used = {r["key"]: r for r in data["rates_used"]}
    assert (used["riktalder"]["value"], used["riktalder"]["confidence"]) == ("67", "U")


def test_every_row_of_the_law_is_dated_exact_and_cites_its_source():
    for name, value in (("tax_rules.csv", "value"), ("employer_contributions.csv", "percent")):
        with open(RATES_DIR / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                assert date.fromisoformat(row["valid_from"])
                assert not row["valid_to"] or date.fromisoformat(row["valid_to"]) >= date.fromisoformat(
                    row["valid_from"])
                assert str(Decimal(row[value])) == row[value]  # exact decimal text, never a float
                assert row["confidence"] in ("C", "S", "U") and len(row["source"]) > 10, row


# --- item 2: the youth reduction, on the day of payment ------------------------------------------------------

def test_born_2005_paid_in_may_2026_pays_the_youth_rate():
    # SFS 2026:100: 18-22 at the start of 2026 (2025 - 2005 = 20), pay given out from 2026-04-01: the whole
    # ålderspensionsavgift (10.21) and half the rest (10.60): 20.81 %
    data = paid(date(2005, 8, 1), date(2026, 5, 25))
    assert data["tax"]["employer_contribution_rule"] == "youth_18_22"
    assert contributions(data) == 461_98  # 2,220 x 20.81 % = 461.982


def test_the_rule_is_looked_up_on_the_day_of_payment_not_on_1_january():
    # the same March work paid on 31 March 2026 (before the law is in force) and on 1 April 2026
    assert contributions(paid(date(2005, 8, 1), date(2026, 3, 31), month="2026-02")) == 697_52  # 31.42 %
    assert contributions(paid(date(2005, 8, 1), date(2026, 4, 1), month="2026-02")) == 461_98  # 20.81 %
    # and it ends with September 2027
    assert paid(date(2006, 8, 1), date(2027, 9, 30))["tax"]["employer_contribution_rule"] == "youth_18_22"
    assert paid(date(2006, 8, 1), date(2027, 10, 1))["tax"]["employer_contribution_rule"] == "standard"


def test_the_youth_rate_is_for_those_who_turned_18_but_not_23_at_the_start_of_the_year():
    on = date(2026, 5, 25)
    assert [paid(date(born, 6, 1), on)["tax"]["employer_contribution_rule"] for born in (2002, 2003, 2007, 2008)] \
        == ["standard", "youth_18_22", "youth_18_22", "standard"]  # 23, 22, 18, 17 at the start of 2026


def test_youth_pay_above_25000_kr_in_a_month_is_at_the_full_rate():
    # 30,000 kr in one payment: 25,000 x 20.81 % = 5,202.50, the other 5,000 x 31.42 % = 1,571.00
    data = paid(date(2005, 8, 1), date(2026, 5, 25), terms=SetAmountTerms(30_000_00, 0))
    assert contributions(data) == 5202_50 + 1571_00
    parts = {p["rule"]: (p["base_ore"], p["contributions_ore"]) for p in data["tax"]["employer_contribution_parts"]}
    assert parts == {"youth_18_22": (25_000_00, 5202_50), "standard": (5_000_00, 1571_00)}


def test_the_25000_kr_are_a_calendar_months_over_every_payment_in_it():
    # 20,000 kr already calculated for payment in May 2026: of 10,000 kr more, 5,000 at 20.81 % (1,040.50) and
    # 5,000 at 31.42 % (1,571.00)
    ytd = YearToDate(2026, 30_000_00, period="2026-05", period_taxable_ore=20_000_00)
    data = paid(date(2005, 8, 1), date(2026, 5, 25), terms=SetAmountTerms(10_000_00, 0), ytd=ytd)
    assert contributions(data) == 1040_50 + 1571_00
