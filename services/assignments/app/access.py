"""What the use cases check first and give back last: who is calling, what they may reach, the command's context
(who acts, where, when), and the views of an assignment its volunteer and its case workers read.

A need or an assignment of another municipality is "not found", never "forbidden": existence does not leak across
municipalities. A volunteer's own assignment may be of another municipality (matched from the regional pool): then
their home municipality, the one their token names, is accepted as well.
"""
from __future__ import annotations

from datetime import datetime, timezone

from services.common.decider import NotFound
from services.common.envelope import Metadata
from services.common.kernel import Kernel
from services.common.problems import ServiceProblem
from services.common.roles import CASE_WORKER, VOLUNTEER, Caller
from services.common.validation import load_body

from ..domain.assignment import ASSIGNMENT
from ..domain.assignment import stream_id as assignment_stream_id
from ..domain.need import stream_id as need_stream_id
from ..domain.volunteer import canonical_volunteer_id
from ..read import assignments as read_assignments
from ..read import needs as read_needs


def now() -> datetime:
    """The instant of the call: every command's `at` (its Swedish date is the command's "today")."""
    return datetime.now(timezone.utc)


def actor(caller: Caller) -> str:
    return caller.actor or "system"


def metadata(caller: Caller, municipality: str) -> Metadata:
    return Metadata(municipality=municipality, actor=actor(caller))


def calling_volunteer(caller: Caller) -> str:
    """The calling volunteer's id ("applicant-<uuid>": their token's `sub`, in any spelling); forbidden to anyone
    else, a service included."""
    volunteer = canonical_volunteer_id(caller.actor)
    if caller.system or not caller.has_role(VOLUNTEER) or volunteer is None:
        raise ServiceProblem("forbidden", "only a volunteer may do this")
    return volunteer


def own_assignment(kernel: Kernel, caller: Caller, assignment_id) -> tuple[str, dict]:
    """The calling volunteer's own assignment (its stream id and header); anyone else's is not found."""
    volunteer = calling_volunteer(caller)
    key = assignment_stream_id(assignment_id)
    header = kernel.find(key, read_assignments.assignment_header, "assignment")
    if header["volunteer_id"] != volunteer:
        raise NotFound("no such assignment")
    if not (caller.has_role_in(header["municipality"], VOLUNTEER)
            or caller.has_role_in(header["volunteer_municipality"], VOLUNTEER)):
        # their own, named with a token of another municipality: not found, and audited as an attempt there
        raise ServiceProblem("not_found", "no such resource", municipality=header["municipality"])
    return key, header


def visible_to_volunteer(caller: Caller, item: dict) -> bool:
    """The rule of own_assignment for a list's items: of a municipality where the token makes them a volunteer, or
    of the volunteer's home municipality (matched from the regional pool) when it does there."""
    return (caller.has_role_in(item.get("municipality"), VOLUNTEER)
            or caller.has_role_in(item.get("volunteer_municipality"), VOLUNTEER))


def acts_as_volunteer(kernel: Kernel, caller: Caller, assignment_id) -> bool:
    """Whether the caller acts on the assignment as its volunteer: a volunteer who is not a case worker in the
    assignment's municipality (a person who is both acts there as the case worker)."""
    if caller.system or not caller.has_role(VOLUNTEER) or canonical_volunteer_id(caller.actor) is None:
        return False
    header = kernel.find(assignment_stream_id(assignment_id), read_assignments.assignment_header, "assignment")
    return not caller.has_role_in(header["municipality"], CASE_WORKER)


def staff_assignment(kernel: Kernel, caller: Caller, assignment_id, *roles: str) -> tuple[str, dict]:
    """An assignment of a municipality where the caller holds one of `roles`: its stream id and header."""
    key = assignment_stream_id(assignment_id)
    header = kernel.find(key, read_assignments.assignment_header, "assignment")
    caller.require(header["municipality"], *roles)
    return key, header


def case_workers_need(kernel: Kernel, caller: Caller, need_id) -> tuple[str, str]:
    """The need's stream id and municipality, if the caller is a case worker there; else not found (or
    forbidden)."""
    key = need_stream_id(need_id)
    municipality = kernel.find(key, read_needs.need_municipality, "need")
    caller.require(municipality, CASE_WORKER)
    return key, municipality


def decide_on_assignment(kernel: Kernel, key: str, header: dict, by: str, command_class, schema, body,
                         **context) -> None:
    """A request body become a command on an assignment, the one way: loaded by its schema, then the command built
    with who acts (`by`, also the envelope's actor), in the assignment's municipality, now; then decided."""
    fields = load_body(schema, body)
    command = command_class(municipality=header["municipality"], by=by, at=now(), **fields, **context)
    kernel.execute(ASSIGNMENT, key, command, Metadata(municipality=header["municipality"], actor=by))


def as_volunteer(kernel: Kernel, caller: Caller, assignment_id, command_class, schema, body=None,
                 **context) -> dict:
    """The calling volunteer's command on their own assignment; their view of it after."""
    key, header = own_assignment(kernel, caller, assignment_id)
    decide_on_assignment(kernel, key, header, header["volunteer_id"], command_class, schema, body, **context)
    return volunteer_view(kernel, key)


def as_case_worker(kernel: Kernel, caller: Caller, assignment_id, command_class, schema, body, **context) -> dict:
    """A case worker's command on an assignment of their municipality; the case worker's view of it after."""
    key, header = staff_assignment(kernel, caller, assignment_id, CASE_WORKER)
    decide_on_assignment(kernel, key, header, actor(caller), command_class, schema, body, **context)
    return case_worker_view(kernel, key)


def volunteer_view(kernel: Kernel, key: str) -> dict:
    return kernel.find(key, read_assignments.assignment_for_volunteer, "assignment")


def case_worker_view(kernel: Kernel, key: str) -> dict:
    return kernel.find(key, read_assignments.assignment_for_case_worker, "assignment")
