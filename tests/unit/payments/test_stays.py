"""Kontaktfamilj stays logged as several meetings: a half-day paid once, short gaps joining stays, the 14-day count
across a month's end, and SKR's Friday-to-Sunday 2½ dygn (issue 11, items 4, 5 and 10).

Figures: SKR 22:42 (2023): arvode 0-12 years 225 kr per dygn, doubled on Saturdays, Sundays and helgdagar within
a continuous stay's first 14 days; omkostnad 52,500 x 105 % / 365 = 151 kr per dygn. A dygn is two halves, before
and after noon."""
from datetime import date
from decimal import Decimal

from services.common.testing import given
from services.payments.domain.calculation import gross_for_month
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.rate_table import skr_defaults
from services.payments.domain.rates import RATES, PublishRates, RateChange, table
from services.payments.domain.stays import Stay, StayRules, half_days

from .examples import KOMMUN, approve, at, calculate, decide_all, history, kf_terms, stay

TEN_YEAR_OLD = kf_terms(date(2013, 1, 15))
HALF_ARVODE, HALF_OMKOSTNAD = 225_00 // 2, 151_00 // 2


def month_of(month, *stays, rates=None, preceding=()):
    return gross_for_month(TEN_YEAR_OLD, month, stays, rates or skr_defaults(), preceding)


def dygn(*stays: Stay, rules=StayRules()) -> Decimal:
    return Decimal(len(half_days(stays, rules))) / 2


def rates_with(key: str, value: str):
    return table(RATES.fold(decide_all(RATES, PublishRates(KOMMUN, "admin-1", date(2023, 1, 1),
                                                           (RateChange(key, Decimal(value)),), "nämndbeslut"))))


# --- item 4: a half-day is paid once ------------------------------------------------------------------------

def test_a_stay_logged_week_by_week_with_monday_handovers_pays_as_the_same_stay_logged_once():
    # Monday 3 July 2023 10:00 to Sunday 23 July 10:00: as one meeting 41 halves = 20.5 dygn. Logged week by week
    # (handover Mondays 10:00) the Monday mornings 10 and 17 July were counted by both weeks: 21.5 dygn.
    once = month_of("2023-07", stay("s", at(2023, 7, 3, 10), at(2023, 7, 23, 10)))
    weekly = month_of("2023-07", stay("w1", at(2023, 7, 3, 10), at(2023, 7, 10, 10)),
                      stay("w2", at(2023, 7, 10, 10), at(2023, 7, 17, 10)),
                      stay("w3", at(2023, 7, 17, 10), at(2023, 7, 23, 10)))
    assert weekly.basis["dygn"] == once.basis["dygn"] == "20.5"
    # 41 halves, the 8 halves of 8, 9, 15 and 16 July (days 6, 7, 13, 14) doubled: 49 half arvoden
    assert weekly.gross == once.gross
    assert weekly.gross.arvode_ore == 49 * HALF_ARVODE
    assert weekly.gross.omkostnad_ore == 41 * HALF_OMKOSTNAD


def test_two_visits_on_one_saturday_are_one_dygn():
    # 10:00-13:00 touches both halves; 15:00-18:00 the afternoon again: 1 dygn (it was 1.5), doubled: 450 kr
    gross = month_of("2023-03", stay("a", at(2023, 3, 11, 10), at(2023, 3, 11, 13)),
                     stay("b", at(2023, 3, 11, 15), at(2023, 3, 11, 18)))
    assert gross.basis["dygn"] == "1"
    assert gross.gross.arvode_ore == 2 * 225_00


def test_a_gap_shorter_than_the_setting_keeps_the_stay_continuous_for_the_14_days():
    # Monday 3 July 10:00 to Monday 10 July 09:30, then from 10:00 to Sunday 23 July 10:00: 30 minutes apart, under
    # the default 12 hours: one stay, so 22 and 23 July are days 20 and 21 and not doubled
    split = (stay("a", at(2023, 7, 3, 10), at(2023, 7, 10, 9, 30)), stay("b", at(2023, 7, 10, 10), at(2023, 7, 23, 10)))
    gross = month_of("2023-07", *split)
    assert sorted(d["date"] for d in gross.basis["days"] if d["doubled"]) == [
        "2023-07-08", "2023-07-09", "2023-07-15", "2023-07-16"]
    # with a municipality's setting of 15 minutes the gap breaks it: the count restarts on 10 July, and the
    # weekends of 15-16 July (days 6-7) and 22-23 July (days 13-14) are doubled
    strict = month_of("2023-07", *split, rates=rates_with("kontaktfamilj.stay_gap_hours", "0.25"))
    assert sorted(d["date"] for d in strict.basis["days"] if d["doubled"]) == [
        "2023-07-08", "2023-07-09", "2023-07-15", "2023-07-16", "2023-07-22", "2023-07-23"]


def test_a_gap_of_a_day_starts_a_new_stay():
    first, second = Stay("a", at(2023, 7, 3, 10), at(2023, 7, 7, 10)), Stay("b", at(2023, 7, 8, 10), at(2023, 7, 9, 10))
    assert [h.stay_day for h in half_days([first, second]) if h.date == date(2023, 7, 8)] == [1, 1]


# --- item 5: the 14-day count sees the month before ----------------------------------------------------------

AUGUST_WEEKS = (stay("w1", at(2024, 7, 15, 10), at(2024, 7, 22, 10)),
                stay("w2", at(2024, 7, 22, 10), at(2024, 7, 29, 10)),
                stay("w3", at(2024, 7, 29, 10), at(2024, 8, 5, 10)),
                stay("w4", at(2024, 8, 5, 10), at(2024, 8, 11, 17)))


def test_a_stay_logged_weekly_into_a_new_month_counts_its_days_from_its_arrival():
    # Arrival Monday 15 July 2024: day 14 is 28 July, so no August day is doubled. August's report lists w3 and w4
    # (they touch August) and is approved with w1 and w2, the July stays before them.
    report = approve("2024-08", *AUGUST_WEEKS[2:], kind="kontaktfamilj", preceding=AUGUST_WEEKS[:2])
    events = given(COMPENSATION, *history(report)).when(calculate("2024-08", TEN_YEAR_OLD)) \
        .then("CompensationCalculated")
    data = events[0].data
    # August: 1-4 (8 halves), 5 (both: the handover morning once), 6-10 (10), 11 (both, to 17:00) = 22 = 11 dygn
    assert data["basis"]["dygn"] == "11"
    assert not any(d["doubled"] for d in data["basis"]["days"])
    assert {d["date"]: d["stay_day"] for d in data["basis"]["days"]}["2024-08-03"] == 20
    # 2024: 225 kr arvode (SKR 2023, carried forward) x 11; omkostnad 57,300 x 105 % / 365 = 164.84 -> 165 x 11
    assert (data["totals"]["arvode_ore"], data["totals"]["omkostnad_ore"]) == (11 * 225_00, 11 * 165_00)
    assert data["basis"]["preceding_meeting_ids"] == ["w1", "w2"]


def test_without_the_month_before_the_same_stay_would_restart_on_29_july():
    gross = month_of("2024-08", *AUGUST_WEEKS[2:])
    # days counted from 29 July: 3-4 August are days 6-7 and 10-11 August days 13-14, all doubled
    assert sorted(d["date"] for d in gross.basis["days"] if d["doubled"]) == [
        "2024-08-03", "2024-08-04", "2024-08-10", "2024-08-11"]


def test_a_stay_of_the_month_before_that_reaches_into_the_month_belongs_in_its_meetings():
    given(COMPENSATION).when(approve("2024-08", AUGUST_WEEKS[3], kind="kontaktfamilj", preceding=AUGUST_WEEKS[:3])) \
        .then_refused("belongs in its meetings")


def test_a_preceding_stay_that_overlaps_the_months_is_refused():
    overlapping = stay("x", at(2024, 7, 28, 10), at(2024, 7, 30, 10))
    given(COMPENSATION).when(approve("2024-08", *AUGUST_WEEKS[2:], kind="kontaktfamilj", preceding=(overlapping,))) \
        .then_refused("two stays overlap")


# --- item 10: Friday to Sunday -----------------------------------------------------------------------------

def test_friday_to_sunday_is_two_and_a_half_dygn_whatever_the_hours_by_default():
    # SKR 22:42: "Om vistelsen är fredag till söndag räknas det som 2 ½ dygn"
    assert dygn(Stay("s", at(2023, 3, 10, 17), at(2023, 3, 12, 10))) == Decimal("2.5")  # halves touched: 2
    assert dygn(Stay("s", at(2023, 3, 10, 11), at(2023, 3, 12, 17))) == Decimal("2.5")  # halves touched: 3
    touched = StayRules(friday_to_sunday_flat=False)
    assert dygn(Stay("s", at(2023, 3, 10, 17), at(2023, 3, 12, 10)), rules=touched) == 2
    assert dygn(Stay("s", at(2023, 3, 10, 11), at(2023, 3, 12, 17)), rules=touched) == 3


def test_a_weekend_pays_friday_half_and_saturday_and_sunday_whole():
    # SKR's worked example: Friday ½ dygn, Saturday and Sunday 1 each (arvode doubled): Friday 17:00 - Sunday 10:00
    gross = month_of("2023-03", stay("s", at(2023, 3, 10, 17), at(2023, 3, 12, 10)))
    assert {d["date"]: d["dygn"] for d in gross.basis["days"]} == {
        "2023-03-10": "0.5", "2023-03-11": "1", "2023-03-12": "1"}
    assert gross.gross.arvode_ore == HALF_ARVODE + 2 * 2 * 225_00  # 112.50 + 900 = 1,012.50
    assert gross.gross.omkostnad_ore == 5 * HALF_OMKOSTNAD  # 2.5 x 151 = 377.50


def test_the_municipality_may_count_the_halves_touched_instead():
    rates = rates_with("kontaktfamilj.friday_to_sunday_flat", "0")
    gross = month_of("2023-03", stay("s", at(2023, 3, 10, 17), at(2023, 3, 12, 10)), rates=rates)
    assert gross.basis["dygn"] == "2"  # Friday pm, Saturday, Sunday am
    assert gross.basis["stay_rules"] == {"gap_hours": "12", "friday_to_sunday_flat": False}
    given(RATES).when(PublishRates(KOMMUN, "admin-1", date(2023, 1, 1),
                                   (RateChange("kontaktfamilj.friday_to_sunday_flat", Decimal(2)),), "beslut")) \
        .then_refused("is a choice: 1 or 0")


def test_a_longer_stay_from_a_friday_counts_its_halves():
    # Friday 17:00 to Monday 08:00 is not "fredag till söndag": Fri pm, Sat, Sun, Mon am = 3 dygn
    assert dygn(Stay("s", at(2023, 3, 10, 17), at(2023, 3, 13, 8))) == 3
