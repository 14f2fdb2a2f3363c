"""The law's figures as dated data: employer contribution rules (../rates/employer_contributions.csv) and the tax
and contribution parameters (../rates/tax_rules.csv), each row valid from one day to another and citing its
source. A municipality cannot change them, so they are not in its rate table.

Every lookup is made on the day of PAYMENT: the rules apply to pay "given out" while they are in force (SFS
2026:100, övergångsbestämmelse 2), and the arbetsgivardeklaration reports the month of payment. The age rules count
"vid årets ingång": the age the person turned in the year before the payment's year, by birth year.

A row's `confidence` says how sure the source is: C confirmed in a primary text (SFS, prop., Skatteverket, SKR),
S a secondary source only, U not confirmed. A calculation that rests on a U row says so in its warnings.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .rate_table import RateValue, UnknownRate

RATES_DIR = Path(__file__).parent.parent / "rates"
CONFIDENCE = ("C", "S", "U")


def age_at_year_start(birth_date: date, on: date) -> int:
    """The age the payee had turned at the start of the year of `on` ("vid årets ingång"), by birth year, as
    Skatteverket and SKR count it: born 1959, paid in 2026 -> 66."""
    return (on.year - 1) - birth_date.year


# --- conditions ----------------------------------------------------------------------------------------------

Condition = Callable[[date, date, Callable[[str, date], Decimal]], bool]  # (birth date, paid on, parameter)

_EVERYONE = re.compile(r"^everyone$")
_BORN_UP_TO = re.compile(r"^born <= (\d{4})$")
_AGE_FROM = re.compile(r"^age >= (\d+|riktalder)$")
_AGE_BETWEEN = re.compile(r"^(\d+) <= age <= (\d+)$")


def parse_condition(text: str) -> Condition:
    """The small language of the `condition` column ("age" is the age at the start of the payment's year):

        everyone            every payee
        born <= 1937        born in 1937 or earlier
        age >= 66           had turned 66 at the start of the year
        age >= riktalder    had turned the year's riktålder for pension (tax_rules.csv, key riktalder)
        18 <= age <= 22     had turned 18 but not 23
    """
    if _EVERYONE.match(text):
        return lambda born, on, parameter: True
    if found := _BORN_UP_TO.match(text):
        year = int(found.group(1))
        return lambda born, on, parameter: born.year <= year
    if found := _AGE_FROM.match(text):
        limit = found.group(1)
        if limit == "riktalder":
            return lambda born, on, parameter: age_at_year_start(born, on) >= parameter("riktalder", on)
        return lambda born, on, parameter: age_at_year_start(born, on) >= int(limit)
    if found := _AGE_BETWEEN.match(text):
        low, high = int(found.group(1)), int(found.group(2))
        return lambda born, on, parameter: low <= age_at_year_start(born, on) <= high
    raise ValueError(f"not a condition: {text!r}")


# --- rows ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One dated figure of the law (a parameter, or one contribution rule's percentage)."""

    key: str
    valid_from: date
    valid_to: date | None  # None: until a later row
    value: Decimal
    confidence: str
    source: str

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def used(self, carried_forward: bool = False) -> RateValue:
        return RateValue(self.key, self.value, self.valid_from, self.source, carried_forward,
                         valid_to=self.valid_to, confidence=self.confidence)


@dataclass(frozen=True)
class ContributionRule:
    """A rate of employer contributions for the payees its condition holds for, while it is in force. With a
    monthly cap it applies to the pay up to the cap in a calendar month; the rest falls to the next rule."""

    name: str  # standard | reduced_older | youth_18_22 | youth_15_17 | none_born_1937_or_earlier
    row: Row  # key employer_contributions.<name>, value the percentage
    condition: Condition
    monthly_cap_ore: int | None

    @property
    def percent(self) -> Decimal:
        return self.row.value


class TaxRules:
    """The dated rows of the law, read-only."""

    def __init__(self, parameters: list[Row], contributions: list[ContributionRule]):
        self._parameters: dict[str, list[Row]] = {}
        for row in sorted(parameters, key=lambda r: r.valid_from):
            self._parameters.setdefault(row.key, []).append(row)
        self._contributions = tuple(contributions)  # in the file's order: the first that applies wins
        for key, rows in self._parameters.items():
            for before, after in zip(rows, rows[1:]):
                if before.valid_to is None or before.valid_to >= after.valid_from:
                    raise ValueError(f"{key}: the rows from {before.valid_from} and {after.valid_from} overlap")

    def parameter(self, key: str, on: date) -> RateValue:
        """The figure in force on `on`. Where no row covers the day, the latest earlier one is used and flagged
        carried forward (riktålder 2029, say, before its ordinance is entered)."""
        rows = self._parameters.get(key)
        if not rows:
            raise UnknownRate(key)
        for row in rows:
            if row.valid_on(on):
                return row.used()
        earlier = [row for row in rows if row.valid_from <= on]
        if not earlier:
            raise UnknownRate(f"{key} on {on.isoformat()}")
        return earlier[-1].used(carried_forward=True)

    def contribution_rules(self, birth_date: date, on: date) -> tuple[tuple[ContributionRule, ...], list[RateValue]]:
        """The rules for a payee paid on `on`: the first in force whose condition holds, and, after a rule with a
        monthly cap, the rule for the pay above it. With every row and parameter the choice rested on."""
        used: list[RateValue] = []

        def parameter(key: str, day: date) -> Decimal:
            found = self.parameter(key, day)
            used.append(found)
            return found.value

        chain: list[ContributionRule] = []
        for rule in self._contributions:
            if rule.row.valid_on(on) and rule.condition(birth_date, on, parameter):
                chain.append(rule)
                used.append(rule.row.used())
                if rule.monthly_cap_ore is None:
                    return tuple(chain), used
        if not chain:
            raise UnknownRate(f"no employer contribution rule on {on.isoformat()}")
        raise UnknownRate(f"{chain[-1].name} has a cap and no rule for the pay above it on {on.isoformat()}")


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _row(key: str, fields: dict, value: str) -> Row:
    if fields["confidence"] not in CONFIDENCE:
        raise ValueError(f"{key}: confidence must be one of {', '.join(CONFIDENCE)}")
    return Row(key, date.fromisoformat(fields["valid_from"]), _date(fields["valid_to"]), Decimal(value),
               fields["confidence"], fields["source"])


def read_rows(name: str) -> list[dict]:
    """The rows of one of the shipped files (rates/<name>), as text."""
    with open(RATES_DIR / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rules_from(parameters: list[dict], contributions: list[dict]) -> TaxRules:
    """TaxRules from rows shaped as in rates/tax_rules.csv and rates/employer_contributions.csv."""
    return TaxRules([_row(r["key"], r, r["value"]) for r in parameters], [
        ContributionRule(r["rule"], _row(f"employer_contributions.{r['rule']}", r, r["percent"]),
                         parse_condition(r["condition"]),
                         int(r["monthly_cap_kr"]) * 100 if r["monthly_cap_kr"] else None)
        for r in contributions])


@lru_cache(maxsize=1)
def tax_rules() -> TaxRules:
    """The shipped rows (rates/tax_rules.csv and rates/employer_contributions.csv)."""
    return rules_from(read_rows("tax_rules.csv"), read_rows("employer_contributions.csv"))
