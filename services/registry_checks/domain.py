"""Register checks: one stream ("check-<uuid>") per applicant and register.

    RequestCheck  -> CheckRequested   the applicant registered (or a recruiter renews the check)
    RecordResult  -> CheckCompleted   the register answered, or a recruiter keyed in a paper extract
                  (+ CheckConflictRaised when the register's signed answer differs from the one keyed in)
    ResolveConflict -> CheckConflictResolved   a recruiter looked at the two results and says why, with a reason
    ExpireCheck   -> CheckExpired     a clear result has passed its valid_until
    CancelCheck   -> CheckCancelled   the applicant withdrew or was rejected while the check was pending

Life of a check:  new -> pending -> completed -> expired
                            \\-> cancelled
A check that has ended (completed, expired, cancelled) may be requested again: a renewal, on the same stream,
so that the applicant keeps one check per register. A clear result stays in force during its renewal until
it expires or the new result replaces it.

The register's signed answer outranks a paper extract keyed in by hand: a register's first answer to a check whose
result in force was keyed in replaces it (and is no repeat). Where the two outcomes differ, the check has a conflict
that a recruiter must resolve, with a reason, before the applicant can be approved (docs/domain.md, "Register
checks"). A paper extract never replaces a result that is already in force.

The validity of a result is fixed when the check is requested (`validity_months` in CheckRequested, from
registers.validity), so a later configuration change does not rewrite what a recruiter was told.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Iterable

from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, NotFound, Problem
from services.common.places import is_municipality
from services.common.sweden import add_months, local_date

from .registers import (DEFAULT_CONFIG, DEFAULT_VALIDITY_MONTHS, KNOWN_ROLES, REGISTERS, ChecksConfig,
                        required_registers, validity)
from .signing import MAX_CLOCK_SKEW

STREAM_TYPE = "check"

OUTCOMES = ("clear", "remarks", "not_found")  # not_found: the register could not identify the person
SOURCES = ("register", "manual")
CANCEL_REASONS = ("applicant_withdrawn", "applicant_rejected")

# The actor recorded for what the service does by itself (requests on registration, cancellations, expiry).
ACTOR = "registry_checks"

NEW, PENDING, COMPLETED, EXPIRED, CANCELLED = "new", "pending", "completed", "expired", "cancelled"

# Recruiters see checks whose clear result ends within this many days on their worklist.
EXPIRY_WARNING = timedelta(days=60)

# Fixed forever: check ids derived from it must stay the same across releases.
_CHECK_NAMESPACE = uuid.UUID("6f1f4a52-3c1e-4b8e-9d0a-2a7c5e3b9f10")


# ---------------------------------------------------------------- commands

@dataclass(frozen=True)
class RequestCheck:
    check_id: str
    applicant_id: str
    register: str
    municipality: str
    roles: tuple[str, ...]
    requested_at: datetime  # aware
    by: str | None = None  # None when requested on ApplicantRegistered; the recruiter on a renewal


@dataclass(frozen=True)
class RecordResult:
    check_id: str
    municipality: str
    outcome: str  # one of OUTCOMES
    completed_at: datetime  # aware: when the register produced the extract
    recorded_at: datetime  # aware: when we received it; a result cannot be completed after that
    source: str = "register"  # "register": signed, from the inbound exchange; "manual": a paper extract
    register: str | None = None  # the register that sent it (source "register"); None for manual entry
    register_reference: str | None = None  # the register's own reference; required from a register
    valid_until: date | None = None  # the register's own date; capped by the check's validity
    summary: str = ""
    by: str | None = None  # the recruiter who saw the paper extract (source "manual")


@dataclass(frozen=True)
class ResolveConflict:
    check_id: str
    municipality: str
    reason: str  # why the recruiter accepts the register's result over the one keyed in (or what was done)
    by: str  # the recruiter
    resolved_at: datetime  # aware


@dataclass(frozen=True)
class ExpireCheck:
    check_id: str
    municipality: str
    today: date


@dataclass(frozen=True)
class CancelCheck:
    check_id: str
    municipality: str
    reason: str  # one of CANCEL_REASONS
    cancelled_at: datetime  # aware
    by: str | None = None


# ---------------------------------------------------------------- state

@dataclass(frozen=True)
class CheckState:
    status: str = NEW
    check_id: str | None = None
    applicant_id: str | None = None
    register: str | None = None
    municipality: str | None = None
    roles: tuple[str, ...] = ()
    validity_months: int = DEFAULT_VALIDITY_MONTHS
    outcome: str | None = None  # of the latest result
    clear_until: date | None = None  # last day the latest clear result may be relied on; None if none in force
    register_references: frozenset[str] = field(default_factory=frozenset)  # every register's reference: no repeats
    keyed_in: dict | None = None  # the result in force, when a recruiter keyed it in (outcome, entered_by, ...)
    conflict: bool = False  # a register's answer differed from a keyed-in result, and no recruiter resolved it


def check_id_for(applicant_id: str, register: str) -> str:
    """The check id of an applicant's check against a register: the same on every delivery of the
    applicant's registration, so a redelivered ApplicantRegistered cannot open a second stream."""
    return str(uuid.uuid5(_CHECK_NAMESPACE, f"{applicant_id}/{register}"))


def stream_id(check_id: str) -> str:
    return f"{STREAM_TYPE}-{check_id}"


def requests_for_applicant(applicant_id: str, roles: Iterable[str], municipality: str, requested_at: datetime,
                           config: ChecksConfig = DEFAULT_CONFIG, by: str | None = None) -> list[RequestCheck]:
    """One RequestCheck per register the applicant's roles and municipality require."""
    roles = tuple(roles)
    return [RequestCheck(check_id_for(applicant_id, register), applicant_id, register, municipality, roles,
                         requested_at, by)
            for register in required_registers(roles, municipality, config)]


def is_expiring(state: CheckState, today: date) -> bool:
    """A clear result in force that ends within EXPIRY_WARNING: the recruiter should renew the check."""
    return state.clear_until is not None and state.clear_until - today <= EXPIRY_WARNING


# ---------------------------------------------------------------- decide

def make_check_decider(config: ChecksConfig = DEFAULT_CONFIG) -> Decider[CheckState]:
    """The check decider for a deployment's configuration (it decides the validity of new requests); CHECK is the
    one for the default configuration."""

    def decide(state: CheckState, command) -> list[NewEvent]:
        if isinstance(command, RequestCheck):
            return _request(state, command, config)
        if isinstance(command, RecordResult):
            return decide_result(state, command)
        if isinstance(command, ResolveConflict):
            return _resolve_conflict(state, command)
        if isinstance(command, ExpireCheck):
            return _expire(state, command)
        if isinstance(command, CancelCheck):
            return _cancel(state, command)
        raise TypeError(f"not a check command: {type(command).__name__}")

    return Decider(STREAM_TYPE, CheckState, decide, evolve)


def _request(state: CheckState, command: RequestCheck, config: ChecksConfig) -> list[NewEvent]:
    problems: list[Problem] = []
    if state.status != NEW:
        _existing(state, command.municipality)
        if state.status == PENDING:
            problems.append(Problem("the check is already pending", "check_id", "already_pending"))
        if (command.applicant_id, command.register) != (state.applicant_id, state.register):
            problems.append(Problem("the check id belongs to another applicant or register", "check_id",
                                    "wrong_check"))
    if not command.check_id:
        problems.append(Problem("check_id is required", "check_id"))
    if not command.applicant_id:
        problems.append(Problem("applicant_id is required", "applicant_id"))
    if command.register not in REGISTERS:
        problems.append(Problem("unknown register", "register", "unknown_register"))
    if not is_municipality(command.municipality):
        problems.append(Problem("not a kommunkod of SCB's list", "municipality"))
    if not command.roles:
        problems.append(Problem("at least one role is required", "roles"))
    elif unknown := sorted(set(command.roles) - set(KNOWN_ROLES)):
        problems.append(Problem(f"unknown roles: {', '.join(unknown)}", "roles"))
    problems += _aware("requested_at", command.requested_at)
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("CheckRequested", {
        "check_id": command.check_id,
        "applicant_id": command.applicant_id,
        "register": command.register,
        "municipality": command.municipality,
        "roles": list(command.roles),
        "requested_at": command.requested_at.isoformat(),
        "validity_months": validity(command.register, command.roles, config),
    })]


def decide_result(state: CheckState, command: RecordResult) -> list[NewEvent]:
    """RecordResult needs no configuration (the validity is in the state), so inbound.assess_inbound
    can decide a result without a decider."""
    _existing(state, command.municipality)
    problems: list[Problem] = []
    # Lifecycle first: inbound.assess_inbound turns these codes into refusal reasons.
    if command.source == "register" and command.register != state.register:
        problems.append(Problem("the check was requested from another register", "register", "wrong_register"))
    replaces_keyed_in = (command.source == "register" and state.status == COMPLETED and state.keyed_in is not None
                         and command.register_reference not in state.register_references)
    if state.status in (CANCELLED, EXPIRED):
        problems.append(Problem(f"the check is {state.status}", "check_id", "late"))
    elif (state.status == COMPLETED and not replaces_keyed_in) or (
            command.register_reference in state.register_references):
        problems.append(Problem("the check already has this result", "check_id", "repeat"))

    if command.outcome not in OUTCOMES:
        problems.append(Problem(f"outcome must be one of {', '.join(OUTCOMES)}", "outcome"))
    if command.source not in SOURCES:
        problems.append(Problem(f"source must be one of {', '.join(SOURCES)}", "source"))
    if command.source == "manual" and not command.by:
        problems.append(Problem("a manual result names the recruiter who entered it", "by"))
    if command.source == "register" and not command.register_reference:
        problems.append(Problem("a register's result carries its reference", "register_reference"))
    times = _aware("completed_at", command.completed_at) + _aware("recorded_at", command.recorded_at)
    problems += times
    if times:
        raise CommandRefused(*problems)

    # Dates on extracts are Swedish dates: an extract completed 00:30 Swedish time belongs to that day.
    completed_on = local_date(command.completed_at)
    longest = add_months(completed_on, state.validity_months)
    valid_until = min(command.valid_until or longest, longest)
    if command.completed_at > command.recorded_at + MAX_CLOCK_SKEW:
        problems.append(Problem("completed_at is in the future", "completed_at"))
    if valid_until < completed_on:
        problems.append(Problem("valid_until is before completed_at", "valid_until"))
    elif command.outcome == "clear" and valid_until < local_date(command.recorded_at):
        problems.append(Problem(f"the extract is more than {state.validity_months} months old or past its "
                                "valid_until", "completed_at", "too_old"))
    if problems:
        raise CommandRefused(*problems)
    completed = NewEvent("CheckCompleted", {
        **_identity(state),
        "outcome": command.outcome,
        "register_reference": command.register_reference,
        "completed_at": command.completed_at.isoformat(),
        "valid_until": valid_until.isoformat(),
        "summary": command.summary,
        "source": command.source,
        "entered_by": command.by if command.source == "manual" else None,
    })
    if not replaces_keyed_in or command.outcome == state.keyed_in["outcome"]:
        return [completed]
    # The register's result stands (CheckCompleted above); that a person keyed in another one is for a recruiter
    # to look into: a misread extract, another person's, or a forged one.
    return [completed, NewEvent("CheckConflictRaised", {
        **_identity(state),
        "keyed_in": dict(state.keyed_in),
        "register_outcome": command.outcome,
        "register_reference": command.register_reference,
        "raised_at": command.recorded_at.isoformat(),
    })]


def _resolve_conflict(state: CheckState, command: ResolveConflict) -> list[NewEvent]:
    _existing(state, command.municipality)
    problems = []
    if not state.conflict:
        problems.append(Problem("the check has no conflict to resolve", "check_id", "no_conflict"))
    if not (command.reason or "").strip():
        problems.append(Problem("a resolution gives its reason", "reason", "required"))
    if not (command.by or "").strip():
        problems.append(Problem("a resolution names the recruiter who resolved it", "by", "required"))
    problems += _aware("resolved_at", command.resolved_at)
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("CheckConflictResolved", {
        **_identity(state),
        "outcome": state.outcome,
        "reason": command.reason.strip(),
        "resolved_by": command.by,
        "resolved_at": command.resolved_at.isoformat(),
    })]


def _expire(state: CheckState, command: ExpireCheck) -> list[NewEvent]:
    _existing(state, command.municipality)
    if state.clear_until is None:
        raise CommandRefused(Problem("the check has no clear result in force", "check_id", "not_clear"))
    if command.today <= state.clear_until:
        raise CommandRefused(Problem(f"the result is valid until {state.clear_until.isoformat()}", "today",
                                     "still_valid"))
    return [NewEvent("CheckExpired", {
        **_identity(state),
        "valid_until": state.clear_until.isoformat(),
        "expired_on": command.today.isoformat(),
    })]


def _cancel(state: CheckState, command: CancelCheck) -> list[NewEvent]:
    _existing(state, command.municipality)
    problems = []
    if state.status != PENDING:
        problems.append(Problem(f"only a pending check can be cancelled; this one is {state.status}", "check_id",
                                "not_pending"))
    if command.reason not in CANCEL_REASONS:
        problems.append(Problem(f"reason must be one of {', '.join(CANCEL_REASONS)}", "reason"))
    problems += _aware("cancelled_at", command.cancelled_at)
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("CheckCancelled", {
        **_identity(state),
        "reason": command.reason,
        "cancelled_at": command.cancelled_at.isoformat(),
    })]


def _existing(state: CheckState, municipality: str) -> None:
    # Another municipality's check is reported as missing: its existence is not theirs to know.
    if state.status == NEW or state.municipality != municipality:
        raise NotFound("no such check")


def _identity(state: CheckState) -> dict:
    return {"check_id": state.check_id, "applicant_id": state.applicant_id, "register": state.register,
            "municipality": state.municipality}


def _aware(name: str, moment: datetime) -> list[Problem]:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        return [Problem(f"{name} must be a date and time with a time zone", name)]
    return []


# ---------------------------------------------------------------- evolve

def evolve(state: CheckState, event: EventLike) -> CheckState:
    data = event.data
    if event.type == "CheckRequested":
        return replace(state, status=PENDING, check_id=data["check_id"], applicant_id=data["applicant_id"],
                       register=data["register"], municipality=data["municipality"], roles=tuple(data["roles"]),
                       validity_months=data["validity_months"])
    if event.type == "CheckCompleted":
        reference = data.get("register_reference")
        by_register = data.get("source", "register") == "register"
        # A paper extract's reference is whatever the recruiter typed: it must not make the register's own
        # answer with that reference a repeat.
        references = {reference} if reference and by_register else set()
        return replace(
            state, status=COMPLETED, outcome=data["outcome"],
            # A new result replaces the one in force, whatever its outcome.
            clear_until=date.fromisoformat(data["valid_until"]) if data["outcome"] == "clear" else None,
            register_references=state.register_references | references,
            keyed_in=None if by_register else {
                "outcome": data["outcome"], "entered_by": data.get("entered_by"),
                "completed_at": data["completed_at"], "register_reference": reference})
    if event.type == "CheckConflictRaised":
        return replace(state, conflict=True)
    if event.type == "CheckConflictResolved":
        return replace(state, conflict=False)
    if event.type == "CheckExpired":
        # During a renewal the check stays pending; only the old result ends.
        return replace(state, status=EXPIRED if state.status == COMPLETED else state.status, clear_until=None)
    if event.type == "CheckCancelled":
        return replace(state, status=CANCELLED)
    return state


CHECK = make_check_decider()  # the service builds its own from REGISTRY_CHECKS_CONFIG (settings.check_decider)
