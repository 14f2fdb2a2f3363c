"""Individual decisions on an assignment's compensation: a case worker (or an admin) of the assignment's
municipality records a decided arvode per dygn (kontaktfamilj) or omkostnad above SKR's level kept as omkostnad,
each with its reason and underlag; case workers, finance and auditors read them back. The next calculation of a
month they cover applies them (an adjustment, when the month was calculated already and is approved again)."""
from __future__ import annotations

from services.common.envelope import Metadata
from services.common.roles import ADMIN, AUDITOR, CASE_WORKER, FINANCE, Caller
from services.common.sweden import today
from services.common.validation import load_body

from ..domain.decisions import DECISIONS, ApproveOmkostnadExcess, DecideArvodeLevel, stream_id
from ..read import assignments, decisions as decision_reads
from ..schemas import ApproveOmkostnadExcessBody, DecideArvodeLevelBody


def decide_arvode_level(kernel, caller: Caller, assignment_id, body) -> dict:
    """ArvodeLevelDecided: `body` is DecideArvodeLevelBody {from_month, to_month, amount_ore, reason,
    underlag_reference}. Returns decisions(assignment_id)."""
    return _decide(kernel, caller, assignment_id, load_body(DecideArvodeLevelBody, body), DecideArvodeLevel)


def approve_omkostnad_excess(kernel, caller: Caller, assignment_id, body) -> dict:
    """OmkostnadExcessApproved: `body` is ApproveOmkostnadExcessBody (as above). Returns decisions(assignment_id)."""
    return _decide(kernel, caller, assignment_id, load_body(ApproveOmkostnadExcessBody, body),
                   ApproveOmkostnadExcess)


def decisions(kernel, caller: Caller, assignment_id) -> dict:
    """{"assignment_id", "municipality", "decisions": [{type, decision_id, from_month, to_month, amount_ore, per, reason,
    underlag_reference, decided_by, decided_on, ...}]}"""
    found = _assignment(kernel, caller, assignment_id, CASE_WORKER, ADMIN, FINANCE, AUDITOR)
    return _decisions(kernel, found)


def _decide(kernel, caller: Caller, assignment_id, fields: dict, command_type) -> dict:
    found = _assignment(kernel, caller, assignment_id, CASE_WORKER, ADMIN)
    command = command_type(found["municipality"], found["assignment_id"], found["kind"], caller.actor, today(),
                           fields["from_month"], fields["to_month"], fields["amount_ore"], fields["reason"],
                           fields["underlag_reference"])
    kernel.execute(DECISIONS, stream_id(found["assignment_id"]), command,
                   Metadata(municipality=found["municipality"], actor=caller.actor))
    return _decisions(kernel, found)


def _assignment(kernel, caller: Caller, assignment_id, *roles: str) -> dict:
    found = kernel.find(assignments.assignment_key(assignment_id), assignments.assignment, "assignment")
    caller.require(found["municipality"], *roles)
    return found


def _decisions(kernel, assignment: dict) -> dict:
    """The answer names the assignment's municipality, so that the gateway's audit row of the read names it."""
    with kernel.connection() as conn:
        return {"assignment_id": assignment["assignment_id"], "municipality": assignment["municipality"],
                "decisions": decision_reads.decisions(conn, assignment["assignment_id"])}
