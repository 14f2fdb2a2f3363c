"""The running assignment, by the case workers of its municipality: start it under a genomförandeplan, revise the
plan, record supervision and follow-ups, interrupt and resume it, end it (or withdraw an offer not yet started)."""
from __future__ import annotations

from services.common.kernel import Kernel
from services.common.roles import CASE_WORKER, Caller

from ..domain.assignment import (
    EndAssignment, InterruptAssignment, RecordSupervision, ResumeAssignment, ReviseAssignmentPlan, StartAssignment)
from ..domain.need import NEED
from ..schemas import (
    EndAssignmentBody, InterruptAssignmentBody, RecordSupervisionBody, ResumeAssignmentBody, ReviseAssignmentPlanBody,
    StartAssignmentBody)
from .access import actor, as_case_worker, case_worker_view, decide_on_assignment, staff_assignment


def start_assignment(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    """AssignmentStarted with the genomförandeplan: `body` {"start_date", "plan", "case_worker_id"}. The
    children's birth dates come from the need (kontaktfamilj is paid by the child's age)."""
    key, header = staff_assignment(kernel, caller, assignment_id, CASE_WORKER)
    with kernel.connection() as conn:
        need, _ = kernel.commands.state(conn, NEED, header["need_id"])
    births = tuple(client.birth_date for client in need.clients) if need else ()
    decide_on_assignment(kernel, key, header, actor(caller), StartAssignment, StartAssignmentBody, body,
                         client_birth_dates=births)
    return case_worker_view(kernel, key)


def revise_plan(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    """AssignmentPlanRevised: `body` {"effective_from" (a month's first day), "plan" (the whole plan), "reason"}.
    Refused, naming the field, when payments could not pay the plan (as at the start)."""
    return as_case_worker(kernel, caller, assignment_id, ReviseAssignmentPlan, ReviseAssignmentPlanBody, body)


def record_supervision(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    """Handledning or uppföljning (kind follow_up); "resolves" names the deviations and flags dealt with."""
    return as_case_worker(kernel, caller, assignment_id, RecordSupervision, RecordSupervisionBody, body)


def interrupt_assignment(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    return as_case_worker(kernel, caller, assignment_id, InterruptAssignment, InterruptAssignmentBody, body)


def resume_assignment(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    return as_case_worker(kernel, caller, assignment_id, ResumeAssignment, ResumeAssignmentBody, body)


def end_assignment(kernel: Kernel, caller: Caller, assignment_id, body) -> dict:
    """`body`: {"ended_on", "reason", "comment"}; also withdraws an offer not yet started."""
    return as_case_worker(kernel, caller, assignment_id, EndAssignment, EndAssignmentBody, body)
