"""Individual decisions on one assignment's compensation: stream "decisions-<assignment uuid>".

    DecideArvodeLevel        a kontaktfamilj's arvode per dygn decided individually (SKR's "förhöjt arvode",
      -> ArvodeLevelDecided  a syskonpar, a demanding stay), instead of the municipality's table
    ApproveOmkostnadExcess   omkostnad above SKR's level assessed individually, on an underlag, to stay
      -> OmkostnadExcessApproved   omkostnad (no tax, no contributions; AGI box 020) up to the approved amount.
                                   Skatteverket, ställningstagande 2018-06-19 (dnr 202 257343-18/111): "I ett enskilt
                                   fall kan en sådan ersättning ändå betraktas som en omkostnadsersättning. En
                                   individuell bedömning måste då göras och baseras på ett godtagbart underlag."
                                   Without such a decision the excess is taxed as pay, as before.

Each decision says who decided, when, the underlag's reference and the reason, and the months it covers (from one
month, to one or open). For a month, the latest decision of its kind that covers it is in force: a new decision
over the same months replaces an earlier one. `in_force(state, month)` gives what a calculation applies.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, Problem
from services.common.places import is_municipality

from .calculation import KINDS, IndividualDecision, month_start

ARVODE, OMKOSTNAD = "ArvodeLevelDecided", "OmkostnadExcessApproved"
PRIVATE_FIELDS = ("reason",)  # the assessment may describe the child: stored here, never published


def stream_id(assignment_id: str) -> str:
    return f"decisions-{assignment_id}"


@dataclass(frozen=True)
class Decide:
    """What both decisions have: the assignment (as payments knows it), who, when, why, on what, for which months."""

    municipality: str
    assignment_id: str
    kind: str  # the assignment's: kontaktperson | kontaktfamilj | skkp
    by: str
    on: date
    from_month: str  # YYYY-MM
    to_month: str | None  # YYYY-MM, or None: until another decision
    amount_ore: int  # whole kronor
    reason: str
    underlag_reference: str  # the diarienummer or document the assessment rests on


@dataclass(frozen=True)
class DecideArvodeLevel(Decide):
    """amount_ore: the arvode per dygn (kontaktfamilj only)."""


@dataclass(frozen=True)
class ApproveOmkostnadExcess(Decide):
    """amount_ore: omkostnad kept as omkostnad up to this much, per month (kontaktperson, skkp) or per dygn and
    child (kontaktfamilj)."""


@dataclass(frozen=True)
class Decided:
    event_type: str
    from_month: str
    to_month: str | None
    decision: IndividualDecision

    def covers(self, month: str) -> bool:
        return self.from_month <= month and (self.to_month is None or month <= self.to_month)


@dataclass(frozen=True)
class DecisionsState:
    municipality: str | None = None
    assignment_id: str | None = None
    decided: tuple[Decided, ...] = ()  # in the order decided


def initial() -> DecisionsState:
    return DecisionsState()


def in_force(decided: tuple[Decided, ...], month: str) -> dict[str, IndividualDecision]:
    """The decision of each kind in force in `month`: the latest one that covers it."""
    found: dict[str, IndividualDecision] = {}
    for d in decided:
        if d.covers(month):
            found[d.event_type] = d.decision
    return found


def decide(state: DecisionsState, command: Decide) -> list[NewEvent]:
    if not isinstance(command, (DecideArvodeLevel, ApproveOmkostnadExcess)):
        raise TypeError(f"not a decisions command: {type(command).__name__}")
    problems = _problems(state, command)
    if problems:
        raise CommandRefused(*problems)
    event_type = ARVODE if isinstance(command, DecideArvodeLevel) else OMKOSTNAD
    return [NewEvent(event_type, {
        "decision_id": f"{stream_id(command.assignment_id)}/{len(state.decided) + 1}",
        "municipality": command.municipality,
        "assignment_id": command.assignment_id,
        "kind": command.kind,
        "from_month": command.from_month,
        "to_month": command.to_month,
        "amount_ore": command.amount_ore,
        "per": "dygn" if command.kind == "kontaktfamilj" else "month",
        "reason": command.reason.strip(),
        "underlag_reference": command.underlag_reference.strip(),
        "decided_by": command.by,
        "decided_on": command.on.isoformat(),
    })]


def _problems(state: DecisionsState, command: Decide) -> list[Problem]:
    problems = []
    if not is_municipality(command.municipality):
        problems.append(Problem("unknown kommunkod", "municipality", "municipality_unknown"))
    elif state.municipality not in (None, command.municipality):
        problems.append(Problem("the assignment belongs to another municipality", "municipality",
                                "wrong_municipality"))
    if state.assignment_id not in (None, command.assignment_id):
        problems.append(Problem("this stream is another assignment's", "assignment_id", "wrong_assignment"))
    if command.kind not in KINDS:
        problems.append(Problem(f"kind must be one of {', '.join(KINDS)}", "kind", "kind_unknown"))
    elif isinstance(command, DecideArvodeLevel) and command.kind != "kontaktfamilj":
        problems.append(Problem("an arvode level per dygn is decided for a kontaktfamilj; a kontaktperson's arvode "
                                "is the plan's percentage within its category's band", "kind", "not_kontaktfamilj"))
    if not command.by:
        problems.append(Problem("who decides is required", "by", "required"))
    if not command.reason.strip():
        problems.append(Problem("an individual decision needs its reason", "reason", "required"))
    if not command.underlag_reference.strip():
        problems.append(Problem("an individual assessment rests on an underlag: give its reference",
                                "underlag_reference", "required"))
    if command.amount_ore <= 0 or command.amount_ore % 100:
        problems.append(Problem("the amount must be whole kronor above 0", "amount_ore", "invalid"))
    for name in ("from_month", "to_month"):
        value = getattr(command, name)
        if value is None and name == "to_month":
            continue
        try:
            month_start(value)
        except (TypeError, ValueError):
            problems.append(Problem(f"{name} must be a month, YYYY-MM", name, "invalid"))
    if not problems and command.to_month is not None and command.to_month < command.from_month:
        problems.append(Problem("the decision ends before it begins", "to_month", "invalid"))
    return problems


def evolve(state: DecisionsState, event: EventLike) -> DecisionsState:
    if event.type not in (ARVODE, OMKOSTNAD):
        return state
    return replace(state, municipality=event.data["municipality"], assignment_id=event.data["assignment_id"],
                   decided=state.decided + (decided_from_data(event.type, event.data),))


def decided_from_data(event_type: str, d: dict) -> Decided:
    """One decision from its event's data (the stream, or the read model that keeps the data)."""
    return Decided(event_type, d["from_month"], d["to_month"],
                   IndividualDecision(d["decision_id"], d["amount_ore"], d["decided_by"],
                                      date.fromisoformat(d["decided_on"]), d["underlag_reference"]))


DECISIONS: Decider[DecisionsState] = Decider("decisions", initial, decide, evolve)
