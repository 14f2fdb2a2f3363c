"""Preliminary tax and employer contributions (arbetsgivaravgifter) on the taxable lines of a payment.

Arvode, and omkostnad above the SKR level, are salary: preliminary tax is withheld from them and the municipality
pays employer contributions on them. Tax-free omkostnad and expenses against receipts carry neither.

The 1,000 kr rule: no employer contributions are due for a person whose taxable compensation from the municipality
stays under 1,000 kr in the year. A payment cannot know the rest of the year, so:
  - while the year-to-date total, this payment included, stays under 1,000 kr, the contributions are computed but
    not charged: they are recorded as *deferred*;
  - the payment that takes the total to 1,000 kr or more charges its own contributions plus every deferred one of
    the year (the *catch-up*), so the whole year's contributions are reported in that month's AGI;
  - after that, every payment is charged normally.
The year is the year of payment (AGI reports what is paid in a month), and the total spans all the person's
assignments in the municipality: the caller passes it in as `YearToDate` (see `YearToDate.from_compensations`).

Preliminary tax is withheld from the first krona (the law allows skipping it under 1,000 kr a year, but a payment
cannot know the year will stay under; the final assessment gives it back).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .money import kronor
from .rate_table import RateTable, RateValue

WITHHOLDING_BASES = ("default", "tax_table", "jamkning")


@dataclass(frozen=True)
class TaxProfile:
    """What the municipality has recorded about a volunteer's tax."""

    person_id: str
    birth_date: date
    withholding_percent: Decimal | None = None  # from the volunteer's tax table, or a jämkning decision
    withholding_basis: str = "default"  # default (30 %) | tax_table | jamkning


@dataclass(frozen=True)
class YearToDate:
    """The person's taxable compensation from the municipality already calculated for payment in `year`."""

    year: int
    taxable_ore: int = 0
    deferred_contributions_ore: int = 0  # computed under the 1,000 kr threshold and not yet charged

    @staticmethod
    def from_compensations(year: int, compensations: Iterable[dict]) -> "YearToDate":
        """Sum earlier `CompensationCalculated` data of one person and municipality paid in `year`."""
        taxable = deferred = 0
        for data in compensations:
            if int(data["paid_in"][:4]) != year:
                continue
            taxable += sum(line["amount_ore"] for line in data["lines"] if line["taxable"])
            deferred += sum(line["employer_contributions_deferred_ore"] for line in data["lines"])
            deferred -= data["employer_contributions_catch_up_ore"]
        return YearToDate(year, taxable, deferred)


@dataclass(frozen=True)
class ContributionRule:
    percent: Decimal
    rule: str  # standard | reduced_65_plus | none_born_1937_or_earlier


def withholding_percent(profile: TaxProfile, rates: RateTable, on: date) -> tuple[Decimal, list[RateValue]]:
    if profile.withholding_percent is not None and profile.withholding_basis != "default":
        return profile.withholding_percent, []
    default = rates.lookup("preliminary_tax.default", on)
    return default.value, [default]


def contribution_rule(birth_date: date, year: int, rates: RateTable) -> tuple[ContributionRule, list[RateValue]]:
    """The employer contribution rate for a person paid in `year`, by the age rules."""
    on = date(year, 1, 1)
    none_up_to = rates.lookup("employer_contributions.none_born_up_to", on)
    if birth_date.year <= int(none_up_to.value):
        return ContributionRule(Decimal(0), "none_born_1937_or_earlier"), [none_up_to]
    reduced_from = rates.lookup("employer_contributions.reduced_from_age", on)
    # Skatteverket counts by birth year: "fyllt 65 vid årets ingång" means the 65th birthday fell before 1 January.
    age_at_year_start = (year - 1) - birth_date.year
    if age_at_year_start >= int(reduced_from.value):
        reduced = rates.lookup("employer_contributions.reduced", on)
        return ContributionRule(reduced.value, "reduced_65_plus"), [none_up_to, reduced_from, reduced]
    standard = rates.lookup("employer_contributions.standard", on)
    return ContributionRule(standard.value, "standard"), [none_up_to, reduced_from, standard]


@dataclass(frozen=True)
class ThresholdOutcome:
    charge_now: bool  # contributions of this payment are charged now
    catch_up_ore: int  # deferred contributions of earlier payments that become due with this one
    rate: RateValue


def threshold(year_to_date: YearToDate, taxable_ore: int, rates: RateTable) -> ThresholdOutcome:
    limit = rates.lookup("yearly_threshold", date(year_to_date.year, 1, 1))
    limit_ore = kronor(limit.value)
    before, after = year_to_date.taxable_ore, year_to_date.taxable_ore + taxable_ore
    # Once crossed, the year stays crossed: a later negative adjustment refunds charged contributions, it does
    # not defer them again.
    if before < limit_ore and after < limit_ore:
        return ThresholdOutcome(False, 0, limit)
    return ThresholdOutcome(True, year_to_date.deferred_contributions_ore, limit)
