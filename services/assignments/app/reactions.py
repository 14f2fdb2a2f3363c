"""What the service does by itself when others' events arrive, in the inbox's transaction (so it commits with the
receipt, exactly once): a volunteer who leaves the matching pool has their live assignments flagged for the case
worker, who decides what follows. See docs/domain.md, "Matching".

A volunteer leaves the pool when they withdraw, when a register check expires or comes back not clear, or when they
revoke their regional consent; the pool's projection (read/pool.py) takes them out by itself. Their offered,
accepted, started and interrupted assignments get an AssignmentFlagged; a revoked consent flags only those outside
the volunteer's home municipality, as those at home never relied on it. The flag's id derives from the incoming
event's id, so a redelivered event flags nothing twice.
"""
from __future__ import annotations

from services.common.envelope import Event, Metadata
from services.common.kernel import Kernel

from ..domain.assignment import ASSIGNMENT, FlagAssignment
from ..read import assignments as read_assignments
from ..read import pool as read_pool

ACTOR = "assignments"  # the actor of what the service does by itself
_LEAVING = ("ApplicantWithdrawn", "CheckExpired", "CheckCompleted", "RegionalConsentChanged")


def flag_reason(conn, event: Event) -> tuple[str, list[tuple[str, str]]] | None:
    """Why `event` takes the volunteer out of the pool, and the (assignment, municipality) pairs to flag; None if
    it does not take them out."""
    d = event.data
    kind = event.event_type
    if kind not in _LEAVING:
        return None
    volunteer = read_pool.event_volunteer_id(d)
    if volunteer is None:
        return None
    if kind == "ApplicantWithdrawn":
        reason = "withdrawn"
    elif kind == "CheckExpired":
        reason = "check_expired"
    elif kind == "CheckCompleted":
        if d.get("outcome") == "clear":
            return None
        reason = "check_not_clear"
    else:
        if d.get("regional_pool"):
            return None
        reason = "consent_revoked"
    targets = read_assignments.active_assignments_of(conn, volunteer)
    if reason == "consent_revoked":
        home = read_pool.volunteer_home(conn, volunteer)
        targets = [(a, m) for a, m in targets if home is None or m != home[0]]
    return reason, targets


def react(kernel: Kernel, conn, event: Event) -> None:
    found = flag_reason(conn, event)
    if found is None:
        return
    reason, targets = found
    for assignment_id, municipality in targets:
        metadata = Metadata(municipality=municipality, actor=ACTOR,
                            correlation_id=event.correlation_id or event.event_id, causation_id=event.event_id)
        command = FlagAssignment(municipality=municipality, at=event.occurred_at, flag_id=f"flag-{event.event_id}",
                                 reason=reason, by=ACTOR)
        kernel.execute(ASSIGNMENT, assignment_id, command, metadata, conn=conn)
