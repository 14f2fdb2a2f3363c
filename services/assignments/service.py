"""The assignments service under nameko: each RPC method calls one use case of app/, and applicants' and
registry_checks' events come in through the kernel's inbox (the matching pool, and app/reactions.py).

    nameko run --config … services.assignments.service
"""
from __future__ import annotations

from nameko.rpc import rpc

from services.common.adapters import CallerProvider, KernelProvider, inbox_receiver, reports_problems

from .app import matching, needs, reads, running, volunteers
from .spec import SPEC


class AssignmentsService:
    name = SPEC.name

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()

    receive_applicants_events = inbox_receiver("applicants")
    receive_registry_checks_events = inbox_receiver("registry_checks")

    # --- client needs ------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def register_need(self, municipality, body):
        return needs.register_need(self.kernel, self.caller, municipality, body)

    @rpc
    @reports_problems
    def get_need(self, need_id):
        return needs.get_need(self.kernel, self.caller, need_id)

    @rpc
    @reports_problems
    def list_needs(self, municipality, status=None, page=1, page_size=50):
        return needs.list_needs(self.kernel, self.caller, municipality, status, page, page_size)

    @rpc
    @reports_problems
    def close_need(self, need_id, body):
        return needs.close_need(self.kernel, self.caller, need_id, body)

    # --- matching and offers -----------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def candidates(self, need_id, limit=20):
        return matching.candidates(self.kernel, self.caller, need_id, limit)

    @rpc
    @reports_problems
    def offer(self, body):
        return matching.offer(self.kernel, self.caller, body)

    # --- the volunteer's own offers and assignments ------------------------------------------------------------

    @rpc
    @reports_problems
    def my_offers(self):
        return volunteers.my_offers(self.kernel, self.caller)

    @rpc
    @reports_problems
    def accept_offer(self, assignment_id):
        return volunteers.accept_offer(self.kernel, self.caller, assignment_id)

    @rpc
    @reports_problems
    def decline_offer(self, assignment_id, body=None):
        return volunteers.decline_offer(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def my_assignments(self):
        return volunteers.my_assignments(self.kernel, self.caller)

    @rpc
    @reports_problems
    def log_meeting(self, assignment_id, body):
        return volunteers.log_meeting(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def correct_meeting(self, assignment_id, meeting_id, body):
        return volunteers.correct_meeting(self.kernel, self.caller, assignment_id, meeting_id, body)

    @rpc
    @reports_problems
    def request_end(self, assignment_id, body=None):
        return volunteers.request_end(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def report_deviation(self, assignment_id, body):
        return volunteers.report_deviation(self.kernel, self.caller, assignment_id, body)

    # --- the running assignment --------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def start_assignment(self, assignment_id, body):
        return running.start_assignment(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def revise_plan(self, assignment_id, body):
        return running.revise_plan(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def record_supervision(self, assignment_id, body):
        return running.record_supervision(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def interrupt_assignment(self, assignment_id, body):
        return running.interrupt_assignment(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def resume_assignment(self, assignment_id, body):
        return running.resume_assignment(self.kernel, self.caller, assignment_id, body)

    @rpc
    @reports_problems
    def end_assignment(self, assignment_id, body):
        return running.end_assignment(self.kernel, self.caller, assignment_id, body)

    # --- reads -------------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def get_assignment(self, assignment_id):
        return reads.get_assignment(self.kernel, self.caller, assignment_id)

    @rpc
    @reports_problems
    def list_assignments(self, municipality, status=None, need_id=None, volunteer_id=None):
        return reads.list_assignments(self.kernel, self.caller, municipality, status, need_id, volunteer_id)

    @rpc
    @reports_problems
    def worklist(self, municipality, case_worker_id=None, notice_days=30):
        return reads.worklist(self.kernel, self.caller, municipality, case_worker_id, notice_days)

    @rpc
    @reports_problems
    def ivo_report(self, municipality):
        return reads.ivo_report(self.kernel, self.caller, municipality)

    @rpc
    @reports_problems
    def ivo_csv(self, municipality):
        return reads.ivo_csv(self.kernel, self.caller, municipality)

    @rpc
    @reports_problems
    def assignments_for_volunteer(self, applicant_id):
        return reads.assignments_for_volunteer(self.kernel, self.caller, applicant_id)

    @rpc
    @reports_problems
    def pool_status(self, applicant_id):
        return reads.pool_status(self.kernel, self.caller, applicant_id)

    @rpc
    @reports_problems
    def health(self):
        return reads.health(self.kernel)
