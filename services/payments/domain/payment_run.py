"""A municipality's payment run for one month: stream "paymentrun-<kommunkod>-<YYYY-MM>".

Finance prepares the run (the compensations to pay, with the warnings of their calculations, such as a rate
carried forward from an earlier year, so the approver sees them), a different person approves it (four eyes),
and then each
compensation is paid: `IssuePayment` goes to the compensation's own stream (compensation.py) with this run's
state, so that workers paying a run in parallel never contend on one stream, and a compensation is paid at most
once whatever run lists it. See docs/domain.md, "Compensation".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, Problem
from services.common.places import is_municipality

from .calculation import month_start


RUN_EVENTS_VERSION = 2  # PaymentRunPrepared and PaymentRunApproved 2: warnings


def stream_id(municipality: str, period: str) -> str:
    return f"paymentrun-{municipality}-{period}"


@dataclass(frozen=True)
class RunItem:
    """One compensation (an assignment-month or an adjustment of one) to pay in the run."""

    compensation_id: str
    assignment_id: str
    volunteer_id: str
    month: str  # the month worked, YYYY-MM
    payout_ore: int  # to the volunteer after tax: may be negative for an adjustment

    def to_data(self) -> dict:
        return {"compensation_id": self.compensation_id, "assignment_id": self.assignment_id,
                "volunteer_id": self.volunteer_id, "month": self.month, "payout_ore": self.payout_ore}


@dataclass(frozen=True)
class RunWarning:
    """A warning of the calculations the run pays (CompensationCalculated.warnings), and how many items have it."""

    warning: str
    items: int

    def to_data(self) -> dict:
        return {"warning": self.warning, "items": self.items}


@dataclass(frozen=True)
class PreparePaymentRun:
    municipality: str
    period: str  # the month of payment, YYYY-MM
    by: str  # finance
    items: tuple[RunItem, ...]  # the calculated, unpaid compensations with an approved report
    prepared_on: date
    warnings: tuple[RunWarning, ...] = ()  # of those compensations' calculations, for the approver to see


@dataclass(frozen=True)
class ApprovePaymentRun:
    municipality: str
    period: str
    by: str  # anyone with the finance role but the preparer
    approved_on: date
    preparation: int | None = None  # the preparation the approver reviewed; refused if prepared again since


@dataclass(frozen=True)
class PaymentRunState:
    municipality: str | None = None
    period: str | None = None
    status: str = "new"  # new | prepared | approved
    preparation: int = 0  # how many times it was prepared (re-preparing before approval replaces the items)
    prepared_by: str | None = None
    items: tuple[RunItem, ...] = ()
    warnings: tuple[RunWarning, ...] = ()
    approved_by: str | None = None

    @property
    def run_id(self) -> str:
        return stream_id(self.municipality, self.period)

    def lists(self, compensation_id: str) -> bool:
        return any(item.compensation_id == compensation_id for item in self.items)


def initial() -> PaymentRunState:
    return PaymentRunState()


def decide(state: PaymentRunState, command) -> list[NewEvent]:
    if isinstance(command, PreparePaymentRun):
        return _prepare(state, command)
    if isinstance(command, ApprovePaymentRun):
        return _approve(state, command)
    raise TypeError(f"not a payment run command: {type(command).__name__}")


def _prepare(state: PaymentRunState, command: PreparePaymentRun) -> list[NewEvent]:
    problems = _stream_problems(state, command.municipality, command.period)
    if not command.by:
        problems.append(Problem("who prepares the run is required", "by", "required"))
    if state.status == "approved":
        problems.append(Problem("the run is already approved: new compensations go into the next month's run",
                                "period", "run_approved"))
    if not command.items:
        problems.append(Problem("there is nothing to pay", "items", "run_empty"))
    ids = [item.compensation_id for item in command.items]
    if len(set(ids)) != len(ids):
        problems.append(Problem("a compensation is listed twice", "items", "item_duplicate"))
    if not problems and command.prepared_on < month_start(command.period):
        problems.append(Problem(f"the run for {command.period} cannot be prepared before the month begins",
                                "prepared_on", "too_early"))
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("PaymentRunPrepared", {
        "run_id": stream_id(command.municipality, command.period),
        "municipality": command.municipality,
        "period": command.period,
        "preparation": state.preparation + 1,
        "items": [item.to_data() for item in command.items],
        "item_count": len(command.items),
        "total_payout_ore": sum(item.payout_ore for item in command.items),
        "warnings": [w.to_data() for w in command.warnings],
        "prepared_by": command.by,
        "prepared_on": command.prepared_on.isoformat(),
    }, RUN_EVENTS_VERSION)]


def _approve(state: PaymentRunState, command: ApprovePaymentRun) -> list[NewEvent]:
    problems = _stream_problems(state, command.municipality, command.period)
    if not problems and state.status == "approved":
        return []  # approving twice (a retried request) changes nothing
    if state.status == "new":
        problems.append(Problem("the run has not been prepared", "period", "run_not_prepared"))
    if not command.by:
        problems.append(Problem("who approves the run is required", "by", "required"))
    elif command.by == state.prepared_by:
        problems.append(Problem("four eyes: the person who prepared the run cannot approve it",
                                "by", "four_eyes"))
    if command.preparation is not None and state.status != "new" and command.preparation != state.preparation:
        problems.append(Problem("the run was prepared again after you reviewed it: review it again",
                                "preparation", "preparation_changed"))
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("PaymentRunApproved", {
        "run_id": state.run_id,
        "municipality": command.municipality,
        "period": command.period,
        "preparation": state.preparation,
        "item_count": len(state.items),
        "total_payout_ore": sum(item.payout_ore for item in state.items),
        "warnings": [w.to_data() for w in state.warnings],  # what the approver was shown, approved with the run
        "approved_by": command.by,
        "approved_on": command.approved_on.isoformat(),
    }, RUN_EVENTS_VERSION)]


def _stream_problems(state: PaymentRunState, municipality: str, period: str) -> list[Problem]:
    problems = []
    if not is_municipality(municipality):
        problems.append(Problem("unknown kommunkod", "municipality", "municipality_unknown"))
    elif state.municipality not in (None, municipality):
        problems.append(Problem("the run belongs to another municipality", "municipality", "wrong_municipality"))
    try:
        month_start(period)
    except ValueError:
        problems.append(Problem("period must be a month, YYYY-MM", "period", "invalid"))
    else:
        if state.period not in (None, period):
            problems.append(Problem("the run is for another month", "period", "wrong_period"))
    return problems


def evolve(state: PaymentRunState, event: EventLike) -> PaymentRunState:
    data = event.data
    if event.type == "PaymentRunPrepared":
        items = tuple(RunItem(i["compensation_id"], i["assignment_id"], i["volunteer_id"], i["month"],
                              i["payout_ore"]) for i in data["items"])
        warnings = tuple(RunWarning(w["warning"], w["items"]) for w in data["warnings"])
        return replace(state, municipality=data["municipality"], period=data["period"], status="prepared",
                       preparation=data["preparation"], prepared_by=data["prepared_by"], items=items,
                       warnings=warnings)
    if event.type == "PaymentRunApproved":
        return replace(state, status="approved", approved_by=data["approved_by"])
    return state


PAYMENT_RUN: Decider[PaymentRunState] = Decider("paymentrun", initial, decide, evolve)
