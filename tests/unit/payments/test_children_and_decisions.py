"""A kontaktfamilj's children (each with a birth date, omkostnad per child), an individually decided arvode, and
omkostnad above SKR's level kept as omkostnad by an individual decision (issue 11, items 6 and 7).

SKR 22:42 (2023, PBB 52,500): omkostnad "per barn och dygn": 0-12 years 105 % of PBB/365 = 151 kr, 13 and over
120 % = 172.60 -> 173 kr; arvode per dygn 225 (0-12), 292 (13+), förhöjt e.g. 505 kr. Kontaktperson omkostnad
level 3 (the highest SKR level) 40 % of PBB/12; 2025 (PBB 58,800): 1,960 kr."""
from datetime import date

from services.common.testing import given
from services.payments.app.plan import terms_of
from services.payments.domain.calculation import gross_for_month
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.decisions import (ARVODE, DECISIONS, OMKOSTNAD, ApproveOmkostnadExcess,
                                                DecideArvodeLevel, in_force)
from services.payments.domain.rate_table import skr_defaults
from services.payments.events import published_data

from .examples import (ASSIGNMENT, KOMMUN, approve, assert_published_contract, at, calculate, decide_all, history,
                       kf_terms, kp_terms, meeting, stay)

TEN, FOURTEEN = date(2013, 1, 15), date(2009, 2, 1)  # 10 and 14 in March 2023
WEEKDAY_NIGHT = stay("s1", at(2023, 3, 13, 17), at(2023, 3, 14, 10))  # Monday 17:00 - Tuesday 10:00: 1 dygn
SATURDAY = stay("s2", at(2023, 3, 18, 0), at(2023, 3, 19, 0))  # all of Saturday: 1 dygn, doubled


def arvode_level(amount_kr: int, kind="kontaktfamilj", from_month="2023-03", to_month=None, underlag="Dnr SN 2023/117",
                 reason="syskonpar, förhöjt arvode") -> DecideArvodeLevel:
    return DecideArvodeLevel(KOMMUN, ASSIGNMENT, kind, "socialsekreterare-1", date(2023, 2, 20), from_month, to_month,
                             amount_kr * 100, reason, underlag)


def omkostnad_excess(amount_kr: int, kind="kontaktperson", from_month="2025-03", underlag="Dnr SN 2025/88") \
        -> ApproveOmkostnadExcess:
    return ApproveOmkostnadExcess(KOMMUN, ASSIGNMENT, kind, "socialsekreterare-1", date(2025, 2, 20), from_month,
                                  None, amount_kr * 100, "resor med taxi till fritidsaktivitet", underlag)


def decisions_in(month: str, *commands) -> dict:
    return in_force(DECISIONS.fold(decide_all(DECISIONS, *commands)).decided, month)


# --- item 6: siblings --------------------------------------------------------------------------------------

def test_a_syskonpar_pays_omkostnad_per_child_and_one_arvode():
    gross = gross_for_month(kf_terms(TEN, FOURTEEN), "2023-03", [WEEKDAY_NIGHT], skr_defaults())
    # omkostnad: 151 kr (the 10-year-old) + 173 kr (the 14-year-old); arvode once, at the elder's band: 292 kr
    assert gross.gross.omkostnad_ore == 151_00 + 173_00
    assert gross.gross.arvode_ore == 292_00
    assert len(gross.basis["days"]) == 2  # Monday's afternoon and Tuesday's morning
    children = gross.basis["days"][0]["children"]
    assert [(c["child"], c["omkostnad_band"], c["omkostnad_per_dygn_ore"]) for c in children] == [
        (1, "child", 151_00), (2, "youth", 173_00)]
    assert gross.basis["children"] == 2


def test_each_child_as_assignments_publishes_them_is_in_the_terms():
    rates = skr_defaults()
    plan = {"arvode": {"basis": "per_dygn", "category": None, "percent": None, "monthly_ore": None},
            "omkostnad": {"level": 1, "receipts_allowed": False}}
    terms = terms_of({"kind": "kontaktfamilj", "plan": plan, "client_birth_date": TEN,
                      "client_birth_dates": [TEN, FOURTEEN]}, rates, "2023-03")
    assert terms.client_birth_dates == (TEN, FOURTEEN)
    # an assignment that named one child only (before the list) has that child
    one = terms_of({"kind": "kontaktfamilj", "plan": plan, "client_birth_date": TEN, "client_birth_dates": []},
                   rates, "2023-03")
    assert one.client_birth_dates == (TEN,)


def test_an_individually_decided_arvode_replaces_the_table_and_is_doubled_on_weekends():
    decided = decisions_in("2023-03", arvode_level(505))
    terms = terms_of({"kind": "kontaktfamilj", "plan": {}, "client_birth_date": None,
                      "client_birth_dates": [TEN, FOURTEEN]}, skr_defaults(), "2023-03", decided)
    report = approve("2023-03", WEEKDAY_NIGHT, SATURDAY, kind="kontaktfamilj")
    events = given(COMPENSATION, *history(report)).when(calculate("2023-03", terms)).then("CompensationCalculated")
    data = events[0].data
    # 505 kr for the weekday dygn, 2 x 505 for the Saturday (a weekend day within the stay's first 14 days)
    assert data["totals"]["arvode_ore"] == 505_00 + 2 * 505_00
    assert data["basis"]["decisions"] == [{"decision_id": "decisions-a-1/1", "kind": "arvode", "amount_ore": 505_00,
                                           "decided_by": "socialsekreterare-1", "decided_on": "2023-02-20",
                                           "underlag_reference": "Dnr SN 2023/117"}]
    assert_published_contract(*events)


def test_an_arvode_level_is_decided_for_a_kontaktfamilj_with_an_underlag_and_a_reason():
    events = given(DECISIONS).when(arvode_level(505)).then(ARVODE)
    assert (events[0].data["decided_by"], events[0].data["underlag_reference"], events[0].data["per"]) == (
        "socialsekreterare-1", "Dnr SN 2023/117", "dygn")
    assert_published_contract(*events)
    given(DECISIONS).when(arvode_level(505, kind="kontaktperson")).then_refused("decided for a kontaktfamilj")
    given(DECISIONS).when(arvode_level(505, underlag=" ")).then_refused("give its reference")
    given(DECISIONS).when(arvode_level(505, reason="")).then_refused("needs its reason")
    given(DECISIONS).when(arvode_level(505, from_month="2023-05", to_month="2023-04")).then_refused("ends before")


def test_a_later_decision_for_the_same_months_replaces_the_earlier():
    decided = decisions_in("2023-06", arvode_level(359), arvode_level(505, from_month="2023-06"))
    assert decided[ARVODE].amount_ore == 505_00
    assert decisions_in("2023-05", arvode_level(359), arvode_level(505, from_month="2023-06"))[ARVODE].amount_ore \
        == 359_00
    assert decisions_in("2023-02", arvode_level(359)) == {}


# --- item 7: omkostnad above SKR's level -------------------------------------------------------------------

MARCH_2025 = approve("2025-03", meeting("m1", date(2025, 3, 4)))
# omkostnad 50 % of PBB/12 in 2025: 58,800 x 50 % / 12 = 2,450 kr; the SKR level 1,960 kr
ABOVE_LEVEL = dict(omkostnad="50", omkostnad_justification="långa resor med taxi")


def lines(data: dict) -> dict:
    return {line["pay_type"]: line for line in data["lines"]}


def test_without_a_decision_omkostnad_above_the_level_is_taxed_as_pay():
    events = given(COMPENSATION, *history(MARCH_2025)).when(calculate("2025-03", kp_terms(**ABOVE_LEVEL))) \
        .then("CompensationCalculated")
    found = lines(events[0].data)
    assert (found["omkostnad"]["amount_ore"], found["omkostnad_taxable"]["amount_ore"]) == (1960_00, 490_00)
    assert found["omkostnad_taxable"]["tax_withheld_ore"] == 147_00  # 30 % of 490


def test_an_approved_excess_stays_omkostnad_with_who_when_and_the_underlag():
    decided = decisions_in("2025-03", omkostnad_excess(2450))
    terms = kp_terms(**ABOVE_LEVEL, omkostnad_decision=decided[OMKOSTNAD])
    events = given(COMPENSATION, *history(MARCH_2025)).when(calculate("2025-03", terms)).then("CompensationCalculated")
    found = lines(events[0].data)
    # the whole 2,450 kr is omkostnad (AGI 020): no tax, no employer contributions on it
    assert (found["omkostnad"]["amount_ore"], found["omkostnad_taxable"]["amount_ore"]) == (2450_00, 0)
    assert events[0].data["totals"]["tax_withheld_ore"] == 294_00  # 30 % of the 980 kr arvode only
    assert events[0].data["basis"]["omkostnad_tax_free_ceiling_ore"] == 2450_00
    assert events[0].data["basis"]["decisions"][0]["underlag_reference"] == "Dnr SN 2025/88"


def test_the_excess_above_the_approved_amount_is_still_pay():
    terms = kp_terms(**ABOVE_LEVEL, omkostnad_decision=decisions_in("2025-03", omkostnad_excess(2200))[OMKOSTNAD])
    events = given(COMPENSATION, *history(MARCH_2025)).when(calculate("2025-03", terms)).then("CompensationCalculated")
    found = lines(events[0].data)
    assert (found["omkostnad"]["amount_ore"], found["omkostnad_taxable"]["amount_ore"]) == (2200_00, 250_00)


def test_an_approved_excess_needs_no_other_justification():
    # 2,450 kr without the plan's justification: refused without a decision, calculated with one
    given(COMPENSATION, *history(MARCH_2025)).when(calculate("2025-03", kp_terms(omkostnad="50"))) \
        .then_refused("needs a written justification")
    terms = kp_terms(omkostnad="50", omkostnad_decision=decisions_in("2025-03", omkostnad_excess(2450))[OMKOSTNAD])
    given(COMPENSATION, *history(MARCH_2025)).when(calculate("2025-03", terms)).then("CompensationCalculated")


def test_a_kontaktfamiljs_excess_is_approved_per_dygn_and_child():
    # 2023: 160 % of PBB/365 for a 10-year-old: 52,500 x 160 % / 365 = 230.14 -> 230 kr, above the 150 % maximum
    # (215.75 -> 216 kr). Approved up to 230 kr: all omkostnad; without: 216 omkostnad + 14 taxable
    decision = decisions_in("2023-03", omkostnad_excess(230, kind="kontaktfamilj", from_month="2023-03"))[OMKOSTNAD]
    with_decision = gross_for_month(kf_terms(TEN, omkostnad_percent_child=160, omkostnad_decision=decision),
                                    "2023-03", [WEEKDAY_NIGHT], skr_defaults())
    assert (with_decision.gross.omkostnad_ore, with_decision.gross.omkostnad_taxable_ore) == (230_00, 0)
    without = gross_for_month(kf_terms(TEN, omkostnad_percent_child=160, omkostnad_justification="särskilda behov"),
                              "2023-03", [WEEKDAY_NIGHT], skr_defaults())
    assert (without.gross.omkostnad_ore, without.gross.omkostnad_taxable_ore) == (216_00, 14_00)


def test_a_decisions_reason_stays_in_payments():
    # the assessment may describe the child: stored, never published (the underlag's reference is)
    [event] = decide_all(DECISIONS, arvode_level(505, reason="barnets behov av tillsyn nattetid"))
    published = published_data(event.type, event.data)
    assert "reason" not in published and published["underlag_reference"] == "Dnr SN 2023/117"
    assert event.data["reason"] == "barnets behov av tillsyn nattetid"
