"""Dated rates: the SKR defaults from rates/skr.csv, with a municipality's overrides laid on top.

A rate is looked up by key and by the day the work was done. The answer says where the figure came from, so a
calculation can record every rate it rests on and flag a yearly figure carried forward from an earlier year.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Iterable

SKR_CSV = Path(__file__).parent.parent / "rates" / "skr.csv"


@dataclass(frozen=True)
class Rate:
    """One figure from one date. `value` None (overrides only) means: follow the defaults again from this date."""

    key: str
    effective_from: date
    value: Decimal | None
    source: str


@dataclass(frozen=True)
class RateValue:
    """The answer to a lookup, with what a calculation must record about it."""

    key: str
    value: Decimal
    effective_from: date
    source: str
    carried_forward: bool  # a yearly figure used in a later year than it was published for
    valid_to: date | None = None  # the law's rows (tax_rules.py): the last day the figure is in force
    confidence: str | None = None  # the law's rows: C confirmed, S secondary source, U not confirmed

    @property
    def unconfirmed(self) -> bool:
        return self.confidence == "U"

    def to_data(self) -> dict:
        return {"key": self.key, "value": str(self.value), "effective_from": self.effective_from.isoformat(),
                "valid_to": self.valid_to.isoformat() if self.valid_to else None, "source": self.source,
                "confidence": self.confidence, "carried_forward": self.carried_forward}


class UnknownRate(KeyError):
    """No figure for the key on that day: a programming or data error, not a user's mistake."""


@dataclass(frozen=True)
class KeyInfo:
    unit: str
    yearly: bool


class RateTable:
    """Defaults plus one municipality's overrides. Immutable; `with_overrides` returns a new table."""

    def __init__(self, defaults: Iterable[Rate], keys: dict[str, KeyInfo],
                 overrides: Iterable[Rate] = (), municipality: str | None = None):
        self.keys = dict(keys)
        self.municipality = municipality
        self._defaults = _by_key(defaults)
        self._overrides = _by_key(overrides)

    def with_overrides(self, overrides: Iterable[Rate], municipality: str) -> "RateTable":
        return RateTable(_flatten(self._defaults), self.keys, overrides, municipality)

    def lookup(self, key: str, on: date) -> RateValue:
        if key not in self.keys:
            raise UnknownRate(key)
        override = _latest(self._overrides.get(key, ()), on)
        # An override holds once effective, until the municipality sets the key again (value None: back to SKR).
        if override is not None and override.value is not None:
            return RateValue(key, override.value, override.effective_from, override.source, False)
        default = _latest(self._defaults.get(key, ()), on)
        if default is None or default.value is None:
            raise UnknownRate(f"{key} on {on.isoformat()}")
        carried = self.keys[key].yearly and default.effective_from.year < on.year
        return RateValue(key, default.value, default.effective_from, default.source, carried)

    def value(self, key: str, on: date) -> Decimal:
        return self.lookup(key, on).value


def _by_key(rates: Iterable[Rate]) -> dict[str, tuple[Rate, ...]]:
    grouped: dict[str, list[Rate]] = {}
    for rate in rates:
        grouped.setdefault(rate.key, []).append(rate)
    # Sorted by date; for the same date the later entry (a later decision) comes last and wins.
    return {key: tuple(sorted(items, key=lambda r: r.effective_from)) for key, items in grouped.items()}


def _flatten(grouped: dict[str, tuple[Rate, ...]]) -> list[Rate]:
    return [rate for rates in grouped.values() for rate in rates]


def _latest(rates: tuple[Rate, ...], on: date) -> Rate | None:
    found = None
    for rate in rates:
        if rate.effective_from <= on:
            found = rate
    return found


@lru_cache(maxsize=1)
def skr_defaults() -> RateTable:
    """The shipped default table (rates/skr.csv), without any municipality's overrides."""
    with open(SKR_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keys = {row["key"]: KeyInfo(row["unit"], row["yearly"] == "yes") for row in rows}
    # An empty value is a setting with no default: the municipality sets it (agi.organisationsnummer).
    rates = [Rate(row["key"], date.fromisoformat(row["effective_from"]),
                  Decimal(row["value"]) if row["value"] else None, row["source"]) for row in rows]
    return RateTable(rates, keys)
