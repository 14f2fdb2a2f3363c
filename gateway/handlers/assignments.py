"""The assignments routes (the RPC service `assignments`): client needs, matching, offers and the running
assignment for case workers; a volunteer's own offers and assignments under /api/v1/me/.

A municipality in the path is checked against the token before the service is asked; the service checks again;
what comes back is checked once more where it names its municipality, and a volunteer's answer must be their own.
"""
from __future__ import annotations

import logging

from ..problems import Problem
from ..schemas import AssignmentQuery, CandidatesQuery, CaseWorkerWorklistQuery, NeedQuery
from ..web import Call
from .common import attachment, municipality_of, person_id, read_in_file, shown, subject_id

log = logging.getLogger(__name__)


def _checked(call: Call, result: dict) -> dict:
    """A case worker's answer: shown only if it is of one of the caller's municipalities."""
    call.caller.require(municipality_of(result))
    return result


def _note_assignment(call: Call, result: dict, change: bool) -> None:
    """One assignment read or changed: the assignment and its volunteer (whose data it holds)."""
    note = call.changed if change else call.read
    municipality = result.get("municipality")
    note(subject_id("assignment_id", result.get("assignment_id")), municipality)
    if result.get("volunteer_id"):
        note(person_id(result["volunteer_id"]), result.get("volunteer_municipality") or municipality)


def _mine(call: Call, result: dict) -> dict:
    """A volunteer's answer: shown only if it is the caller's own assignment (the service checked it too)."""
    if not isinstance(result, dict) or person_id(result.get("volunteer_id")) != person_id(call.caller.actor):
        if isinstance(result, dict):
            log.error("%s answered another volunteer's assignment; it was not shown", call.route.template)
        raise Problem("not_found", "No such resource.")
    return result


# --- client needs ------------------------------------------------------------------------------------------------

def register_need(call: Call, municipality: str):
    """The municipality's decision (beslut) on an insats."""
    call.caller.require(municipality)
    need = _checked(call, call.assignments.register_need(municipality, call.body()))
    call.changed(subject_id("need_id", need["need_id"]), municipality)
    return 201, need


def list_needs(call: Call, municipality: str):
    query = call.query(NeedQuery)
    call.caller.require(municipality)
    page = call.assignments.list_needs(municipality, **query)
    page["items"] = shown(call, page["items"], "need_id")
    return 200, page


def get_need(call: Call, need_id: str):
    need = _checked(call, call.assignments.get_need(need_id))
    call.read(need_id, need["municipality"])
    return 200, need


def close_need(call: Call, need_id: str):
    need = _checked(call, call.assignments.close_need(need_id, call.body()))
    call.changed(need_id, need["municipality"])
    return 200, need


def need_candidates(call: Call, need_id: str):
    """The ranked candidates, each with its reasons: the need and every candidate shown are read."""
    query = call.query(CandidatesQuery)
    result = _checked(call, call.assignments.candidates(need_id, limit=query["limit"]))
    call.read(need_id, result["municipality"])
    for candidate in result["candidates"]:
        call.read(person_id(candidate.get("volunteer_id")), candidate.get("municipality"))
    return 200, result


def make_offer(call: Call):
    """AssignmentOffered: a volunteer of the pool asked to take a need."""
    assignment = _checked(call, call.assignments.offer(call.body()))
    _note_assignment(call, assignment, change=True)
    return 201, assignment


# --- assignments (case workers) ----------------------------------------------------------------------------------

def list_assignments(call: Call, municipality: str):
    query = call.query(AssignmentQuery)
    call.caller.require(municipality)
    return 200, {"items": shown(call, call.assignments.list_assignments(municipality, **query), "assignment_id")}


def get_assignment(call: Call, assignment_id: str):
    assignment = _checked(call, call.assignments.get_assignment(assignment_id))
    _note_assignment(call, assignment, change=False)
    return 200, assignment


def _case_worker_command(rpc_method: str, name: str, doc: str):
    def handler(call: Call, assignment_id: str):
        assignment = _checked(call, getattr(call.assignments, rpc_method)(assignment_id, call.body()))
        _note_assignment(call, assignment, change=True)
        return 200, assignment
    handler.__name__, handler.__doc__ = name, doc
    return handler


start_assignment = _case_worker_command("start_assignment", "start_assignment",
                                        "AssignmentStarted with the genomförandeplan.")
revise_plan = _case_worker_command("revise_plan", "revise_plan",
                                   "AssignmentPlanRevised: the running assignment's plan from a month on.")
record_supervision = _case_worker_command("record_supervision", "record_supervision",
                                          "Handledning or uppföljning held.")
interrupt_assignment = _case_worker_command("interrupt_assignment", "interrupt_assignment", "Uppdraget avbrutet.")
resume_assignment = _case_worker_command("resume_assignment", "resume_assignment", "Uppdraget återupptaget.")
end_assignment = _case_worker_command("end_assignment", "end_assignment", "Uppdraget avslutat.")
report_deviation = _case_worker_command("report_deviation", "report_deviation", "Avvikelse (by the case worker).")


def case_worker_worklist(call: Call, municipality: str):
    """Deviations, flags, requests to end and follow-ups due, for the case workers of `municipality`."""
    query = call.query(CaseWorkerWorklistQuery)
    call.caller.require(municipality)
    items = call.assignments.worklist(municipality, **query)
    for item in items:
        call.read(subject_id("assignment_id", item.get("assignment_id")), municipality)
    return 200, {"items": items}


def ivo_report(call: Call, municipality: str):
    """Beslut som inte verkställts inom tre månader, to report to IVO."""
    call.caller.require(municipality)
    return 200, {"items": shown(call, call.assignments.ivo_report(municipality), "need_id", municipality)}


def ivo_csv(call: Call, municipality: str):
    """Each decision the file names is a read of its clients' data (the need is how the audit names them)."""
    call.caller.require(municipality)
    export = call.assignments.ivo_csv(municipality)
    read_in_file(call, export["need_ids"], municipality, field="need_id")
    return attachment(export["content"], f"ivo-{municipality}.csv")


# --- the volunteer's own (/api/v1/me/) ---------------------------------------------------------------------------

def _my_items(call: Call, items: list[dict]) -> list[dict]:
    """The caller's own, of the municipalities their token names (or, matched from the regional pool, of their
    home municipality when it names that): the rule of a single one, my_assignment's (the service applies it)."""
    mine = [item for item in items if person_id(item.get("volunteer_id")) == person_id(call.caller.actor)
            and (call.caller.may_act_in(item.get("municipality"))
                 or call.caller.may_act_in(item.get("volunteer_municipality")))]
    if len(mine) != len(items):
        log.error("%s answered %d items of other volunteers or municipalities; they were not shown",
                  call.route.template, len(items) - len(mine))
    for item in mine:
        call.read(subject_id("assignment_id", item.get("assignment_id")), item.get("municipality"))
    return mine


def my_offers(call: Call):
    return 200, {"items": _my_items(call, call.assignments.my_offers())}


def my_assignments(call: Call):
    return 200, {"items": _my_items(call, call.assignments.my_assignments())}


def my_assignment(call: Call, assignment_id: str):
    assignment = _mine(call, call.assignments.get_assignment(assignment_id))
    call.read(assignment_id, assignment.get("municipality"))
    return 200, assignment


def _volunteer_command(rpc_method: str, name: str, doc: str, body: str = "required"):
    def handler(call: Call, assignment_id: str):
        method = getattr(call.assignments, rpc_method)
        answer = (method(assignment_id) if body == "none"
                  else method(assignment_id, call.body(optional=body == "optional")))
        assignment = _mine(call, answer)
        call.changed(assignment_id, assignment.get("municipality"))
        return 200, assignment
    handler.__name__, handler.__doc__ = name, doc
    return handler


accept_offer = _volunteer_command("accept_offer", "accept_offer", "Erbjudandet accepterat.", body="none")
decline_offer = _volunteer_command("decline_offer", "decline_offer", "Erbjudandet avböjt (reason optional).",
                                   body="optional")
log_meeting = _volunteer_command("log_meeting", "log_meeting", "Träff loggad.")
report_my_deviation = _volunteer_command("report_deviation", "report_my_deviation", "Avvikelse (by the volunteer).")
request_end = _volunteer_command("request_end", "request_end", "The volunteer asks to end.", body="optional")


def correct_meeting(call: Call, assignment_id: str, meeting_id: str):
    """The whole meeting as it should have been, with a reason: a correction, never an overwrite."""
    assignment = _mine(call, call.assignments.correct_meeting(assignment_id, meeting_id, call.body()))
    call.changed(assignment_id, assignment.get("municipality"))
    return 200, assignment
