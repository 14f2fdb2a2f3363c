"""A payment run as work that any number of worker processes share.

A run has two phases, each a *batch* of *jobs* (tables pay_batches, pay_jobs) with one RabbitMQ message per job
on the durable work queue `payments.jobs` (PAYMENTS_JOB_QUEUE):

  calculate  prepare_run: every approved month not yet calculated (up to the run's month) gets
             CalculateCompensation; when the last job is done, PaymentRunPrepared lists every calculated, unpaid
             compensation (finish_batch_if_done).
  issue      approve_run: PaymentRunApproved, then IssuePayment for every item of the run not yet paid.

A job holds all the items of a few volunteers (never part of one volunteer's items) and runs in ONE transaction:
it takes a transaction-scoped advisory lock per volunteer (sorted, so never a deadlock), so the year-to-date of
the 1,000 kr rule is read and extended by one job at a time whatever else runs; each item is a savepoint, so a
refused item (no tax details, say) is recorded with its reason and the others go on. The job row is marked done in
the same transaction, and the message is acked only after that commit: a worker killed mid-job loses nothing (the
broker redelivers the unacked message, the job is done again from the start) and doubles nothing (the deciders
emit nothing for a month already calculated or a compensation already paid, and a redelivered job that committed
is skipped). The job row is locked FOR UPDATE while it runs, so two deliveries of one job never run at once.

Nothing here imports nameko or eventlet: the service (RPC) and worker.py (the processes) both use it.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from datetime import date
from typing import Any, Iterable

from kombu import Connection, Exchange, Queue
from marshmallow import ValidationError
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.common.decider import CommandRefused, Problem
from services.common.envelope import Metadata
from services.common.store import ConcurrencyError

from . import read, schemas
from .domain.calculation import month_start
from .domain.compensation import CalculateCompensation, IssuePayment, COMPENSATION
from .domain.compensation import stream_id as compensation_stream
from .domain.money import rate_in_whole_kronor
from .domain.payment_run import (PaymentRunState, PreparePaymentRun, RunItem, PAYMENT_RUN)
from .domain.payment_run import stream_id as run_stream
from .domain.rates import RATES, table
from .domain.rates import stream_id as rates_stream
from .domain.rate_table import RateTable
from .domain.tax import YearToDate

log = logging.getLogger(__name__)

DEFAULT_JOB_QUEUE = "payments.jobs"
YTD_LOCK = 7_400_100  # advisory lock class: one volunteer's year-to-date in one municipality
MAX_ATTEMPTS = 5  # a job failing this often with an unexpected error is marked failed (operators see it)


class RunBusy(Exception):
    """A phase of this run is already under way."""


# --- the work queue ------------------------------------------------------------------------------------------

def job_queue_name() -> str:
    return os.environ.get("PAYMENTS_JOB_QUEUE", DEFAULT_JOB_QUEUE)


def job_queue() -> Queue:
    """Durable, on the default exchange; messages are persistent (delivery_mode 2)."""
    name = job_queue_name()
    return Queue(name, exchange=Exchange(""), routing_key=name, durable=True, auto_delete=False)


class JobQueue:
    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri

    def declare(self) -> None:
        with Connection(self.amqp_uri, connect_timeout=10) as connection:
            job_queue()(connection.default_channel).declare()

    def publish(self, job_ids: Iterable[int]) -> int:
        """Publish after the jobs' transaction committed. A message lost here is published again by a worker's
        sweep (requeue_stale), so jobs are never stranded."""
        count = 0
        with Connection(self.amqp_uri, connect_timeout=10) as connection:
            producer = connection.Producer(serializer="json")
            queue = job_queue()
            for job_id in job_ids:
                producer.publish({"job_id": job_id}, exchange="", routing_key=queue.routing_key, delivery_mode=2,
                                 declare=[queue] if count == 0 else [], retry=True)
                count += 1
        return count


# --- the plan's terms ----------------------------------------------------------------------------------------

def terms_of(assignment: dict, rates: RateTable, month: str):
    """The genomförandeplan's compensation terms as payments' Terms (schemas.terms validates them).

    The assignments service publishes plan.arvode {basis, category, percent, monthly_ore} and plan.omkostnad
    {level, receipts_allowed}. Read as: kontaktperson arvode `percent` % of PBB/12 within the category's band;
    omkostnad `level` 1-3 is the rate table's kontaktperson.omkostnad.level_N in force that month; skkp arvode
    `monthly_ore`, omkostnad `plan.omkostnad.monthly_ore` when given, else the level's monthly amount;
    kontaktfamilj needs the child's birth date, published in AssignmentStarted's `client_birth_dates` (for a pair
    of siblings the first child's is used). A plan that carries `terms` (schemas.TermsBody) is used as is.
    """
    plan = assignment["plan"]
    kind = assignment["kind"]
    if plan.get("terms"):
        return schemas.terms({"kind": kind, **plan["terms"]})
    arvode, omkostnad = plan.get("arvode") or {}, plan.get("omkostnad") or {}
    on = month_start(month)
    body: dict[str, Any] = {"kind": kind, "expenses_allowed": bool(omkostnad.get("receipts_allowed"))}
    level = omkostnad.get("level")
    level_percent = rates.value(f"kontaktperson.omkostnad.level_{level}", on) if level in (1, 2, 3) else None
    if kind == "kontaktperson":
        body.update(category=arvode.get("category"),
                    arvode_percent=None if arvode.get("percent") is None else str(arvode["percent"]),
                    omkostnad_percent=None if level_percent is None else str(level_percent))
    elif kind == "kontaktfamilj":
        birth = assignment.get("client_birth_date")
        body.update(client_birth_date=birth.isoformat() if isinstance(birth, date) else birth)
    else:
        monthly = omkostnad.get("monthly_ore")
        if monthly is None and level_percent is not None:
            monthly = rate_in_whole_kronor(rates.value("prisbasbelopp", on) * level_percent / 100 / 12)
        body.update(arvode_ore=arvode.get("monthly_ore"), omkostnad_ore=monthly)
    return schemas.terms(body)


def rates_of(kernel, conn, municipality: str) -> RateTable:
    return table(RATES.fold(kernel.store.load(conn, rates_stream(municipality))))


class _RatesCache:
    """A municipality's rate table, folded again only when its stream has moved."""

    def __init__(self):
        self._tables: dict[tuple[str, str], tuple[int, RateTable]] = {}

    def get(self, kernel, conn, municipality: str) -> tuple[tuple, RateTable]:
        """(a key naming this version of the table, the table)."""
        key = (kernel.spec.name, municipality)
        version = kernel.store.version(conn, rates_stream(municipality))
        cached = self._tables.get(key)
        if cached is None or cached[0] != version:
            cached = (version, rates_of(kernel, conn, municipality))
            self._tables[key] = cached
        return (*key, version), cached[1]


_rates_cache = _RatesCache()


# --- starting a phase (the service, in the caller's transaction) ---------------------------------------------

def _chunks(items: list[dict], size: int) -> list[list[dict]]:
    """Items grouped into jobs of about `size`, never splitting one volunteer's items."""
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
    months = read.reports.months_to_calculate(conn, municipality, period)
    batch_id, job_ids = _new_batch(conn, run_stream(municipality, period), municipality, period, "calculate",
                                   by, on, months, job_size)
    return {"batch_id": batch_id, "job_ids": job_ids, "months": len(months)}


def start_issuing(conn, run_id: str, municipality: str, period: str, by: str, on: date,
                  job_size: int = 25) -> dict:
    """Phase 2, after PaymentRunApproved in the same transaction: the jobs that pay each unpaid item."""
    rows = conn.execute(
        "SELECT i.compensation_id, i.assignment_id, i.volunteer_id, i.month FROM pay_run_items i "
        "JOIN pay_compensations c USING (compensation_id) WHERE i.run_id = %s AND c.paid_run_id IS NULL "
        "ORDER BY i.volunteer_id, i.month, i.compensation_id", (run_id,)).fetchall()
    items = [{"compensation_id": r[0], "assignment_id": r[1], "volunteer_id": r[2], "month": r[3]} for r in rows]
    if not items:
        return {"batch_id": None, "job_ids": [], "items": 0}
    batch_id, job_ids = _new_batch(conn, run_id, municipality, period, "issue", by, on, items, job_size)
    return {"batch_id": batch_id, "job_ids": job_ids, "items": len(items)}


# --- doing a job (a worker) ----------------------------------------------------------------------------------

class RunCache:
    """An approved run's items by compensation id, kept per process: a run of 100,000 items is folded once per
    worker, not once per job. Keyed by the run stream's version, so a change is seen at once."""

    def __init__(self):
        self._runs: dict[str, tuple[int, PaymentRunState, dict[str, RunItem]]] = {}

    def get(self, kernel, conn, run_id: str) -> tuple[PaymentRunState, dict[str, RunItem]]:
        version = kernel.store.version(conn, run_id)
        cached = self._runs.get(run_id)
        if cached is None or cached[0] != version:
            state = PAYMENT_RUN.fold(kernel.store.load(conn, run_id))
            cached = (version, state, {item.compensation_id: item for item in state.items})
            if len(self._runs) > 8:
                self._runs.clear()
            self._runs[run_id] = cached
        return cached[1], cached[2]


def _problem(item: dict, problems: Iterable[Problem]) -> dict:
    return {**{k: item[k] for k in ("assignment_id", "month", "volunteer_id", "compensation_id") if k in item},
            "problems": [{"message": p.message, "field": p.field, "code": p.code} for p in problems]}


class _JobContext:
    """What a calculation job reads once for all its items: the assignments, the volunteers' tax profiles and
    their year-to-date. The job holds every one of its volunteers' advisory locks, so nobody else changes a
    year-to-date meanwhile: it is carried forward in memory from each compensation the job calculates."""

    def __init__(self, conn, municipality: str, year: int, items: list[dict]):
        self.year = year
        volunteers = sorted({item["volunteer_id"] for item in items})
        self.assignments = read.assignments.assignments(conn, [item["assignment_id"] for item in items])
        self.profiles = read.tax_details.tax_profiles(conn, municipality, volunteers)
        self.ytd = read.compensations.years_to_date(conn, municipality, volunteers, year)

    def carry_forward(self, volunteer_id: str, data: dict) -> None:
        before = self.ytd[volunteer_id]
        taxable = sum(line["amount_ore"] for line in data["lines"] if line["taxable"])
        deferred = sum(line["employer_contributions_deferred_ore"] for line in data["lines"])
        self.ytd[volunteer_id] = YearToDate(before.year, before.taxable_ore + taxable,
                                            before.deferred_contributions_ore + deferred
                                            - data["employer_contributions_catch_up_ore"])


_terms_cache: dict[tuple, Any] = {}


def _terms(assignment: dict, rates: RateTable, rates_key: tuple, month: str):
    """terms_of, remembered for plans alike (most assignments share a handful of plans)."""
    key = (assignment["kind"], json.dumps(assignment["plan"], sort_keys=True), str(assignment["client_birth_date"]),
           month, rates_key)
    if key not in _terms_cache:
        if len(_terms_cache) > 10_000:
            _terms_cache.clear()
        _terms_cache[key] = terms_of(assignment, rates, month)
    return _terms_cache[key]


def _calculate(kernel, conn, batch: dict, item: dict, rates: tuple[tuple, RateTable],
               context: _JobContext) -> dict | None:
    rates_key, rates = rates
    municipality, period = batch["municipality"], batch["period"]
    assignment = context.assignments.get(item["assignment_id"])
    if assignment is None:
        return _problem(item, [Problem("the assignment's start has not reached payments", "assignment_id",
                                       "assignment_unknown")])
    try:
        terms = _terms(assignment, rates, rates_key, item["month"])
    except ValidationError as error:
        return _problem(item, [Problem(f"the plan's terms: {field} {', '.join(map(str, messages))}",
                                       f"terms.{field}", "terms_invalid")
                               for field, messages in sorted(error.messages.items())])
    profile = context.profiles.get(item["volunteer_id"])
    if profile is None:
        return _problem(item, [Problem("no tax details are recorded for the volunteer", "volunteer_id",
                                       "tax_details_missing")])
    command = CalculateCompensation(municipality, item["assignment_id"], item["month"], period, terms, profile,
                                    context.ytd[item["volunteer_id"]], rates)
    metadata = Metadata(municipality=municipality, actor=batch["requested_by"])
    for attempt in range(3):
        try:
            events = kernel.execute(COMPENSATION, compensation_stream(item["assignment_id"], item["month"]),
                                    command, metadata, conn=conn)
        except CommandRefused as refused:
            return _problem(item, refused.problems)
        except ConcurrencyError:  # a report approved again meanwhile: decide on the newer state
            if attempt == 2:
                return _problem(item, [Problem("the month kept changing while it was calculated", "month",
                                               "conflict")])
            continue
        for event in events:
            context.carry_forward(item["volunteer_id"], event.data)
        return None
    return None


def _issue(kernel, conn, batch: dict, item: dict, runs: RunCache) -> dict | None:
    run_state, index = runs.get(kernel, conn, batch["run_id"])
    listed = index.get(item["compensation_id"])
    if listed is None:
        return _problem(item, [Problem("the payment run does not list this compensation", "compensation_id",
                                       "not_in_run")])
    # The run's state as the decider needs it for this one compensation (status, municipality, the listing).
    view = replace(run_state, items=(listed,))
    command = IssuePayment(batch["municipality"], item["assignment_id"], item["month"], item["compensation_id"],
                           view, batch["requested_on"], by=batch["requested_by"])
    try:
        kernel.execute(COMPENSATION, compensation_stream(item["assignment_id"], item["month"]), command,
                       Metadata(municipality=batch["municipality"], actor=batch["requested_by"]), conn=conn)
    except CommandRefused as refused:
        return _problem(item, refused.problems)
    return None


def process_job(kernel, job_id: int, worker: str = "", runs: RunCache | None = None) -> str:
    """Do one job in one transaction. Returns "done", "skipped" (done before: a redelivery) or "missing"."""
    runs = runs or RunCache()
    with kernel.connection() as conn:
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(
                    "SELECT j.items, j.status, b.batch_id, b.run_id, b.municipality, b.period, b.phase, "
                    "b.requested_by, b.requested_on FROM pay_jobs j JOIN pay_batches b USING (batch_id) "
                    "WHERE j.job_id = %s FOR UPDATE OF j", (job_id,)).fetchone()
            if row is None:
                return "missing"
            batch_id = row["batch_id"]
            if row["status"] != "queued":
                outcome = "skipped"
            else:
                problems = []
                if row["phase"] == "calculate":
                    for volunteer in sorted({item["volunteer_id"] for item in row["items"]}):
                        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                                     (YTD_LOCK, f"{row['municipality']}:{volunteer}"))
                    rates = _rates_cache.get(kernel, conn, row["municipality"])
                    context = _JobContext(conn, row["municipality"], int(row["period"][:4]), row["items"])
                    for item in row["items"]:
                        problem = _calculate(kernel, conn, row, item, rates, context)
                        if problem:
                            problems.append(problem)
                else:
                    for item in row["items"]:
                        problem = _issue(kernel, conn, row, item, runs)
                        if problem:
                            problems.append(problem)
                conn.execute("UPDATE pay_jobs SET status = 'done', done_count = %s, problems = %s, worker = %s, "
                             "done_at = now() WHERE job_id = %s",
                             (len(row["items"]) - len(problems), Jsonb(problems), worker, job_id))
                outcome = "done"
    finish_batch_if_done(kernel, batch_id)
    return outcome


def record_failure(kernel, job_id: int, error: BaseException, max_attempts: int = MAX_ATTEMPTS) -> bool:
    """Count an unexpected failure of a job; True when it has failed too often and is given up (status failed).
    Only the error's type is kept: its text may quote data."""
    with kernel.connection() as conn:
        row = conn.execute(
            "UPDATE pay_jobs SET attempts = attempts + 1, error = %s, "
            "status = CASE WHEN attempts + 1 >= %s THEN 'failed' ELSE status END "
            "WHERE job_id = %s AND status = 'queued' RETURNING status, batch_id",
            (type(error).__name__, max_attempts, job_id)).fetchone()
    if row is not None and row[0] == "failed":
        finish_batch_if_done(kernel, row[1])
        return True
    return row is None


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
                outcome.update(prepare_run(kernel, conn, batch))
            conn.execute("UPDATE pay_batches SET status = 'done', finished_at = now(), outcome = %s "
                         "WHERE batch_id = %s", (Jsonb(outcome), batch_id))
    return True


def prepare_run(kernel, conn, batch: dict) -> dict:
    municipality, period = batch["municipality"], batch["period"]
    items = read.compensations.unpaid_items(conn, municipality, period)
    command = PreparePaymentRun(municipality, period, batch["requested_by"], items, batch["requested_on"])
    try:
        events = kernel.execute(PAYMENT_RUN, run_stream(municipality, period), command,
                                Metadata(municipality=municipality, actor=batch["requested_by"]), conn=conn)
    except CommandRefused as refused:
        return {"prepared": False, "problems": [{"message": p.message, "field": p.field, "code": p.code}
                                                for p in refused.problems]}
    data = events[0].data
    return {"prepared": True, "preparation": data["preparation"], "item_count": data["item_count"],
            "total_payout_ore": data["total_payout_ore"]}


# --- sweeping (a worker, when idle) --------------------------------------------------------------------------

def sweep(kernel, stale_after_seconds: float) -> list[int]:
    """Finish phases whose last job's worker died before finishing them, and take back jobs whose message was
    lost (queued, published longer ago than `stale_after_seconds`): returns those job ids to publish again."""
    with kernel.connection() as conn:
        idle = [row[0] for row in conn.execute(
            "SELECT batch_id FROM pay_batches b WHERE status = 'running' AND NOT EXISTS "
            "(SELECT 1 FROM pay_jobs j WHERE j.batch_id = b.batch_id AND j.status = 'queued')")]
    for batch_id in idle:
        finish_batch_if_done(kernel, batch_id)
    with kernel.connection() as conn:
        return [row[0] for row in conn.execute(
            "UPDATE pay_jobs SET published_at = now() WHERE job_id IN (SELECT job_id FROM pay_jobs "
            "WHERE status = 'queued' AND published_at < now() - make_interval(secs => %s) "
            "ORDER BY job_id LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING job_id", (stale_after_seconds,))]


# --- reading a run's progress --------------------------------------------------------------------------------

def batches(conn, run_id: str) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT b.batch_id, b.phase, b.status, b.requested_by, b.requested_on, b.item_count, b.job_count, "
            "b.outcome, b.created_at, b.finished_at, "
            "count(*) FILTER (WHERE j.status = 'done') AS jobs_done, "
            "count(*) FILTER (WHERE j.status = 'failed') AS jobs_failed, "
            "coalesce(sum(j.done_count), 0) AS items_done "
            "FROM pay_batches b LEFT JOIN pay_jobs j USING (batch_id) WHERE b.run_id = %s "
            "GROUP BY b.batch_id ORDER BY b.batch_id", (run_id,)).fetchall()
        for row in rows:
            row["problems"] = [p for (p,) in conn.execute(
                "SELECT jsonb_array_elements(problems) FROM pay_jobs WHERE batch_id = %s ORDER BY job_id LIMIT 100",
                (row["batch_id"],))]
            row["items_done"] = int(row["items_done"])
            for key in ("requested_on", "created_at", "finished_at"):
                row[key] = row[key].isoformat() if row[key] else None
    return rows
