"""Preliminary tax (skatteavdrag) and employer contributions (arbetsgivaravgifter) on the taxable lines of a payment.

Arvode, and omkostnad above the SKR level without an individual decision, are pay: tax is withheld from them and
the municipality pays employer contributions on them. Omkostnad within the SKR level and expenses against
receipts carry neither. Every rule is looked up on the day of payment in the law's dated rows (tax_rules.py).

Employer contributions follow the payee's age at the start of the payment's year (employer_contributions.csv):
none for people born 1937 or earlier, the ålderspensionsavgift alone (10.21 %) from the age limit (66 in 2023-2025,
the riktålder from 2026), the youth reduction (20.81 %) on pay given out 2026-04-01..2027-09-30 to people who had
turned 18 but not 23, on up to 25,000 kr a calendar month (the rest at the full rate), and otherwise 31.42 %.

The 1,000 kr rule (socialavgiftslagen 2 kap. 14 and 24 §§): no employer contributions are due for a person whose
pay from the municipality stays under 1,000 kr in the year. A payment cannot know the rest of the year, so:
  - while the year-to-date total, this payment included, stays under 1,000 kr, the contributions are computed but
    not charged: they are recorded as *deferred*, and the pay is reported as not underlag (AGI box 131);
  - the payment that takes the total to 1,000 kr or more charges its own contributions and those on the year's
    earlier pay (the *catch-up*, on the *catch-up base*, AGI box 010), at this payment's rate, as Skatteverket
    computes them on that month's declaration;
  - after that, every payment is charged normally.
The year is the year of payment, and the total spans all the person's assignments in the municipality: the caller
passes it in as `YearToDate` (see `YearToDate.from_compensations`).

Withholding (skatteförfarandelagen 10 kap. 4 §): none from a payment under 100 kr, and none while the year's total
can be assumed to stay under 1,000 kr. It is assumed so when the year so far, this payment, and as much again for
every month left in the year (when the volunteer's assignments go on) stay under 1,000 kr. Once the year passes,
tax is withheld from the later payments only; earlier ones are not taxed afterwards. The bases supported are the
30 % for a side income (default), a jämkning decision and SINK. Skatteverket's tax tables (a table number and a
column, kronor by income bracket) are not shipped: a basis recorded as "tax_table" before is applied as its
percentage and flagged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .money import kronor, percent_of
from .rate_table import RateValue
from .tax_rules import ContributionRule, TaxRules

WITHHOLDING_BASES = ("default", "jamkning", "sink")  # what finance may record now
LEGACY_BASES = ("tax_table",)  # recorded before tables were known unshippable: applied as its percentage, flagged
TAX_TABLES_NOT_SUPPORTED = ("skattetabell stöds inte: Skatteverkets tabeller (tabellnummer och kolumn) levereras "
                            "inte; grunderna är 30 % (sidoinkomst), jämkning och SINK")


@dataclass(frozen=True)
class TaxProfile:
    """What the municipality has recorded about a volunteer's tax."""

    person_id: str
    birth_date: date
    withholding_percent: Decimal | None = None  # a jämkning decision's percentage (or a legacy tax_table one)
    withholding_basis: str = "default"  # default (30 %) | jamkning | sink | tax_table (legacy)


@dataclass(frozen=True)
class YearToDate:
    """The person's taxable compensation from the municipality already calculated for payment in `year`."""

    year: int
    taxable_ore: int = 0
    deferred_contributions_ore: int = 0  # computed under the 1,000 kr threshold and not yet charged
    period: str | None = None  # the month of payment `period_taxable_ore` is for, YYYY-MM
    period_taxable_ore: int = 0  # already calculated for payment in `period`: the youth rule's monthly cap

    @staticmethod
    def from_compensations(year: int, compensations: Iterable[dict], period: str | None = None) -> "YearToDate":
        """Sum earlier `CompensationCalculated` data of one person and municipality paid in `year`."""
        taxable = deferred = in_period = 0
        for data in compensations:
            if int(data["paid_in"][:4]) != year:
                continue
            paid = sum(line["amount_ore"] for line in data["lines"] if line["taxable"])
            taxable += paid
            in_period += paid if data["paid_in"] == period else 0
            deferred += sum(line["employer_contributions_deferred_ore"] for line in data["lines"])
            deferred -= data["employer_contributions_catch_up_ore"]
        return YearToDate(year, taxable, deferred, period, in_period)

    def after(self, data: dict) -> "YearToDate":
        """These figures with one more `CompensationCalculated` of the same year (and period) added."""
        paid = sum(line["amount_ore"] for line in data["lines"] if line["taxable"])
        deferred = sum(line["employer_contributions_deferred_ore"] for line in data["lines"])
        return YearToDate(self.year, self.taxable_ore + paid,
                          self.deferred_contributions_ore + deferred - data["employer_contributions_catch_up_ore"],
                          self.period, self.period_taxable_ore + (paid if data["paid_in"] == self.period else 0))


# --- withholding -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Withholding:
    percent: Decimal  # the basis's percentage
    basis: str
    exemption: str | None  # why nothing is withheld from this payment: under_100_kr | year_under_1000_kr
    rates_used: tuple[RateValue, ...]


def withholding(profile: TaxProfile, taxable_ore: int, year_to_date: YearToDate, paid_on: date,
                further_pay_expected: bool, law: TaxRules) -> Withholding:
    used: list[RateValue] = []
    if profile.withholding_basis in ("jamkning", "tax_table"):
        percent = profile.withholding_percent
    else:
        found = law.parameter("withholding.sink" if profile.withholding_basis == "sink" else
                              "withholding.side_income", paid_on)
        used.append(found)
        percent = found.value
    exemption = None
    if taxable_ore > 0:
        minimum = law.parameter("withholding.single_payment_minimum", paid_on)
        year_limit = law.parameter("withholding.year_threshold", paid_on)
        used += [minimum, year_limit]
        months_left = 12 - paid_on.month if further_pay_expected else 0
        expected = year_to_date.taxable_ore + taxable_ore * (1 + months_left)
        if taxable_ore < kronor(minimum.value):
            exemption = "under_100_kr"
        elif expected < kronor(year_limit.value):
            exemption = "year_under_1000_kr"
    return Withholding(percent, profile.withholding_basis, exemption, tuple(used))


def withheld(amount_ore: int, rule: Withholding, refundable_ore: int) -> tuple[int, int]:
    """(tax on one line, what may still be refunded after it). A line taking pay back refunds tax at the same
    percentage, but never more than the month's payments had withheld."""
    if amount_ore >= 0:
        return (0 if rule.exemption else percent_of(amount_ore, rule.percent)), refundable_ore
    refund = max(percent_of(amount_ore, rule.percent), -refundable_ore)
    return refund, refundable_ore + refund


# --- employer contributions -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContributionPart:
    """Pay (base) at one rate: how Skatteverket sums the avgiftsunderlag, one rate at a time."""

    rule: str
    percent: Decimal
    monthly_cap_ore: int | None
    base_ore: int

    @property
    def contributions_ore(self) -> int:
        return percent_of(self.base_ore, self.percent)

    def to_data(self) -> dict:
        return {"rule": self.rule, "percent": str(self.percent), "monthly_cap_ore": self.monthly_cap_ore,
                "base_ore": self.base_ore, "contributions_ore": self.contributions_ore}


class ContributionSplit:
    """Splits a payment's pay over the payee's rules, in order, using up a capped rule's monthly room."""

    def __init__(self, chain: tuple[ContributionRule, ...], paid_this_month_ore: int):
        self.chain = chain
        self.used_ore = paid_this_month_ore  # pay at the capped rule this calendar month so far
        self.parts: dict[str, ContributionPart] = {}

    def split(self, amount_ore: int) -> int:
        """Add `amount_ore` of pay; returns its contributions. A negative amount (an adjustment taking pay back)
        is at the first rule."""
        first = self.chain[0]
        if amount_ore <= 0 or first.monthly_cap_ore is None:
            return self._add(first, amount_ore)
        room = max(first.monthly_cap_ore - self.used_ore, 0)
        within = min(amount_ore, room)
        self.used_ore += within
        return self._add(first, within) + (self._add(self.chain[1], amount_ore - within) if amount_ore > within
                                           else 0)

    def _add(self, rule: ContributionRule, base_ore: int) -> int:
        if not base_ore:
            return 0
        before = self.parts.get(rule.name, ContributionPart(rule.name, rule.percent, rule.monthly_cap_ore, 0))
        self.parts[rule.name] = ContributionPart(rule.name, rule.percent, rule.monthly_cap_ore,
                                                 before.base_ore + base_ore)
        return percent_of(base_ore, rule.percent)


@dataclass(frozen=True)
class ThresholdOutcome:
    charge_now: bool  # contributions of this payment are charged now
    catch_up_base_ore: int  # the year's earlier pay that becomes underlag with this payment (AGI box 010)
    rate: RateValue


def threshold(year_to_date: YearToDate, taxable_ore: int, paid_on: date, law: TaxRules) -> ThresholdOutcome:
    limit = law.parameter("employer_contributions.year_threshold", paid_on)
    limit_ore = kronor(limit.value)
    before, after = year_to_date.taxable_ore, year_to_date.taxable_ore + taxable_ore
    # Once crossed, the year stays crossed: a later negative adjustment refunds charged contributions, it does
    # not defer them again.
    if before < limit_ore and after < limit_ore:
        return ThresholdOutcome(False, 0, limit)
    return ThresholdOutcome(True, before if before < limit_ore else 0, limit)
