"""A payment run's two phases, each a *batch* of *jobs* (tables pay_batches, pay_jobs) that any number of worker
processes share, one message per job on the work queue (job_queue.py):

  calculate  prepare_run: every approved month not yet calculated (up to the run's month) gets
             CalculateCompensation (calculating.py); when the last job is done, PaymentRunPrepared lists every
             calculated, unpaid compensation.
  issue      approve_run: PaymentRunApproved, then IssuePayment for every item of the run not yet paid
             (issuing.py).

Here: starting a phase (its items split into jobs, in the caller's transaction), ending it when its last job is
done, the sweep that ends what a dead worker left, and the phases' progress as run_status shows it. How one job is
done is jobs.py.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Iterable

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.decider import CommandRefused, Problem
from services.common.envelope import Metadata
from services.common.rows import json_value

from ..domain.calculation import month_start
from ..domain.payment_run import PAYMENT_RUN, PreparePaymentRun, RunWarning
from ..domain.payment_run import stream_id as run_stream
from ..read import compensations, reports, runs


class RunBusy(Exception):
    """A phase of this run is already under way."""


def item_problem(item: dict, problems: Iterable[Problem]) -> dict:
    """Why one item of a job emitted nothing, as pay_jobs.problems keeps it: the item's ids, never personal data."""
    return {**{k: item[k] for k in ("assignment_id", "month", "volunteer_id", "compensation_id") if k in item},
            "problems": [asdict(p) for p in problems]}


# --- starting a phase (the service, in the caller's transaction) ---------------------------------------------

def start_calculation(kernel, conn, municipality: str, period: str, by: str, on: date,
                      job_size: int = 25) -> dict:
    """Phase 1 of prepare_run, in `conn`'s transaction: the jobs to calculate; publish them after commit."""
    run_state = PAYMENT_RUN.fold(kernel.store.load(conn, run_stream(municipality, period)))
    problems = []
    try:
        if on < month_start(period):
            problems.append(Problem(f"the run for {period} cannot be prepared before the month begins", "period",
                                    "too_early"))
    except ValueError:
        problems.append(Problem("period must be a month, YYYY-MM", "period", "invalid"))
    if run_state.status == "approved":
        problems.append(Problem("the run is already approved: new compensations go into the next month's run",
                                "period", "run_approved"))
    if problems:
        raise CommandRefused(*problems)
    months = reports.months_to_calculate(conn, municipality, period)
    batch_id, job_ids = _new_batch(conn, run_stream(municipality, period), municipality, period, "calculate",
                                   by, on, months, job_size)
    return {"batch_id": batch_id, "job_ids": job_ids, "months": len(months)}


def start_issuing(conn, run_id: str, municipality: str, period: str, by: str, on: date,
                  job_size: int = 25) -> dict:
    """Phase 2, after PaymentRunApproved in the same transaction: the jobs that pay each unpaid item."""
    items = runs.items_to_pay(conn, run_id)
    if not items:
        return {"batch_id": None, "job_ids": [], "items": 0}
    batch_id, job_ids = _new_batch(conn, run_id, municipality, period, "issue", by, on, items, job_size)
    return {"batch_id": batch_id, "job_ids": job_ids, "items": len(items)}


def _chunks(items: list[dict], size: int) -> list[list[dict]]:
    """Items grouped into jobs of about `size`, never splitting one volunteer's items: a job holds the lock on
    each of its volunteers' year-to-date (jobs.py)."""
    by_volunteer: dict[str, list[dict]] = {}
    for item in items:
        by_volunteer.setdefault(item["volunteer_id"], []).append(item)
    jobs: list[list[dict]] = []
    current: list[dict] = []
    for volunteer in sorted(by_volunteer):
        if current and len(current) + len(by_volunteer[volunteer]) > size:
            jobs.append(current)
            current = []
        current.extend(by_volunteer[volunteer])
    if current:
        jobs.append(current)
    return jobs


def _new_batch(conn, run_id: str, municipality: str, period: str, phase: str, by: str, on: date,
               items: list[dict], job_size: int) -> tuple[int, list[int]]:
    jobs = _chunks(items, job_size)
    try:
        with conn.transaction():
            batch_id = conn.execute(
                "INSERT INTO pay_batches (run_id, municipality, period, phase, requested_by, requested_on, "
                "item_count, job_count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING batch_id",
                (run_id, municipality, period, phase, by, on, len(items), len(jobs))).fetchone()[0]
    except Exception as error:  # psycopg UniqueViolation on pay_batches_one_running
        if getattr(getattr(error, "diag", None), "constraint_name", None) == "pay_batches_one_running":
            raise RunBusy(run_id) from None
        raise
    job_ids = []
    with conn.cursor() as cur:
        for job in jobs:
            job_ids.append(cur.execute("INSERT INTO pay_jobs (batch_id, items) VALUES (%s, %s) RETURNING job_id",
                                       (batch_id, Jsonb(job))).fetchone()[0])
    return batch_id, job_ids


# --- ending a phase (whichever worker did its last job) ------------------------------------------------------

def finish_batch_if_done(kernel, batch_id: int) -> bool:
    """End a phase whose jobs are all done; after the calculation, prepare the run. Every worker calls this after
    each job it commits: the one that committed the last job sees none queued (its own commit is visible to it)."""
    with kernel.connection() as conn:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM pay_jobs WHERE batch_id = %s AND status = 'queued')",
                        (batch_id,)).fetchone()[0]:
            return False
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                batch = cur.execute("SELECT * FROM pay_batches WHERE batch_id = %s AND status = 'running' "
                                    "FOR UPDATE", (batch_id,)).fetchone()
            if batch is None:
                return False
            queued, failed, problems = conn.execute(
                "SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'failed'), "
                "coalesce(sum(jsonb_array_length(problems)), 0) FROM pay_jobs WHERE batch_id = %s",
                (batch_id,)).fetchone()
            if queued:
                return False
            outcome: dict[str, Any] = {"failed_jobs": failed, "items_with_problems": int(problems)}
            if batch["phase"] == "calculate":
                outcome.update(_prepare_run(kernel, conn, batch))
            conn.execute("UPDATE pay_batches SET status = 'done', finished_at = now(), outcome = %s "
                         "WHERE batch_id = %s", (Jsonb(outcome), batch_id))
    return True


def _prepare_run(kernel, conn, batch: dict) -> dict:
    """PaymentRunPrepared with every calculated, unpaid compensation, and their calculations' warnings for the
    approver, once the calculation is done."""
    municipality, period = batch["municipality"], batch["period"]
    items = compensations.unpaid_items(conn, municipality, period)
    warnings = tuple(RunWarning(text, count) for text, count in
                     compensations.warnings_of(conn, [item.compensation_id for item in items]))
    command = PreparePaymentRun(municipality, period, batch["requested_by"], items, batch["requested_on"], warnings)
    try:
        events = kernel.execute(PAYMENT_RUN, run_stream(municipality, period), command,
                                Metadata(municipality=municipality, actor=batch["requested_by"]), conn=conn)
    except CommandRefused as refused:
        return {"prepared": False, "problems": [asdict(p) for p in refused.problems]}
    data = events[0].data
    return {"prepared": True, "preparation": data["preparation"], "item_count": data["item_count"],
            "total_payout_ore": data["total_payout_ore"], "warnings": data["warnings"]}


def sweep(kernel, stale_after_seconds: float) -> list[int]:
    """Finish phases whose last job's worker died before finishing them, and take back jobs whose message was
    lost (queued, published longer ago than `stale_after_seconds`): returns those job ids to publish again."""
    with kernel.connection() as conn:
        idle = [found[0] for found in conn.execute(
            "SELECT batch_id FROM pay_batches b WHERE status = 'running' AND NOT EXISTS "
            "(SELECT 1 FROM pay_jobs j WHERE j.batch_id = b.batch_id AND j.status = 'queued')")]
    for batch_id in idle:
        finish_batch_if_done(kernel, batch_id)
    with kernel.connection() as conn:
        return [found[0] for found in conn.execute(
            "UPDATE pay_jobs SET published_at = now() WHERE job_id IN (SELECT job_id FROM pay_jobs "
            "WHERE status = 'queued' AND published_at < now() - make_interval(secs => %s) "
            "ORDER BY job_id LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING job_id", (stale_after_seconds,))]


# --- a run's progress ----------------------------------------------------------------------------------------

def batches(conn, run_id: str) -> list[dict]:
    """The run's phases so far, oldest first, with their jobs counted and the first 100 items' problems."""
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(
            "SELECT b.batch_id, b.phase, b.status, b.requested_by, b.requested_on, b.item_count, b.job_count, "
            "b.outcome, b.created_at, b.finished_at, "
            "count(*) FILTER (WHERE j.status = 'done') AS jobs_done, "
            "count(*) FILTER (WHERE j.status = 'failed') AS jobs_failed, "
            "coalesce(sum(j.done_count), 0) AS items_done "
            "FROM pay_batches b LEFT JOIN pay_jobs j USING (batch_id) WHERE b.run_id = %s "
            "GROUP BY b.batch_id ORDER BY b.batch_id", (run_id,)).fetchall()
    for batch in found:
        batch["problems"] = [p for (p,) in conn.execute(
            "SELECT jsonb_array_elements(problems) FROM pay_jobs WHERE batch_id = %s ORDER BY job_id LIMIT 100",
            (batch["batch_id"],))]
        batch["items_done"] = int(batch["items_done"])
        for key in ("requested_on", "created_at", "finished_at"):
            batch[key] = json_value(batch[key])
    return found


def queued_jobs(conn) -> int:
    return conn.execute("SELECT count(*) FROM pay_jobs WHERE status = 'queued'").fetchone()[0]
