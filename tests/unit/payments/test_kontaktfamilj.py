"""Kontaktfamilj: dygn from stays, omkostnad by age as % of PBB/365, arvode per dygn doubled on weekends and
holidays within a stay's first 14 days."""
from datetime import date
from decimal import Decimal

from services.common.testing import given
from services.payments.domain.calculation import Meeting, gross_for_month
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.rate_table import skr_defaults
from services.payments.domain.stays import Stay, half_days

from .examples import approve, assert_published_contract, at, calculate, history, kf_terms, stay

TEN_YEAR_OLD = date(2013, 1, 15)


def dygn(start, end) -> float:
    return len(half_days([Stay("s", start, end)])) / 2


def month_of(terms, month, *stays):
    return gross_for_month(terms, month, stays, skr_defaults())


def test_friday_17_to_sunday_17_is_two_and_a_half_dygn():
    assert dygn(at(2023, 3, 10, 17), at(2023, 3, 12, 17)) == 2.5


def test_one_night_is_one_dygn_and_three_nights_three():
    assert dygn(at(2023, 3, 13, 17), at(2023, 3, 14, 10)) == 1
    assert dygn(at(2023, 3, 10, 17), at(2023, 3, 13, 8)) == 3


def test_dygn_are_counted_in_swedish_time_across_the_change_to_summer_time():
    # 26 March 2023: clocks go forward; the weekend still counts 2.5 dygn
    assert dygn(at(2023, 3, 24, 17), at(2023, 3, 26, 17)) == 2.5


def test_weekend_for_a_ten_year_old_in_2023():
    # SKR: omkostnad 52,500 x 105 % / 365 = 151 kr per dygn; arvode 225 kr per dygn, doubled Saturday and Sunday
    report = approve("2023-03", stay("s1", at(2023, 3, 10, 17), at(2023, 3, 12, 17)), kind="kontaktfamilj")
    events = given(COMPENSATION, *history(report)) \
        .when(calculate("2023-03", kf_terms(TEN_YEAR_OLD))).then("CompensationCalculated")
    data = events[0].data
    assert data["basis"]["dygn"] == "2.5"
    days = {d["date"]: d for d in data["basis"]["days"]}
    assert {d: (days[d]["dygn"], days[d]["doubled"]) for d in days} == {
        "2023-03-10": ("0.5", False), "2023-03-11": ("1", True), "2023-03-12": ("1", True)}
    assert all(d["omkostnad_per_dygn_ore"] == 151_00 for d in days.values())
    assert data["totals"]["omkostnad_ore"] == 377_50  # 2.5 x 151
    assert data["totals"]["arvode_ore"] == 1012_50  # 0.5 x 225 + 2 x 2 x 225
    assert_published_contract(*events)


def test_the_omkostnad_band_switches_on_the_13th_birthday():
    # Born 11 March 2010: 12 on the Friday, 13 from the Saturday
    terms = kf_terms(date(2010, 3, 11))
    gross = month_of(terms, "2023-03", stay("s1", at(2023, 3, 10, 17), at(2023, 3, 12, 17)))
    days = {d["date"]: d for d in gross.basis["days"]}
    assert days["2023-03-10"]["omkostnad_per_dygn_ore"] == 151_00  # 105 %
    assert days["2023-03-11"]["omkostnad_per_dygn_ore"] == 173_00  # 52,500 x 120 % / 365 = 172.60 -> 173
    assert gross.gross.omkostnad_ore == 75_50 + 2 * 173_00
    assert gross.gross.arvode_ore == 112_50 + 2 * 2 * 292_00  # 292 kr from 13 years


def test_a_twenty_day_summer_stay_doubles_only_within_its_first_14_days():
    # Monday 3 July 2023 10:00 to Sunday 23 July 10:00: weekends on days 6-7, 13-14 and 20-21
    gross = month_of(kf_terms(TEN_YEAR_OLD), "2023-07", stay("s1", at(2023, 7, 3, 10), at(2023, 7, 23, 10)))
    doubled = sorted(d["date"] for d in gross.basis["days"] if d["doubled"])
    assert doubled == ["2023-07-08", "2023-07-09", "2023-07-15", "2023-07-16"]
    assert gross.basis["dygn"] == "20.5"
    assert gross.gross.arvode_ore == (41 + 4 * 2) * 225_00 // 2  # 41 half days, 8 of them doubled


def test_a_stay_logged_week_by_week_is_one_continuous_stay_for_the_14_days():
    weeks = [stay("w1", at(2023, 7, 3, 10), at(2023, 7, 10, 10)),
             stay("w2", at(2023, 7, 10, 10), at(2023, 7, 17, 10)),
             stay("w3", at(2023, 7, 17, 10), at(2023, 7, 23, 10))]
    gross = month_of(kf_terms(TEN_YEAR_OLD), "2023-07", *weeks)
    assert sorted(d["date"] for d in gross.basis["days"] if d["doubled"]) == [
        "2023-07-08", "2023-07-09", "2023-07-15", "2023-07-16"]


def test_arvode_is_doubled_on_a_public_holiday():
    # Ascension Day, Thursday 18 May 2023
    gross = month_of(kf_terms(TEN_YEAR_OLD), "2023-05", stay("s1", at(2023, 5, 17, 17), at(2023, 5, 18, 17)))
    days = {d["date"]: d["doubled"] for d in gross.basis["days"]}
    assert days == {"2023-05-17": False, "2023-05-18": True}


def test_adults_get_the_adult_arvode():
    gross = month_of(kf_terms(date(2000, 1, 1)), "2023-03", stay("s1", at(2023, 3, 13, 17), at(2023, 3, 14, 10)))
    assert gross.gross.arvode_ore == 359_00  # one weekday dygn
    assert gross.gross.omkostnad_ore == 173_00  # 13 and older: 120 %


def test_a_stay_over_the_turn_of_the_month_is_split_between_the_months():
    s = stay("s1", at(2023, 3, 31, 17), at(2023, 4, 2, 17))  # Friday to Sunday
    march = month_of(kf_terms(TEN_YEAR_OLD), "2023-03", s)
    april = month_of(kf_terms(TEN_YEAR_OLD), "2023-04", s)
    assert (march.basis["dygn"], april.basis["dygn"]) == ("0.5", "2")


def test_a_yearly_rate_not_yet_published_is_carried_forward_and_flagged():
    report = approve("2025-03", stay("s1", at(2025, 3, 13, 17), at(2025, 3, 14, 10)), kind="kontaktfamilj")
    events = given(COMPENSATION, *history(report)) \
        .when(calculate("2025-03", kf_terms(TEN_YEAR_OLD))).then("CompensationCalculated")
    assert events[0].data["totals"]["arvode_ore"] == 225_00  # SKR 2023's figure
    assert any("kontaktfamilj.arvode.child" in w and "2023-01-01" in w for w in events[0].data["warnings"])
    used = {r["key"]: r for r in events[0].data["rates_used"]}
    assert used["kontaktfamilj.arvode.child"]["carried_forward"] is True
    assert used["prisbasbelopp"]["carried_forward"] is False


def test_omkostnad_above_the_individual_maximum_needs_a_justification():
    report = approve("2023-03", stay("s1", at(2023, 3, 13, 17), at(2023, 3, 14, 10)), kind="kontaktfamilj")
    given(COMPENSATION, *history(report)) \
        .when(calculate("2023-03", kf_terms(TEN_YEAR_OLD, omkostnad_percent_child=Decimal(160)))) \
        .then_refused("needs a written justification")


def test_overlapping_stays_are_refused():
    given(COMPENSATION).when(approve(
        "2023-03", stay("s1", at(2023, 3, 10, 17), at(2023, 3, 12, 17)),
        stay("s2", at(2023, 3, 11, 10), at(2023, 3, 11, 18)), kind="kontaktfamilj")) \
        .then_refused("two stays overlap")


def test_a_stay_needs_its_times():
    given(COMPENSATION).when(approve("2023-03", Meeting("s1", date(2023, 3, 10)), kind="kontaktfamilj")) \
        .then_refused("needs an aware start and end")
