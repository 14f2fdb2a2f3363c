"""A payment run's jobs against the real database, without a broker: each job done by calling jobs.process_job
as a worker would, in any order and more than once. Year-to-date, idempotence and the phases' ends.
"""
from __future__ import annotations

from datetime import date

import pytest

from services.payments import read
from services.payments.app import jobs
from services.payments.app import phases as run_phases
from services.payments.domain.payment_run import PAYMENT_RUN, ApprovePaymentRun
from services.payments.domain.payment_run import stream_id as run_stream
from services.payments.spec import SPEC
from services.common.envelope import Metadata

from payments_feeding import AssignmentFeed, approve_month, feed, seed_months, set_tax_details

KOMMUN = "0180"
PERIOD = "2025-04"


@pytest.fixture
def kernel(kernel_for, service_name):
    from dataclasses import replace
    return kernel_for(replace(SPEC, name=service_name))


def start_calculation(kernel, period=PERIOD, by="ekonom-1", job_size=25) -> dict:
    with kernel.connection() as conn:
        with conn.transaction():
            return run_phases.start_calculation(kernel, conn, KOMMUN, period, by, date(2025, 4, 25), job_size=job_size)


def approve(kernel, period=PERIOD, by="ekonom-2", job_size=25) -> dict:
    with kernel.connection() as conn:
        with conn.transaction():
            kernel.execute(PAYMENT_RUN, run_stream(KOMMUN, period),
                           ApprovePaymentRun(KOMMUN, period, by, date(2025, 4, 26)),
                           Metadata(municipality=KOMMUN, actor=by), conn=conn)
            return run_phases.start_issuing(conn, run_stream(KOMMUN, period), KOMMUN, period, by, date(2025, 4, 26),
                                      job_size=job_size)


def count(kernel, event_type: str) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM events WHERE event_type = %s", (event_type,)).fetchone()[0]


def test_a_run_calculates_prepares_and_pays_each_month_once_whatever_the_order_of_its_jobs(kernel):
    # given 30 assignments of 7 volunteers, February and March approved
    seed_months(kernel, KOMMUN, assignments=30, months=["2025-02", "2025-03"], volunteers=7)
    # when the calculation's jobs are done backwards, each one twice
    started = start_calculation(kernel, job_size=8)
    assert started["months"] == 60
    for job_id in reversed(started["job_ids"]):
        assert jobs.process_job(kernel, job_id) == "done"
        assert jobs.process_job(kernel, job_id) == "skipped"
    # then the run is prepared with 60 compensations
    with kernel.connection() as conn:
        run = read.runs.run(conn, run_stream(KOMMUN, PERIOD))
    assert (run["status"], run["item_count"]) == ("prepared", 60)
    assert count(kernel, "CompensationCalculated") == 60
    # when it is approved by another person and the paying jobs run, and run again
    issuing = approve(kernel)
    for job_id in issuing["job_ids"] + issuing["job_ids"]:
        jobs.process_job(kernel, job_id)
    # then each compensation was paid exactly once, and the sums agree
    with kernel.connection() as conn:
        paid = conn.execute("SELECT data->>'compensation_id', count(*), sum((data->>'payout_ore')::bigint) "
                            "FROM events WHERE event_type = 'PaymentIssued' GROUP BY 1").fetchall()
        calculated = dict(conn.execute("SELECT compensation_id, payout_ore FROM pay_compensations").fetchall())
        run = read.runs.run(conn, run_stream(KOMMUN, PERIOD))
    assert len(paid) == 60 and all(n == 1 for _, n, _ in paid)
    assert {cid: total for cid, _, total in paid} == calculated
    assert run["complete"] and run["paid_payout_ore"] == run["total_payout_ore"]


def test_the_year_to_date_runs_over_every_assignment_of_the_volunteer(kernel):
    # given one volunteer with three assignments at category 1, 10 %: 490 kr arvode a month each
    feeder = AssignmentFeed(KOMMUN)
    with kernel.connection() as conn:
        with conn.transaction():
            set_tax_details(kernel, conn, KOMMUN, "v-1", born=date(1980, 5, 1))
            for _ in range(3):
                assignment_id, started = feeder.started("v-1", percent=10)
                feed(kernel, [started, feeder.meeting(assignment_id, "v-1", "2025-03-05")[1]], conn)
                approve_month(kernel, conn, assignment_id, "2025-03")
    # when the run calculates them (one job: all of a volunteer's months are in one)
    started = start_calculation(kernel)
    assert len(started["job_ids"]) == 1
    jobs.process_job(kernel, started["job_ids"][0])
    # then the first two stay under 1,000 kr together (contributions deferred); the third crosses it and
    # catches up on both
    with kernel.connection() as conn:
        rows = conn.execute("SELECT data->'tax'->>'under_threshold', catch_up_ore, deferred_ore FROM pay_compensations "
                            "ORDER BY calculated_at").fetchall()
    assert rows == [("true", 0, 15396), ("true", 0, 15396), ("false", 2 * 15396, 0)]  # 490 kr x 31.42 %


def test_a_month_without_tax_details_is_left_for_a_later_run_with_the_reason(kernel):
    feeder = AssignmentFeed(KOMMUN)
    with kernel.connection() as conn:
        with conn.transaction():
            assignment_id, started = feeder.started("v-utan-skatt")
            feed(kernel, [started, feeder.meeting(assignment_id, "v-utan-skatt", "2025-03-05")[1]], conn)
            approve_month(kernel, conn, assignment_id, "2025-03")
    started = start_calculation(kernel)
    jobs.process_job(kernel, started["job_ids"][0])
    with kernel.connection() as conn:
        phases = run_phases.batches(conn, run_stream(KOMMUN, PERIOD))
        assert read.reports.months_to_calculate(conn, KOMMUN, PERIOD)  # still to calculate
    assert phases[0]["status"] == "done"
    assert phases[0]["problems"][0]["problems"][0]["code"] == "tax_details_missing"
    assert phases[0]["outcome"]["prepared"] is False  # nothing to pay: the run is not prepared


def test_a_second_preparation_while_one_is_under_way_is_refused(kernel):
    seed_months(kernel, KOMMUN, assignments=2, months=["2025-03"], volunteers=2)
    start_calculation(kernel)
    with pytest.raises(run_phases.RunBusy):
        start_calculation(kernel)

