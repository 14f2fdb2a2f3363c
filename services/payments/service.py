"""The payments service under nameko: each RPC calls one use case in app/; the work of a payment run goes to the
`payments.jobs` queue (job_queue.py), which worker processes (worker.py) take.

    nameko run --config … services.payments.service        (RPC and the assignments inbox; one or more)
    python -m services.payments.worker                      (payment-run jobs; as many as the work needs)

Who may do what (the gateway checks the token; the use cases check again, on every call, against the municipality
the thing belongs to, so that another municipality's data is "not found"):
- rates: admin publishes; admin, finance, case_worker and auditor read;
- monthly reports: the responsible case worker approves (the decider checks it is that case worker); case
  workers see what is pending;
- runs: finance prepares, another finance person approves (four eyes, in the decider); finance and auditors read
  the status and the exports;
- tax details: finance (every change is an event with who and why);
- individual decisions (förhöjt arvode, omkostnad above SKR's level): a case worker or admin decides; case
  workers, admins, finance and auditors read them;
- my_payments: the volunteer, their own only (the token's subject is the volunteer id).
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.common.adapters import CallerProvider, KernelProvider, inbox_receiver, reports_problems

from . import app
from .job_queue import JobQueue
from .spec import SPEC


class JobQueueProvider(DependencyProvider):
    """The work queue the runs' jobs are published to, on the container's broker."""

    def setup(self):
        self.queue = JobQueue(self.container.config["AMQP_URI"])
        self.queue.declare()

    def get_dependency(self, worker_ctx):
        return self.queue


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
        return app.rates.publish_rates(self.kernel, self.caller, municipality, body)

    @rpc
    @reports_problems
    def rates(self, municipality):
        return app.rates.rates(self.kernel, self.caller, municipality)

    # --- monthly reports (case workers) -------------------------------------------------------------------------

    @rpc
    @reports_problems
    def report(self, assignment_id, month):
        return app.reports.report(self.kernel, self.caller, assignment_id, month)

    @rpc
    @reports_problems
    def pending_reports(self, municipality):
        return app.reports.pending_reports(self.kernel, self.caller, municipality)

    @rpc
    @reports_problems
    def approve_report(self, assignment_id, body):
        return app.reports.approve_report(self.kernel, self.caller, assignment_id, body)

    # --- payment runs (finance) ---------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def prepare_run(self, municipality, period):
        return app.runs.prepare_run(self.kernel, self.caller, self.jobs, municipality, period)

    @rpc
    @reports_problems
    def approve_run(self, municipality, period, body=None):
        return app.runs.approve_run(self.kernel, self.caller, self.jobs, municipality, period, body)

    @rpc
    @reports_problems
    def run_status(self, run_id):
        return app.runs.run_status(self.kernel, self.caller, run_id)

    @rpc
    @reports_problems
    def runs(self, municipality):
        return app.runs.runs(self.kernel, self.caller, municipality)

    @rpc
    @reports_problems
    def payroll_csv(self, run_id):
        return app.exports.payroll_csv(self.kernel, self.caller, run_id)

    @rpc
    @reports_problems
    def agi_csv(self, run_id):
        return app.exports.agi_csv(self.kernel, self.caller, run_id)

    @rpc
    @reports_problems
    def summary_csv(self, run_id):
        return app.exports.summary_csv(self.kernel, self.caller, run_id)

    # --- individual decisions (case workers, admins) --------------------------------------------------------------

    @rpc
    @reports_problems
    def decide_arvode_level(self, assignment_id, body):
        return app.decisions.decide_arvode_level(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def approve_omkostnad_excess(self, assignment_id, body):
        return app.decisions.approve_omkostnad_excess(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def decisions(self, assignment_id):
        return app.decisions.decisions(self.kernel, self.caller, assignment_id)

    # --- the volunteer --------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def my_payments(self):
        return app.volunteers.my_payments(self.kernel, self.caller)

    # --- tax details (finance) ------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def set_tax_details(self, volunteer_id, body):
        return app.tax_details.set_tax_details(self.kernel, self.caller, volunteer_id, body)

    @rpc
    @reports_problems
    def tax_details(self, municipality, volunteer_id):
        return app.tax_details.tax_details(self.kernel, self.caller, municipality, volunteer_id)

    # --- operations -----------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def health(self):
        return app.health.health(self.kernel)
