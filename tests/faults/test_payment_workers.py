"""Payment runs done by several worker PROCESSES, one of them killed with SIGKILL mid-run.

400 assignment-months (200 assignments of 100 volunteers, February and March, every month approved) are
calculated, prepared, approved and paid by `python -m services.payments.worker` processes sharing the job queue.
While a phase is under way, one worker is killed with SIGKILL (no chance to finish a job, commit or ack). Then every
assignment-month must be calculated exactly once and paid exactly once, and the sums must agree: what was
calculated, what the run lists, what was paid.
"""
from __future__ import annotations

import os
import sys
import uuid
from dataclasses import replace
from datetime import date

import pytest

from services.common import config
from services.payments.app import phases
from services.payments.domain.payment_run import stream_id as run_stream
from services.payments.job_queue import JobQueue
from services.payments.spec import SPEC
from tests.integration.payments_service.payments_feeding import approve_and_start_issuing, seed_months
from tests.faults.processes import ROOT, Processes
from tests.kernel.helpers import wait_until

pytestmark = pytest.mark.faults

KOMMUN, PERIOD = "0180", "2025-04"
ASSIGNMENTS, MONTHS, VOLUNTEERS = 200, ("2025-02", "2025-03"), 100
JOB_SIZE = 8  # two volunteers (eight assignment-months) a job: 50 jobs a phase


@pytest.fixture
def setting(kernel_for, amqp_uri):
    name = f"payments{uuid.uuid4().hex[:8]}"
    kernel = kernel_for(replace(SPEC, name=name), pool_size=4)
    queue = f"payments.jobs.{name}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": amqp_uri, "PAYMENTS_JOB_QUEUE": queue,
           "PAYMENTS_DATABASE_URL": config.database_url(name)}
    os.environ["PAYMENTS_JOB_QUEUE"] = queue  # this process publishes the jobs
    seed_months(kernel, KOMMUN, assignments=ASSIGNMENTS, months=MONTHS, volunteers=VOLUNTEERS)
    workers = Processes(env, lambda name: [sys.executable, "-m", "services.payments.worker", "--name", name,
                                           "--prefetch", "2"], prefix="kontakt-payment-workers-")
    try:
        yield kernel, workers, JobQueue(amqp_uri)
    finally:
        workers.stop_all()
        os.environ.pop("PAYMENTS_JOB_QUEUE", None)


def phase(kernel, name: str) -> dict:
    with kernel.connection() as conn:
        found = [b for b in phases.batches(conn, run_stream(KOMMUN, PERIOD)) if b["phase"] == name]
    return found[-1]


def kill_mid_phase(kernel, workers: Processes, phase_name: str, victim: str) -> None:
    """SIGKILL `victim` once a quarter of the phase's jobs are done, and check it was mid-run."""
    wait_until(lambda: phase(kernel, phase_name)["jobs_done"] >= phase(kernel, phase_name)["job_count"] // 4,
               timeout=30, interval=0.01, message=f"{phase_name} under way")
    workers.kill(victim)
    assert phase(kernel, phase_name)["status"] == "running", "the kill came too late to test anything"


def run_with_a_kill(kernel, workers: Processes, jobs: JobQueue, names: list[str], victims: dict[str, str]):
    for name in names:
        workers.start(name)
    with kernel.connection() as conn:
        with conn.transaction():
            started = phases.start_calculation(kernel, conn, KOMMUN, PERIOD, "ekonom-1", date(2025, 4, 25),
                                             job_size=JOB_SIZE)
    jobs.publish(started["job_ids"])
    if "calculate" in victims:
        kill_mid_phase(kernel, workers, "calculate", victims["calculate"])
    try:
        wait_until(lambda: phase(kernel, "calculate")["status"] == "done", timeout=40, message="calculated")
        jobs.publish(approve_and_start_issuing(kernel, KOMMUN, PERIOD, job_size=JOB_SIZE))
        if "issue" in victims:
            kill_mid_phase(kernel, workers, "issue", victims["issue"])
        wait_until(lambda: phase(kernel, "issue")["status"] == "done", timeout=40, message="paid")
    except AssertionError:
        print(workers.tail())
        raise


def assert_each_month_paid_exactly_once(kernel) -> None:
    with kernel.connection() as conn:
        calculated = conn.execute(
            "SELECT stream_id, count(*) FROM events WHERE event_type = 'CompensationCalculated' GROUP BY 1"
        ).fetchall()
        paid = conn.execute(
            "SELECT data->>'compensation_id', count(*), sum((data->>'payout_ore')::bigint) FROM events "
            "WHERE event_type = 'PaymentIssued' GROUP BY 1").fetchall()
        payouts = dict(conn.execute("SELECT compensation_id, payout_ore FROM pay_compensations").fetchall())
        run_total, item_count = conn.execute("SELECT total_payout_ore, item_count FROM pay_runs").fetchone()
        failed = conn.execute("SELECT count(*) FROM pay_jobs WHERE status <> 'done' OR problems <> '[]'"
                              ).fetchone()[0]
    months = ASSIGNMENTS * len(MONTHS)
    assert len(calculated) == months and all(n == 1 for _, n in calculated), "a month calculated twice or not"
    assert len(paid) == months, "an assignment-month was not paid"
    assert all(n == 1 for _, n, _ in paid), "an assignment-month was paid twice"
    assert {cid: total for cid, _, total in paid} == payouts
    assert item_count == months and sum(payouts.values()) == run_total
    assert failed == 0


def test_two_workers_one_killed_with_sigkill_while_calculating(setting):
    kernel, workers, jobs = setting
    run_with_a_kill(kernel, workers, jobs, ["w1", "w2"], {"calculate": "w1"})
    assert_each_month_paid_exactly_once(kernel)


def test_three_workers_one_killed_while_calculating_and_another_while_paying(setting):
    kernel, workers, jobs = setting
    run_with_a_kill(kernel, workers, jobs, ["w1", "w2", "w3"], {"calculate": "w2", "issue": "w3"})
    assert_each_month_paid_exactly_once(kernel)
