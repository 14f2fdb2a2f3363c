"""Doing one job of a payment run's phase (phases.py), as a worker process does it (worker.py).

A job holds all the items of a few volunteers (never part of one volunteer's items) and runs in ONE transaction:
it takes a transaction-scoped advisory lock per volunteer (sorted, so never a deadlock), so the year-to-date of
the 1,000 kr rule is read and extended by one job at a time whatever else runs; each item is a savepoint, so a
refused item (no tax details, say) is recorded with its reason and the others go on. The job row is marked done in
the same transaction, and the message is acked only after that commit: a worker killed mid-job loses nothing (the
broker redelivers the unacked message, the job is done again from the start) and doubles nothing (the deciders
emit nothing for a month already calculated or a compensation already paid, and a redelivered job that committed
is skipped). The job row is locked FOR UPDATE while it runs, so two deliveries of one job never run at once.
"""
from __future__ import annotations

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .calculating import CalculationContext, calculate
from .issuing import RunCache, issue
from .phases import finish_batch_if_done
from .rates import RATE_TABLES

YTD_LOCK = 7_400_100  # advisory lock class: one volunteer's year-to-date in one municipality
MAX_ATTEMPTS = 5  # a job failing this often with an unexpected error is marked failed (operators see it)


def process_job(kernel, job_id: int, worker: str = "", runs: RunCache | None = None) -> str:
    """Do one job in one transaction. Returns "done", "skipped" (done before: a redelivery) or "missing"."""
    runs = runs or RunCache()
    with kernel.connection() as conn:
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                job = cur.execute(
                    "SELECT j.items, j.status, b.batch_id, b.run_id, b.municipality, b.period, b.phase, "
                    "b.requested_by, b.requested_on FROM pay_jobs j JOIN pay_batches b USING (batch_id) "
                    "WHERE j.job_id = %s FOR UPDATE OF j", (job_id,)).fetchone()
            if job is None:
                return "missing"
            if job["status"] != "queued":
                outcome = "skipped"
            else:
                problems = _calculate_all(kernel, conn, job) if job["phase"] == "calculate" else \
                    _issue_all(kernel, conn, job, runs)
                conn.execute("UPDATE pay_jobs SET status = 'done', done_count = %s, problems = %s, worker = %s, "
                             "done_at = now() WHERE job_id = %s",
                             (len(job["items"]) - len(problems), Jsonb(problems), worker, job_id))
                outcome = "done"
    finish_batch_if_done(kernel, job["batch_id"])
    return outcome


def _calculate_all(kernel, conn, job: dict) -> list[dict]:
    for volunteer in sorted({item["volunteer_id"] for item in job["items"]}):
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                     (YTD_LOCK, f"{job['municipality']}:{volunteer}"))
    rates = RATE_TABLES.get(kernel, conn, job["municipality"])
    context = CalculationContext(conn, job["municipality"], job["period"], job["items"], job["requested_on"])
    problems = (calculate(kernel, conn, job, item, rates, context) for item in job["items"])
    return [problem for problem in problems if problem]


def _issue_all(kernel, conn, job: dict, runs: RunCache) -> list[dict]:
    problems = (issue(kernel, conn, job, item, runs) for item in job["items"])
    return [problem for problem in problems if problem]


def record_failure(kernel, job_id: int, error: BaseException, max_attempts: int = MAX_ATTEMPTS) -> bool:
    """Count an unexpected failure of a job; True when it has failed too often and is given up (status failed).
    Only the error's type is kept: its text may quote data."""
    with kernel.connection() as conn:
        found = conn.execute(
            "UPDATE pay_jobs SET attempts = attempts + 1, error = %s, "
            "status = CASE WHEN attempts + 1 >= %s THEN 'failed' ELSE status END "
            "WHERE job_id = %s AND status = 'queued' RETURNING status, batch_id",
            (type(error).__name__, max_attempts, job_id)).fetchone()
    if found is not None and found[0] == "failed":
        finish_batch_if_done(kernel, found[1])
        return True
    return found is None
