"""Rates as dated data: SKR defaults, per-municipality overrides from a date, with who and why."""
from datetime import date
from decimal import Decimal

from services.common.testing import given
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.rate_table import skr_defaults
from services.payments.domain.rates import RATES, PublishRates, RateChange, table
from services.payments.domain.tax_rules import tax_rules

from .examples import KOMMUN, approve, assert_published_contract, calculate, decide_all, history, kp_terms, meeting


def publish(*changes, on=date(2025, 7, 1), reason="Socialnämnden 2025-05-20 § 42", by="admin-1", kommun=KOMMUN):
    return PublishRates(kommun, by, on, tuple(RateChange(k, None if v is None else Decimal(v)) for k, v in changes),
                        reason)


def test_the_prisbasbelopp_follows_the_year():
    rates = skr_defaults()
    assert [rates.value("prisbasbelopp", date(y, 6, 1)) for y in (2023, 2024, 2025, 2026)] == [
        52500, 57300, 58800, 59200]


def test_a_year_without_a_published_figure_uses_the_latest_and_says_so():
    found = skr_defaults().lookup("prisbasbelopp", date(2027, 3, 1))
    assert (found.value, found.carried_forward) == (59200, True)
    assert skr_defaults().lookup("kontaktfamilj.arvode.youth", date(2024, 1, 1)).carried_forward is True
    assert skr_defaults().lookup("kontaktfamilj.arvode.youth", date(2023, 12, 31)).carried_forward is False
    # the law's open-ended rows (rates/tax_rules.csv) are in force until a later row, never carried forward
    assert tax_rules().parameter("employer_contributions.year_threshold", date(2026, 1, 1)).carried_forward is False


def test_a_municipality_overrides_a_rate_from_a_date_with_who_and_why():
    events = given(RATES).when(publish(("kontaktfamilj.arvode.child", "250"))).then("RatesPublished")
    assert events[0].data["by"] == "admin-1"
    assert events[0].data["reason"] == "Socialnämnden 2025-05-20 § 42"
    assert_published_contract(*events)
    rates = table(RATES.fold(events))
    assert rates.value("kontaktfamilj.arvode.child", date(2025, 6, 30)) == 225
    assert rates.value("kontaktfamilj.arvode.child", date(2025, 7, 1)) == 250
    assert rates.lookup("kontaktfamilj.arvode.child", date(2026, 7, 1)).source.startswith("kommun 0180")


def test_publishing_no_value_returns_the_key_to_the_skr_defaults():
    events = decide_all(RATES, publish(("kontaktfamilj.arvode.child", "250")),
                        publish(("kontaktfamilj.arvode.child", None), on=date(2026, 1, 1)))
    rates = table(RATES.fold(events))
    assert rates.value("kontaktfamilj.arvode.child", date(2025, 12, 31)) == 250
    assert rates.value("kontaktfamilj.arvode.child", date(2026, 1, 1)) == 225


def test_an_override_belongs_to_its_municipality_only():
    events = decide_all(RATES, publish(("kontaktperson.omkostnad.level_3", "45")))
    assert table(RATES.initial()).value("kontaktperson.omkostnad.level_3", date(2025, 8, 1)) == 40
    given(RATES, *events).when(publish(("kontaktperson.omkostnad.level_3", "45"), kommun="1480")) \
        .then_refused("another municipality")


def test_a_change_of_rates_needs_a_reason():
    refused = given(RATES).when(publish(("prisbasbelopp", "60000"), reason=" ")).then_refused(
        "a reason is required")
    assert refused.problems[0].field == "reason"


def test_unknown_keys_and_negative_values_are_refused_naming_each():
    refused = given(RATES).when(publish(("kontaktperson.arvode.category_9.min", "10"),
                                                ("kontaktfamilj.arvode.child", "-1"))) \
        .then_refused("unknown rate", "cannot be negative")
    assert [p.field for p in refused.problems] == ["rates[0].key", "rates[1].value"]


def test_a_band_cannot_be_turned_upside_down():
    given(RATES).when(publish(("kontaktperson.arvode.category_1.min", "40"))) \
        .then_refused("category 1: the band's min 40 % is above its max 35 %")


def test_an_override_changes_the_calculation():
    rates = table(RATES.fold(decide_all(RATES, publish(("prisbasbelopp", "60000"),
                                                                       on=date(2025, 1, 1)))))
    events = given(COMPENSATION, *history(approve("2025-03", meeting("m1", date(2025, 3, 4))))) \
        .when(calculate("2025-03", kp_terms(), rates=rates)).then("CompensationCalculated")
    assert events[0].data["totals"]["arvode_ore"] == 1000_00  # 60,000 x 20 % / 12
