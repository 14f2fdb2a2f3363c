"""The applicants service under nameko: each RPC calls one use case of app.py, with the kernel and the caller.

    nameko run --config … services.applicants.service

Who may call what, and the rules each call follows, are in app.py. registry_checks' events come in through the
kernel's inbox (`receive_registry_checks_events`), which feeds the projection.
"""
from __future__ import annotations

from nameko.rpc import rpc

from services.common.adapters import CallerProvider, KernelProvider, inbox_receiver, reports_problems

from . import app
from .spec import SPEC


class ApplicantsService:
    name = SPEC.name

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()

    receive_registry_checks_events = inbox_receiver("registry_checks")

    @rpc
    @reports_problems
    def register(self, body):
        return app.register_applicant(self.kernel, self.caller, body)

    @rpc
    @reports_problems
    def list_applicants(self, municipality=None, status=None, role=None, q=None, page=1, page_size=50):
        return app.list_applicants(self.kernel, self.caller, municipality, status=status, role=role, q=q,
                                   page=page, page_size=page_size)

    @rpc
    @reports_problems
    def get_applicant(self, applicant_id):
        return app.get_applicant(self.kernel, self.caller, applicant_id)

    @rpc
    @reports_problems
    def record_interview(self, applicant_id, body):
        return app.record_interview(self.kernel, self.caller, applicant_id, body)

    @rpc
    @reports_problems
    def record_reference(self, applicant_id, body):
        return app.record_reference(self.kernel, self.caller, applicant_id, body)

    @rpc
    @reports_problems
    def approve(self, applicant_id, body):
        return app.approve_applicant(self.kernel, self.caller, applicant_id, body)

    @rpc
    @reports_problems
    def reject(self, applicant_id, body):
        return app.reject_applicant(self.kernel, self.caller, applicant_id, body)

    @rpc
    @reports_problems
    def withdraw(self, applicant_id, body):
        return app.withdraw_applicant(self.kernel, self.caller, applicant_id, body)

    @rpc
    @reports_problems
    def change_availability(self, applicant_id, body):
        return app.change_availability(self.kernel, self.caller, applicant_id, body)

    @rpc
    @reports_problems
    def give_regional_consent(self, applicant_id):
        return app.give_regional_consent(self.kernel, self.caller, applicant_id)

    @rpc
    @reports_problems
    def withdraw_regional_consent(self, applicant_id):
        return app.withdraw_regional_consent(self.kernel, self.caller, applicant_id)

    @rpc
    @reports_problems
    def health(self):
        return app.health(self.kernel)
