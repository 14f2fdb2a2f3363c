"""Payment runs: finance prepares a month's run and another finance person approves it (four eyes, in the
decider); the work of each phase goes to the workers as jobs (phases.py). Finance and auditors follow the run."""
from __future__ import annotations

import re

from services.common.config import env_int
from services.common.decider import NotFound
from services.common.envelope import Metadata
from services.common.problems import ServiceProblem
from services.common.roles import AUDITOR, FINANCE, Caller
from services.common.sweden import today
from services.common.validation import load_body

from ..domain.payment_run import PAYMENT_RUN, ApprovePaymentRun
from ..domain.payment_run import stream_id as run_stream
from ..read import runs as run_reads
from ..schemas import ApprovePaymentRunBody, PreparePaymentRunBody
from .phases import RunBusy, batches, finish_batch_if_done, start_calculation, start_issuing

RUN_ID = re.compile(r"^paymentrun-(\d{4})-(\d{4}-(0[1-9]|1[0-2]))$")


def job_size() -> int:
    return env_int("PAYMENTS_JOB_SIZE", 25)


def prepare_run(kernel, caller: Caller, jobs, municipality: str, period) -> dict:
    """Calculate every approved, not yet calculated month up to `period` (jobs for the workers), then
    PaymentRunPrepared with every calculated, unpaid compensation. Returns run_status at once; the run is
    prepared when the phase "calculate" is done (poll run_status)."""
    caller.require(municipality, FINANCE)
    load_body(PreparePaymentRunBody, {"period": period})
    try:
        with kernel.connection() as conn:
            with conn.transaction():
                started = start_calculation(kernel, conn, municipality, period, caller.actor, today(),
                                            job_size=job_size())
    except RunBusy:
        raise ServiceProblem("conflict", "a phase of this run is under way: wait for it (run_status)")
    if started["job_ids"]:
        jobs.publish(started["job_ids"])
    else:
        finish_batch_if_done(kernel, started["batch_id"])  # nothing to calculate: prepare now
    return _status(kernel, municipality, period)


def approve_run(kernel, caller: Caller, jobs, municipality: str, period, body=None) -> dict:
    """PaymentRunApproved by a finance person other than the preparer, then PaymentIssued for every item
    (jobs for the workers). `body`: {"preparation"}, the preparation reviewed. Calling it again after an
    approval resumes paying whatever is still unpaid. Returns run_status."""
    caller.require(municipality, FINANCE)
    fields = load_body(ApprovePaymentRunBody, body)
    command = ApprovePaymentRun(municipality, period, caller.actor, today(), fields["preparation"])
    run_id = run_stream(municipality, period)
    try:
        with kernel.connection() as conn:
            with conn.transaction():
                kernel.execute(PAYMENT_RUN, run_id, command, Metadata(municipality=municipality, actor=caller.actor),
                               conn=conn)
                started = start_issuing(conn, run_id, municipality, period, caller.actor, today(),
                                        job_size=job_size())
    except RunBusy:  # the transaction was rolled back: nothing was approved by this call
        with kernel.connection() as conn:
            found = run_reads.run(conn, run_id)
        if found is None or found["status"] != "approved":
            raise ServiceProblem("conflict", "the run is being prepared: approve it when that is done")
        return _status(kernel, municipality, period)  # a retried approval while paying: nothing to add
    if started["job_ids"]:
        jobs.publish(started["job_ids"])
    return _status(kernel, municipality, period)


def run_status(kernel, caller: Caller, run_id) -> dict:
    """{"run_id", "municipality", "period", "run": {status, preparation, prepared_by, approved_by, item_count,
    total_payout_ore, paid_count, paid_payout_ore, complete} or None, "phases": [{phase, status, item_count,
    job_count, jobs_done, jobs_failed, items_done, outcome, problems}]}"""
    municipality, period = run_of(run_id)
    caller.require(municipality, FINANCE, AUDITOR)
    return _status(kernel, municipality, period)


def runs(kernel, caller: Caller, municipality: str) -> list[dict]:
    caller.require(municipality, FINANCE, AUDITOR)
    with kernel.connection() as conn:
        return run_reads.runs(conn, municipality)


def run_of(run_id) -> tuple[str, str]:
    """(municipality, period) of "paymentrun-<kommunkod>-<YYYY-MM>"; NotFound for anything else."""
    match = RUN_ID.match(run_id) if isinstance(run_id, str) else None
    if not match:
        raise NotFound("no such run")
    return match.group(1), match.group(2)


def _status(kernel, municipality: str, period: str) -> dict:
    run_id = run_stream(municipality, period)
    with kernel.connection() as conn:
        return {"run_id": run_id, "municipality": municipality, "period": period,
                "run": run_reads.run(conn, run_id), "phases": batches(conn, run_id)}
