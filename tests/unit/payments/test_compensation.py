"""The month's report, its calculation and adjustments, and paying each compensation once."""
from datetime import date

from services.common.testing import given
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.payment_run import PAYMENT_RUN, PreparePaymentRun, RunItem

from .examples import (CASE_WORKER, KOMMUN, approve, approved_run, assert_published_contract, at, calculate,
                      history, item_of, kf_terms, kp_terms, meeting, pay, stay)

M1 = meeting("m1", date(2025, 3, 4))
M2 = meeting("m2", date(2025, 3, 11))


def test_the_responsible_case_worker_approves_the_report():
    events = given(COMPENSATION).when(approve("2025-03", M1)).then("ReportApproved")
    assert events[0].data["approved_by"] == CASE_WORKER
    assert events[0].data["meetings"][0]["meeting_id"] == "m1"
    assert_published_contract(*events)


def test_another_case_worker_cannot_approve_the_report():
    refused = given(COMPENSATION).when(approve("2025-03", M1, by="socialsekreterare-2")) \
        .then_refused("only the assignment's responsible case worker")
    assert refused.problems[0].field == "by"


def test_a_report_cannot_be_approved_before_the_month_is_over():
    given(COMPENSATION).when(approve("2025-03", M1, on=date(2025, 3, 20))) \
        .then_refused("can be approved from 2025-03-31")


def test_a_meeting_outside_the_month_is_refused():
    refused = given(COMPENSATION).when(approve("2025-03", meeting("m9", date(2025, 4, 1)))) \
        .then_refused("not in 2025-03")
    assert refused.problems[0].field == "meetings[0].date"


def test_approving_the_same_report_again_changes_nothing():
    given(COMPENSATION, *history(approve("2025-03", M1))).when(approve("2025-03", M1)).then()


def test_a_month_without_an_approved_report_is_not_calculated():
    given(COMPENSATION).when(calculate("2025-03", kp_terms())) \
        .then_refused("report for 2025-03 has not been approved")


def test_calculating_again_without_a_change_emits_nothing():
    given(COMPENSATION, *history(approve("2025-03", M1), calculate("2025-03", kp_terms()))) \
        .when(calculate("2025-03", kp_terms())).then()


def test_a_meeting_corrected_after_the_month_was_paid_gives_an_adjustment_in_a_later_run():
    # March is paid; then its only meeting is corrected to "cancelled" and the report approved again in April.
    # Nothing was kept in March after all: the April run takes the month back by a new event.
    first = history(approve("2025-03", M1), calculate("2025-03", kp_terms(omkostnad="25")))
    original = first[-1]
    run = approved_run("2025-03", item_of(original))
    paid = first + COMPENSATION.decide(COMPENSATION.fold(first), pay(original, run))
    assert paid[-1].type == "PaymentIssued"

    corrected = approve("2025-03", meeting("m1-corrected", date(2025, 3, 4), "cancelled"),
                        on=date(2025, 4, 3))
    after_correction = paid + COMPENSATION.decide(COMPENSATION.fold(paid), corrected)
    events = given(COMPENSATION, *after_correction) \
        .when(calculate("2025-03", kp_terms(omkostnad="25"), paid_in="2025-04")).then("CompensationCalculated")
    adjustment = events[0].data
    assert adjustment["adjustment"] is True
    assert adjustment["adjusts"] == [original.data["compensation_id"]]
    assert adjustment["compensation_id"].endswith("/2")
    assert adjustment["totals"]["arvode_ore"] == -980_00
    assert adjustment["totals"]["omkostnad_ore"] == -1225_00
    assert adjustment["totals"]["tax_withheld_ore"] == -294_00
    assert adjustment["report_revision"] == 2
    assert original.data["totals"]["arvode_ore"] == 980_00  # the paid month's event is untouched
    assert_published_contract(*events)


def test_an_adjustment_carries_only_the_difference():
    # Kontaktfamilj: a second stay logged after the month was calculated
    s1 = stay("s1", at(2023, 3, 13, 17), at(2023, 3, 14, 10))
    s2 = stay("s2", at(2023, 3, 20, 17), at(2023, 3, 21, 10))
    terms = kf_terms(date(2013, 1, 15))
    before = history(approve("2023-03", s1, kind="kontaktfamilj"), calculate("2023-03", terms),
                     approve("2023-03", s1, s2, kind="kontaktfamilj", on=date(2023, 4, 5)))
    events = given(COMPENSATION, *before).when(calculate("2023-03", terms, paid_in="2023-04")) \
        .then("CompensationCalculated")
    assert events[0].data["totals"]["arvode_ore"] == 225_00
    assert events[0].data["totals"]["omkostnad_ore"] == 151_00
    assert events[0].data["month_total"]["arvode_ore"] == 450_00


def test_a_report_approved_late_is_paid_in_the_next_run():
    late = approve("2025-03", M1, on=date(2025, 4, 28))
    events = given(COMPENSATION, *history(late)) \
        .when(calculate("2025-03", kp_terms(), paid_in="2025-05")).then("CompensationCalculated")
    assert (events[0].data["month"], events[0].data["paid_in"]) == ("2025-03", "2025-05")


def test_a_month_cannot_be_paid_before_it_begins():
    given(COMPENSATION, *history(approve("2025-03", M1))) \
        .when(calculate("2025-03", kp_terms(), paid_in="2025-02")).then_refused("cannot be paid before")


def test_kontaktfamilj_terms_on_a_kontaktperson_month_are_refused():
    given(COMPENSATION, *history(approve("2025-03", M1))) \
        .when(calculate("2025-03", kf_terms(date(2013, 1, 15)))).then_refused("not for a kontaktperson assignment")


# --- paying ---------------------------------------------------------------------------------------------

CALCULATED = history(approve("2025-03", M1, M2), calculate("2025-03", kp_terms()))


def test_a_compensation_in_an_approved_run_is_paid():
    run = approved_run("2025-04", item_of(CALCULATED[-1]))
    events = given(COMPENSATION, *CALCULATED).when(pay(CALCULATED[-1], run)).then("PaymentIssued")
    assert events[0].data["payout_ore"] == CALCULATED[-1].data["totals"]["payout_ore"]
    assert events[0].data["run_id"] == "paymentrun-0180-2025-04"
    assert_published_contract(*events)


def test_paying_twice_emits_nothing_the_second_time():
    run = approved_run("2025-04", item_of(CALCULATED[-1]))
    paid = CALCULATED + COMPENSATION.decide(COMPENSATION.fold(CALCULATED), pay(CALCULATED[-1], run))
    given(COMPENSATION, *paid).when(pay(CALCULATED[-1], run)).then()


def test_a_compensation_paid_by_one_run_is_not_paid_by_another():
    item = item_of(CALCULATED[-1])
    paid = CALCULATED + COMPENSATION.decide(COMPENSATION.fold(CALCULATED),
                                                    pay(CALCULATED[-1], approved_run("2025-04", item)))
    given(COMPENSATION, *paid).when(pay(CALCULATED[-1], approved_run("2025-05", item))).then()


def test_nothing_is_paid_from_a_run_not_yet_approved():
    prepared = PAYMENT_RUN.fold(PAYMENT_RUN.decide(
        PAYMENT_RUN.initial(),
        PreparePaymentRun(KOMMUN, "2025-04", "ekonom-1", (item_of(CALCULATED[-1]),), date(2025, 4, 25))))
    given(COMPENSATION, *CALCULATED).when(pay(CALCULATED[-1], prepared)) \
        .then_refused("has not been approved")


def test_a_compensation_the_run_does_not_list_is_not_paid():
    other = RunItem("compensation-x-2025-03/1", "x", "v-2", "2025-03", 100_00)
    given(COMPENSATION, *CALCULATED).when(pay(CALCULATED[-1], approved_run("2025-04", other))) \
        .then_refused("does not list this compensation")


def test_the_stream_is_one_assignment_and_month():
    given(COMPENSATION, *CALCULATED).when(approve("2025-03", M1, assignment="a-2")) \
        .then_refused("another assignment's")
