"""The payments service under nameko: RPC in, commands to the deciders, answers from the projections; the work of
a payment run goes to the `payments.jobs` queue, which worker processes (worker.py) take.

    nameko run --config … services.payments.service        (RPC and the assignments inbox; one or more)
    python -m services.payments.worker                      (payment-run jobs; as many as the work needs)

Who may do what (the gateway checks the token; this checks again, on every call, against the municipality the
thing belongs to, so that another municipality's data is "not found"):
- rates: admin publishes; admin, finance, case_worker and auditor read;
- monthly reports: the responsible case worker approves (the decider checks it is that case worker); case
  workers see what is pending;
- runs: finance prepares, another finance person approves (four eyes, in the decider); finance and auditors read
  the status and the exports;
- tax details: finance (every change is an event with who and why);
- my_payments: the volunteer, their own only (the token's subject is the volunteer id).
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.common.adapters import (CallerProvider, KernelProvider, ServiceProblem, body_of, inbox_receiver,
                                      reports_problems)
from services.common.config import env_int
from services.common.decider import NotFound
from services.common.envelope import Metadata

from . import read, runs, schemas
from .domain import exports
from .domain.compensation import ApproveReport, COMPENSATION, meeting_from_data
from .domain.compensation import stream_id as compensation_stream
from .domain.payment_run import PAYMENT_RUN
from .domain.payment_run import stream_id as run_stream
from .domain.rates import RATES
from .domain.rates import stream_id as rates_stream
from .domain.rate_table import skr_defaults
from .runs import JobQueue, RunBusy
from .spec import SPEC
from .domain.tax_details import TAX_DETAILS, SetTaxDetails
from .domain.tax_details import stream_id as tax_details_stream

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ADMIN, FINANCE, CASE_WORKER, AUDITOR, VOLUNTEER = "admin", "finance", "case_worker", "auditor", "volunteer"
RUN_ID = re.compile(r"^paymentrun-(\d{4})-(\d{4}-(0[1-9]|1[0-2]))$")


def today() -> date:
    return datetime.now(STOCKHOLM).date()


def volunteer_key(actor: str) -> str:
    """The volunteer as the assignments' events name them ("applicant-<uuid>"): a token's `sub` may be the bare
    applicant id or the prefixed one; any other shape is compared as it is."""
    text = actor.strip().lower().removeprefix("applicant-")
    try:
        return f"applicant-{uuid.UUID(text)}"
    except ValueError:
        return actor


class JobQueueProvider(DependencyProvider):
    """The work queue the runs' jobs are published to, on the container's broker."""

    def setup(self):
        self.queue = JobQueue(self.container.config["AMQP_URI"])
        self.queue.declare()

    def get_dependency(self, worker_ctx):
        return self.queue


def _run_of(run_id) -> tuple[str, str]:
    match = RUN_ID.match(run_id) if isinstance(run_id, str) else None
    if not match:
        raise NotFound("no such run")
    return match.group(1), match.group(2)


class PaymentsService:
    name = "payments"

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()
    jobs = JobQueueProvider()

    receive_assignments_events = inbox_receiver("assignments")

    # --- rates (admin) -----------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def publish_rates(self, municipality, body):
        """RatesPublished: `body` is a PublishRatesBody {effective_from, rates: [{key, value}], reason}.
        Returns rates(municipality)."""
        self.caller.require(municipality, ADMIN)
        command = schemas.publish_rates(body_of(body), municipality=municipality, by=self.caller.actor)
        self.kernel.execute(RATES, rates_stream(municipality), command,
                            Metadata(municipality=municipality, actor=self.caller.actor))
        return self._rates(municipality)

    @rpc
    @reports_problems
    def rates(self, municipality):
        """{"municipality", "on", "rates": [{key, value, unit, effective_from, source, carried_forward}],
        "changes": [{key, effective_from, value, unit, reason, published_by, published_at}]}"""
        self.caller.require(municipality, ADMIN, FINANCE, CASE_WORKER, AUDITOR)
        return self._rates(municipality)

    def _rates(self, municipality: str) -> dict:
        on = today()
        with self.kernel.connection() as conn:
            rates = runs.rates_of(self.kernel, conn, municipality)
            changes = read.rates.rate_changes(conn, municipality)
        in_force = []
        for key in sorted(skr_defaults().keys):
            try:
                found = rates.lookup(key, on)
            except KeyError:
                continue
            in_force.append({**found.to_data(), "unit": rates.keys[key].unit})
        return {"municipality": municipality, "on": on.isoformat(), "rates": in_force, "changes": changes}

    # --- monthly reports (case workers) -------------------------------------------------------------------------

    @rpc
    @reports_problems
    def report(self, assignment_id, month):
        """The month's närvarorapport: {"assignment_id", "month", "status": pending|approved, "meetings": [...],
        "approved_revision", "approved_by", "approved_on", "changed_since_approval"}. Each meeting's
        "meeting_id" is the id to approve (its latest version); "logged_meeting_id" is the assignments' id."""
        found = self._assignment(assignment_id, CASE_WORKER, FINANCE, AUDITOR, volunteer_reads=True)
        with self.kernel.connection() as conn:
            return read.reports.report(conn, found["assignment_id"], month)

    @rpc
    @reports_problems
    def pending_reports(self, municipality):
        """Months with meetings not approved as they stand, for the case workers of the municipality."""
        self.caller.require(municipality, CASE_WORKER, FINANCE, AUDITOR)
        with self.kernel.connection() as conn:
            return read.reports.pending_reports(conn, municipality=municipality, today=today())

    @rpc
    @reports_problems
    def approve_report(self, assignment_id, body):
        """ReportApproved by the assignment's responsible case worker. `body`: {"month", "meeting_ids"}, the ids
        shown in report(); refused as a conflict when the month's meetings are no longer exactly those.
        Returns report(assignment_id, month)."""
        found = self._assignment(assignment_id, CASE_WORKER)
        data = schemas.ApproveReportBody().load(body_of(body))
        key, month = found["assignment_id"], data["month"]
        with self.kernel.connection() as conn:
            meetings = read.meetings.month_meetings(conn, key, month)
        if sorted(set(data["meeting_ids"])) != sorted(m["meeting_id"] for m in meetings):
            raise ServiceProblem("conflict", "the month's meetings have changed: show the report again", [
                {"message": "the meetings are no longer the ones shown", "field": "meeting_ids",
                 "code": "report_changed"}])
        command = ApproveReport(found["municipality"], key, month, self.caller.actor, found["case_worker_id"],
                                found["volunteer_id"], found["kind"],
                                tuple(meeting_from_data(m) for m in meetings), today())
        self.kernel.execute(COMPENSATION, compensation_stream(key, month), command,
                            Metadata(municipality=found["municipality"], actor=self.caller.actor))
        with self.kernel.connection() as conn:
            return read.reports.report(conn, key, month)

    # --- payment runs (finance) ---------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def prepare_run(self, municipality, period):
        """Calculate every approved, not yet calculated month up to `period` (jobs for the workers), then
        PaymentRunPrepared with every calculated, unpaid compensation. Returns run_status at once; the run is
        prepared when the phase "calculate" is done (poll run_status)."""
        self.caller.require(municipality, FINANCE)
        schemas.PreparePaymentRunBody().load({"period": period})
        try:
            with self.kernel.connection() as conn:
                with conn.transaction():
                    started = runs.start_calculation(self.kernel, conn, municipality, period, self.caller.actor,
                                                     today(), job_size=env_int("PAYMENTS_JOB_SIZE", 25))
        except RunBusy:
            raise ServiceProblem("conflict", "a phase of this run is under way: wait for it (run_status)")
        if started["job_ids"]:
            self.jobs.publish(started["job_ids"])
        else:
            runs.finish_batch_if_done(self.kernel, started["batch_id"])  # nothing to calculate: prepare now
        return self._run_status(municipality, period)

    @rpc
    @reports_problems
    def approve_run(self, municipality, period, body=None):
        """PaymentRunApproved by a finance person other than the preparer, then PaymentIssued for every item
        (jobs for the workers). `body`: {"preparation"}, the preparation reviewed. Calling it again after an
        approval resumes paying whatever is still unpaid. Returns run_status."""
        self.caller.require(municipality, FINANCE)
        command = schemas.approve_payment_run(body_of(body), municipality=municipality, period=period,
                                              by=self.caller.actor, approved_on=today())
        run_id = run_stream(municipality, period)
        try:
            with self.kernel.connection() as conn:
                with conn.transaction():
                    self.kernel.execute(PAYMENT_RUN, run_id, command,
                                        Metadata(municipality=municipality, actor=self.caller.actor), conn=conn)
                    started = runs.start_issuing(conn, run_id, municipality, period, self.caller.actor, today(),
                                                 job_size=env_int("PAYMENTS_JOB_SIZE", 25))
        except RunBusy:  # the transaction was rolled back: nothing was approved by this call
            with self.kernel.connection() as conn:
                found = read.runs.run(conn, run_id)
            if found is None or found["status"] != "approved":
                raise ServiceProblem("conflict", "the run is being prepared: approve it when that is done")
            return self._run_status(municipality, period)  # a retried approval while paying: nothing to add
        if started["job_ids"]:
            self.jobs.publish(started["job_ids"])
        return self._run_status(municipality, period)

    @rpc
    @reports_problems
    def run_status(self, run_id):
        """{"run_id", "municipality", "period", "run": {status, preparation, prepared_by, approved_by, item_count,
        total_payout_ore, paid_count, paid_payout_ore, complete} or None, "phases": [{phase, status, item_count,
        job_count, jobs_done, jobs_failed, items_done, outcome, problems}]}"""
        municipality, period = _run_of(run_id)
        self.caller.require(municipality, FINANCE, AUDITOR)
        return self._run_status(municipality, period)

    @rpc
    @reports_problems
    def runs(self, municipality):
        self.caller.require(municipality, FINANCE, AUDITOR)
        with self.kernel.connection() as conn:
            return read.runs.runs(conn, municipality)

    def _run_status(self, municipality: str, period: str) -> dict:
        run_id = run_stream(municipality, period)
        with self.kernel.connection() as conn:
            return {"run_id": run_id, "municipality": municipality, "period": period,
                    "run": read.runs.run(conn, run_id), "phases": runs.batches(conn, run_id)}

    @rpc
    @reports_problems
    def payroll_csv(self, run_id):
        """The payroll file of what the run paid: {"filename", "content_type", "content", "rows"}. One row per
        person and pay type (exports.PAYROLL_COLUMNS), with the personnummer from the tax details."""
        municipality, period = _run_of(run_id)
        self.caller.require(municipality, FINANCE)
        with self.kernel.connection() as conn:
            paid = read.compensations.paid_in_run(conn, run_id)
            rows = exports.payroll_rows(period, paid)
            personnummer = read.tax_details.payroll_personnummer(conn, municipality, {row.person_id for row in rows})
        return {"filename": f"lon-{municipality}-{period}.csv", "content_type": "text/csv; charset=utf-8",
                "content": exports.payroll_csv(rows, personnummer), "rows": len(rows)}

    @rpc
    @reports_problems
    def summary_csv(self, run_id):
        """Per assignment: months, compensations, adjustments and totals of what the run paid."""
        municipality, period = _run_of(run_id)
        self.caller.require(municipality, FINANCE, AUDITOR)
        with self.kernel.connection() as conn:
            summaries = exports.assignment_summary(read.compensations.paid_in_run(conn, run_id))
        return {"filename": f"sammanstallning-{municipality}-{period}.csv", "content_type": "text/csv; charset=utf-8",
                "content": exports.summary_csv(summaries), "rows": len(summaries)}

    # --- the volunteer --------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def my_payments(self):
        """What I was paid and why: {"volunteer_id", "payments": [{compensation_id, month, status paid|calculated,
        paid_on, lines, totals, basis, tax, ...}], "pending_reports": [{assignment_id, month, meetings, ...}],
        "paid_total_ore"}."""
        caller = self.caller
        if caller.system or VOLUNTEER not in caller.roles or not caller.actor:
            raise ServiceProblem("forbidden", "only a volunteer has payments of their own")
        volunteer_id = volunteer_key(caller.actor)
        with self.kernel.connection() as conn:
            payments = read.compensations.volunteer_payments(conn, volunteer_id)
            pending = read.reports.pending_reports(conn, volunteer_id=volunteer_id, today=today())
        for row in pending:
            row.pop("case_worker_id", None)
        return {"volunteer_id": volunteer_id, "payments": payments, "pending_reports": pending,
                "paid_total_ore": sum(p["totals"]["payout_ore"] for p in payments if p["status"] == "paid")}

    # --- tax details (finance) ------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def set_tax_details(self, volunteer_id, body):
        """TaxDetailsChanged: `body` is SetTaxDetailsBody {municipality, personnummer (the first time),
        withholding_basis, withholding_percent, bank_account, reason}. Returns tax_details (masked)."""
        data = schemas.SetTaxDetailsBody().load(body_of(body))
        municipality = data["municipality"]
        self.caller.require(municipality, FINANCE)
        if not isinstance(volunteer_id, str) or not volunteer_id.strip():
            raise ValidationError({"volunteer_id": ["required"]})
        command = SetTaxDetails(municipality, volunteer_id, self.caller.actor, today(), data["reason"],
                                data["withholding_basis"], data["withholding_percent"], data["personnummer"],
                                data["bank_account"])
        self.kernel.execute(TAX_DETAILS, tax_details_stream(municipality, volunteer_id), command,
                            Metadata(municipality=municipality, actor=self.caller.actor))
        return self._tax_details(municipality, volunteer_id)

    @rpc
    @reports_problems
    def tax_details(self, municipality, volunteer_id):
        self.caller.require(municipality, FINANCE)
        return self._tax_details(municipality, volunteer_id)

    def _tax_details(self, municipality: str, volunteer_id: str) -> dict:
        return self.kernel.find(volunteer_id, lambda conn, v: read.tax_details.tax_details(conn, municipality, v),
                                "tax details")

    # --- operations -----------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def health(self):
        with self.kernel.connection() as conn:
            conn.execute("SELECT 1").fetchone()
            queued = conn.execute("SELECT count(*) FROM pay_jobs WHERE status = 'queued'").fetchone()[0]
        return {"database": True, "queued_jobs": queued}

    # --- helpers --------------------------------------------------------------------------------------------------

    def _assignment(self, assignment_id, *roles: str, volunteer_reads: bool = False) -> dict:
        """The assignment as payments knows it, if the caller may act on it with one of `roles` (or, with
        `volunteer_reads`, is its volunteer); else not found (or forbidden)."""
        found = self.kernel.find(read.assignments.assignment_key(assignment_id), read.assignments.assignment, "assignment")
        caller = self.caller
        if volunteer_reads and not caller.system and VOLUNTEER in caller.roles \
                and caller.actor == found["volunteer_id"]:
            return found  # a volunteer reads their own assignment's report, whichever municipality it is in
        caller.require(found["municipality"], *roles)
        return found
