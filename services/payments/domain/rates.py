"""A municipality's own rates: stream "rates-<kommunkod>".

`PublishRates` sets one or more keys of the rate table from a date, with who decided and why; the SKR defaults
(rates/skr.csv) apply to every key the municipality has not set. `table(state)` gives the RateTable a calculation
uses.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, Problem
from services.common.places import is_municipality

from .rate_table import Rate, RateTable, skr_defaults

WHOLE_NUMBER_UNITS = ("years", "year", "days", "factor", "switch", "id")
# Settings that are identifiers, not amounts: how many digits each may have (Skatteverket's AGI fields 201, 060).
ID_DIGITS = {"agi.organisationsnummer": (10, 10), "agi.arbetsstallenummer": (1, 5)}


def stream_id(municipality: str) -> str:
    return f"rates-{municipality}"


@dataclass(frozen=True)
class RateChange:
    key: str  # a key of rates/skr.csv
    value: Decimal | None  # None: follow the SKR default again from effective_from


@dataclass(frozen=True)
class PublishRates:
    municipality: str
    by: str
    effective_from: date
    rates: tuple[RateChange, ...]
    reason: str  # the nämnd's decision, or why: shown to finance and auditors


@dataclass(frozen=True)
class RatesState:
    municipality: str | None = None
    overrides: tuple[Rate, ...] = ()


def initial() -> RatesState:
    return RatesState()


def table(state: RatesState, defaults: RateTable | None = None) -> RateTable:
    """The rate table in force for the municipality: SKR defaults with its overrides."""
    defaults = defaults or skr_defaults()
    if state.municipality is None:
        return defaults
    return defaults.with_overrides(state.overrides, state.municipality)


def decide(state: RatesState, command: PublishRates) -> list[NewEvent]:
    if not isinstance(command, PublishRates):
        raise TypeError(f"not a rates command: {type(command).__name__}")
    problems = _problems(state, command)
    if problems:
        raise CommandRefused(*problems)
    return [_published(command)]


def _published(command: PublishRates) -> NewEvent:
    units = skr_defaults().keys
    return NewEvent("RatesPublished", {
        "municipality": command.municipality,
        "effective_from": command.effective_from.isoformat(),
        "rates": [{"key": c.key, "value": None if c.value is None else str(c.value), "unit": units[c.key].unit}
                  for c in command.rates],
        "reason": command.reason.strip(),
        "by": command.by,
    })


def _problems(state: RatesState, command: PublishRates) -> list[Problem]:
    problems = []
    if not is_municipality(command.municipality):
        problems.append(Problem("unknown kommunkod", "municipality", "municipality_unknown"))
    elif state.municipality not in (None, command.municipality):
        problems.append(Problem("these rates belong to another municipality", "municipality", "wrong_municipality"))
    if not command.by:
        problems.append(Problem("who publishes the rates is required", "by", "required"))
    if not command.reason.strip():
        problems.append(Problem("a reason is required for every change of rates", "reason", "required"))
    if not command.rates:
        problems.append(Problem("no rates to publish", "rates", "required"))
    known = skr_defaults().keys
    seen = set()
    for i, change in enumerate(command.rates):
        where = f"rates[{i}]"
        if change.key in seen:
            problems.append(Problem(f"{change.key} is listed twice", f"{where}.key", "duplicate"))
        seen.add(change.key)
        if change.key not in known:
            problems.append(Problem(f"unknown rate {change.key!r}", f"{where}.key", "rate_unknown"))
            continue
        if change.value is None:
            continue
        if change.value < 0:
            problems.append(Problem("a rate cannot be negative", f"{where}.value", "negative"))
        elif known[change.key].unit in WHOLE_NUMBER_UNITS and change.value != change.value.to_integral_value():
            problems.append(Problem(f"{change.key} must be a whole number", f"{where}.value", "not_whole"))
        elif known[change.key].unit == "switch" and change.value not in (0, 1):
            problems.append(Problem(f"{change.key} is a choice: 1 or 0", f"{where}.value", "not_a_choice"))
        elif change.key in ID_DIGITS and not _digits_within(change.value, *ID_DIGITS[change.key]):
            low, high = ID_DIGITS[change.key]
            digits = f"{low}" if low == high else f"{low} to {high}"
            problems.append(Problem(f"{change.key} must have {digits} digits", f"{where}.value", "invalid"))
    if problems:
        return problems
    return _band_problems(state, command)


def _digits_within(value: Decimal, low: int, high: int) -> bool:
    return value >= 1 and low <= len(str(int(value))) <= high


def _band_problems(state: RatesState, command: PublishRates) -> list[Problem]:
    """A category's band must stay a band (min <= max) with the new figures in force."""
    after = evolve(state, _published(command))
    rates, on = table(after), command.effective_from
    problems = []
    for category in (1, 2, 3):
        low = rates.value(f"kontaktperson.arvode.category_{category}.min", on)
        high = rates.value(f"kontaktperson.arvode.category_{category}.max", on)
        if low > high:
            problems.append(Problem(f"category {category}: the band's min {low} % is above its max {high} %",
                                    "rates", "band_inverted"))
    return problems


def evolve(state: RatesState, event: EventLike) -> RatesState:
    if event.type != "RatesPublished":
        return state
    data = event.data
    effective_from = date.fromisoformat(data["effective_from"])
    source = f"kommun {data['municipality']}: {data['reason']}"
    added = tuple(Rate(r["key"], effective_from, _decimal(r["value"]), source) for r in data["rates"])
    return replace(state, municipality=data["municipality"], overrides=state.overrides + added)


def _decimal(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:  # stored events were validated; never guess at a broken one
        raise ValueError(f"RatesPublished holds a value that is not a decimal: {text!r}") from None


RATES: Decider[RatesState] = Decider("rates", initial, decide, evolve)
