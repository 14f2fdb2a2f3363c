"""What the applicants service knows of register checks, and when they stand in the way of an approval.
See docs/domain.md, "Register checks".

Checks belong to registry_checks. The applicants service keeps their state in its projection, fed by the
foreign events CheckRequested, CheckCompleted, CheckConflictRaised, CheckConflictResolved, CheckExpired and
CheckCancelled (`check_status_after` folds them), and app.py passes them into ApproveApplicant, so the decision
stays a pure function (`check_problems`, `four_eyes_problems`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable

from services.common.decider import Problem

# Stable register ids, the same in registry_checks and the register services.
POLISEN_BELASTNINGSREGISTER = "polisen_belastningsregister"
POLISEN_MISSTANKEREGISTER = "polisen_misstankeregister"
SOCIALREGISTRET = "socialregistret"
KRONOFOGDEN = "kronofogden"
FORSAKRINGSKASSAN = "forsakringskassan"
REGISTERS = (POLISEN_BELASTNINGSREGISTER, POLISEN_MISSTANKEREGISTER, SOCIALREGISTRET, KRONOFOGDEN,
             FORSAKRINGSKASSAN)
# Försäkringskassan is required only where a municipality asks for it (registry_checks then requests it).
DEFAULT_REQUIRED_REGISTERS = (POLISEN_BELASTNINGSREGISTER, POLISEN_MISSTANKEREGISTER, SOCIALREGISTRET, KRONOFOGDEN)

CHECK_STATES = ("requested", "completed", "expired", "cancelled")
OUTCOMES = ("clear", "remarks", "not_found")


@dataclass(frozen=True)
class CheckStatus:
    check_id: str  # "check-<uuid>"
    register: str  # one of REGISTERS
    state: str  # one of CHECK_STATES
    outcome: str | None = None  # one of OUTCOMES once completed
    valid_until: date | None = None  # last day a clear result may be relied on
    source: str | None = None  # of the result in force: "register" (signed) or "manual" (keyed in by hand)
    entered_by: str | None = None  # the recruiter who keyed in the result in force (source "manual")
    conflict: bool = False  # the register's result differed from one keyed in, and nobody has resolved it yet


def check_status_after(status: CheckStatus | None, event_type: str, data: dict[str, Any]) -> CheckStatus | None:
    """Fold one foreign check event into what is known of that check; other event types change nothing."""
    if event_type == "CheckRequested":
        # A renewal starts afresh, but a conflict of the result before it stays until a recruiter resolves it.
        return CheckStatus(data["check_id"], data["register"], "requested",
                           conflict=status.conflict if status else False)
    if status is None:
        # The inbox applies a stream's events in order, so this only happens for a stream we never saw begin.
        status = CheckStatus(data["check_id"], data["register"], "requested")
    if event_type == "CheckCompleted":
        valid_until = data.get("valid_until")
        return replace(status, state="completed", outcome=data["outcome"],
                       valid_until=date.fromisoformat(valid_until) if valid_until else None,
                       source=data.get("source"), entered_by=data.get("entered_by"))
    if event_type == "CheckConflictRaised":
        return replace(status, conflict=True)
    if event_type == "CheckConflictResolved":
        return replace(status, conflict=False)
    if event_type == "CheckExpired":
        return replace(status, state="expired")
    if event_type == "CheckCancelled":
        return replace(status, state="cancelled")
    return status


def is_clear_on(check: CheckStatus, day: date) -> bool:
    """Completed clear, and still valid on `day` (valid_until is the last valid day)."""
    return (check.state == "completed" and check.outcome == "clear"
            and (check.valid_until is None or day <= check.valid_until))


# When a register has several checks and none is clear, name the state that tells the recruiter most:
# remarks to read first, then a result that found no one, then one under way, then an old one expired.
_WHY_NOT_CLEAR = (
    ("check_remarks", "has remarks", lambda c: c.state == "completed" and c.outcome == "remarks"),
    ("check_not_found", "found no record of the person",
     lambda c: c.state == "completed" and c.outcome == "not_found"),
    ("check_pending", "is pending", lambda c: c.state == "requested"),
    ("check_expired", "has expired",
     lambda c: c.state == "expired" or (c.state == "completed" and c.outcome == "clear")),
)


def check_problems(checks: Iterable[CheckStatus], required_registers: Iterable[str], on: date) -> list[Problem]:
    """One problem per register that is not clear on `on`, naming the register (and the check, where there is one).

    Required are the registers asked for, and every register a live (not cancelled) check was requested in:
    registry_checks requests what the applicant's roles and municipality need.
    """
    checks = list(checks)
    live = [c for c in checks if c.state != "cancelled"]
    required = list(dict.fromkeys([*required_registers, *(c.register for c in live)]))
    problems = []
    for register in required:
        of_register = [c for c in live if c.register == register]
        if any(is_clear_on(c, on) for c in of_register):
            continue
        problems.append(_why_not_clear(register, of_register))
    return problems


def conflict_problems(checks: Iterable[CheckStatus]) -> list[Problem]:
    """One problem per live check whose register's signed result contradicted a result keyed in by hand, until a
    recruiter resolves the conflict: the register's answer stands, but why the paper said otherwise (misread,
    another person's extract, a forgery) must be looked into before anyone is approved on it."""
    return [Problem(f"register check {c.register} ({c.check_id}): the register's result differs from the one keyed "
                    "in by hand; resolve the conflict first", "checks", "check_conflict")
            for c in checks if c.state != "cancelled" and c.conflict]


def four_eyes_problems(checks: Iterable[CheckStatus], approver: str | None) -> list[Problem]:
    """Four eyes, as for payment runs: a result keyed in by hand is approved on by someone else. One problem per
    live check whose result in force the approver keyed in (a keyed-in result the register's answer has replaced
    is no longer relied on)."""
    if not approver:
        return []
    return [Problem(f"four eyes: you keyed in the result of register check {c.register} ({c.check_id}); another "
                    "recruiter must approve", "by", "four_eyes")
            for c in checks
            if c.state == "completed" and c.source == "manual" and c.entered_by == approver]


def _why_not_clear(register: str, of_register: list[CheckStatus]) -> Problem:
    for code, reason, applies in _WHY_NOT_CLEAR:
        for check in of_register:
            if applies(check):
                return Problem(f"register check {register} ({check.check_id}) {reason}", "checks", code)
    return Problem(f"register check {register} is missing", "checks", "check_missing")
