"""The assignments service as the kernel sees it: its read tables, the services whose events it follows, and how
it reacts when a volunteer leaves the matching pool.

Sources: applicants (registration data, approval, withdrawal, availability, regional consent) and registry_checks
(the register checks): together they make the matching pool (read/pool.py).

Reaction, in the inbox's transaction (so it commits with the receipt, exactly once): a volunteer who withdraws,
whose register check expires or comes back not clear, or who revokes regional consent leaves the pool by the
projection alone; their live assignments (offered, accepted, started, interrupted) are also flagged for the case
worker (AssignmentFlagged). A revoked consent flags only the assignments outside the volunteer's home
municipality: those at home never relied on it. The flag's id derives from the incoming event's id, so a
redelivered event flags nothing twice.

Published data: events.public_data removes client identity and case notes before anything leaves the service.
"""
from __future__ import annotations

from pathlib import Path

from services.common.envelope import Event, Metadata
from services.common.kernel import Kernel, ServiceSpec

from . import events
from .read.needs import Needs
from .read import assignments as read_assignments, pool as read_pool
from .domain.assignment import ASSIGNMENT, FlagAssignment

ACTOR = "assignments"  # the actor of what the service does by itself


def flag_reason(conn, event: Event) -> tuple[str, list[tuple[str, str]]] | None:
    """Why `event` takes the volunteer out of the pool, and the assignments to flag; None if it does not."""
    d = event.data
    kind = event.event_type
    if kind not in ("ApplicantWithdrawn", "CheckExpired", "CheckCompleted", "RegionalConsentChanged"):
        return None
    volunteer_id = read_pool.event_volunteer_id(d)
    if volunteer_id is None:
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
    targets = read_assignments.active_assignments_of(conn, volunteer_id)
    if reason == "consent_revoked":
        home = read_pool.volunteer_home(conn, volunteer_id)
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


SPEC = ServiceSpec(
    name="assignments",
    projections=(read_pool.MatchingPool(), Needs(), read_assignments.Assignments()),
    sources=("applicants", "registry_checks"),
    react=react,
    migrations=Path(__file__).parent / "migrations",
    published_data=events.public_data,
)
