"""Payment runs: prepared by finance, approved by another person (four eyes)."""
from datetime import date

from services.common.testing import given
from services.payments.domain.payment_run import PAYMENT_RUN, ApprovePaymentRun, PreparePaymentRun, RunItem, RunWarning

from .examples import KOMMUN, assert_published_contract, decide_all

ITEMS = (RunItem("compensation-a-1-2025-03/1", "a-1", "v-1", "2025-03", 1176_00),
         RunItem("compensation-a-2-2025-03/1", "a-2", "v-2", "2025-03", 500_00))


def prepare(by="ekonom-1", items=ITEMS, period="2025-04", on=date(2025, 4, 25), warnings=()):
    return PreparePaymentRun(KOMMUN, period, by, items, on, warnings)


def approve_run(by="ekonom-2", preparation=None):
    return ApprovePaymentRun(KOMMUN, "2025-04", by, date(2025, 4, 26), preparation)


def test_finance_prepares_a_run():
    events = given(PAYMENT_RUN).when(prepare()).then("PaymentRunPrepared")
    assert events[0].data["total_payout_ore"] == 1676_00
    assert events[0].data["run_id"] == "paymentrun-0180-2025-04"
    assert_published_contract(*events)


def test_four_eyes_the_preparer_cannot_approve():
    refused = given(PAYMENT_RUN, *decide_all(PAYMENT_RUN, prepare())) \
        .when(approve_run(by="ekonom-1")).then_refused("four eyes: the person who prepared the run cannot approve it")
    assert (refused.problems[0].field, refused.problems[0].code) == ("by", "four_eyes")


def test_another_person_approves():
    events = given(PAYMENT_RUN, *decide_all(PAYMENT_RUN, prepare())) \
        .when(approve_run()).then("PaymentRunApproved")
    assert events[0].data["approved_by"] == "ekonom-2"
    assert_published_contract(*events)


def test_approving_again_changes_nothing():
    given(PAYMENT_RUN, *decide_all(PAYMENT_RUN, prepare(), approve_run())).when(approve_run()).then()


def test_a_run_not_prepared_cannot_be_approved():
    given(PAYMENT_RUN).when(approve_run()).then_refused("has not been prepared")


def test_an_approved_run_is_not_prepared_again():
    given(PAYMENT_RUN, *decide_all(PAYMENT_RUN, prepare(), approve_run())) \
        .when(prepare(by="ekonom-3")).then_refused("already approved")


def test_preparing_again_before_approval_needs_the_approver_to_review_it_again():
    history = decide_all(PAYMENT_RUN, prepare(), prepare(by="ekonom-3", items=ITEMS[:1]))
    given(PAYMENT_RUN, *history).when(approve_run(preparation=1)).then_refused("prepared again")
    # and the latest preparer may not approve it either
    given(PAYMENT_RUN, *history).when(approve_run(by="ekonom-3")).then_refused("four eyes")


def test_an_empty_run_or_a_compensation_twice_is_refused():
    given(PAYMENT_RUN).when(prepare(items=())).then_refused("nothing to pay")
    given(PAYMENT_RUN).when(prepare(items=(ITEMS[0], ITEMS[0]))).then_refused("listed twice")


def test_a_run_is_not_prepared_before_its_month():
    given(PAYMENT_RUN).when(prepare(on=date(2025, 3, 31))).then_refused("before the month begins")


def test_the_warnings_of_the_items_calculations_are_in_the_run_finance_approves():
    # given a kontaktfamilj month of 2025 calculated on SKR's 2023 arvode (no figure published since)
    warning = RunWarning("kontaktfamilj.arvode.child: no figure published for 2025, the one from 2023-01-01 is used",
                         1)
    prepared = given(PAYMENT_RUN).when(prepare(warnings=(warning,))).then("PaymentRunPrepared")
    # then the preparation shows it, and the approval records that it was approved with it
    assert prepared[0].data["warnings"] == [{"warning": warning.warning, "items": 1}]
    approved = given(PAYMENT_RUN, *prepared).when(approve_run()).then("PaymentRunApproved")
    assert approved[0].data["warnings"] == [{"warning": warning.warning, "items": 1}]
    assert_published_contract(*prepared, *approved)
