"""What a volunteer earns for one month of one assignment: pure functions over the plan's terms, the individual
decisions in force, the approved meetings and the rate table.

Two steps, kept apart so that an adjustment taxes only a difference:
  1. `gross_for_month`: arvode, omkostnad (within the SKR level, or an individually decided one, and above it) and
     expenses, with the basis (meetings, dygn, children, decisions, rates used). Rates are rounded to whole kronor
     as SKR publishes them; amounts are exact öre.
  2. `taxed`: preliminary tax and employer contributions on the taxable lines of a payment, by the law's rules on
     the day of payment (tax.py, tax_rules.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import ClassVar, Iterable

import holidays

from services.common.decider import Problem
from services.common.sweden import age_on

from .money import rate_in_whole_kronor
from .rate_table import RateTable, RateValue
from .stays import HalfDay, Stay, StayRules, half_days, overlapping
from .tax import (ContributionPart, ContributionSplit, TaxProfile, YearToDate, threshold, withheld,
                  withholding)
from .tax_rules import ContributionRule, TaxRules, tax_rules

MEETING_STATUSES = ("held", "cancelled", "no_show")
# The volunteer kept the appointment: a client who did not come is not the volunteer's loss.
PAID_STATUSES = ("held", "no_show")
AGE_BANDS = ("child", "youth", "adult")  # SKR's arvode bands, lowest first


# --- months -------------------------------------------------------------------------------------------------

def month_start(month: str) -> date:
    """'2025-03' -> 2025-03-01. Raises ValueError for anything else."""
    if len(month) != 7 or month[4] != "-":
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    return date(int(month[:4]), int(month[5:]), 1)


def month_end(month: str) -> date:
    """The last day of the month."""
    first = month_start(month)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def previous_month(month: str) -> str:
    first = month_start(month) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


# --- what the calculation rests on ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Meeting:
    """One logged meeting (MeetingLogged, its latest correction) as the case worker approved it."""

    meeting_id: str  # the MeetingLogged event id
    date: date
    status: str = "held"  # held | cancelled | no_show
    start: datetime | None = None  # kontaktfamilj: the stay, aware datetimes
    end: datetime | None = None
    expense_ore: int = 0  # expenses the volunteer paid for the meeting
    receipt: bool = False  # a receipt was handed in

    def stay(self) -> Stay:
        return Stay(self.meeting_id, self.start, self.end)


@dataclass(frozen=True)
class IndividualDecision:
    """An individual decision in force for the month (domain/decisions.py), with what an auditor asks of it."""

    decision_id: str
    amount_ore: int  # ArvodeLevelDecided: arvode per dygn; OmkostnadExcessApproved: omkostnad kept as omkostnad
    #                  up to this (per month; kontaktfamilj per dygn and child)
    decided_by: str
    decided_on: date
    underlag_reference: str

    def to_basis(self, kind: str) -> dict:
        return {"decision_id": self.decision_id, "kind": kind, "amount_ore": self.amount_ore,
                "decided_by": self.decided_by, "decided_on": self.decided_on.isoformat(),
                "underlag_reference": self.underlag_reference}


@dataclass(frozen=True)
class KontaktpersonTerms:
    """From the genomförandeplan: category (how often they meet) and the percentages chosen within SKR's bands."""

    kind: ClassVar[str] = "kontaktperson"
    category: int  # 1: at least weekly, 2: several times a week, 3: about daily
    arvode_percent: Decimal  # % of PBB/12, within the category's band
    omkostnad_percent: Decimal  # % of PBB/12; SKR's levels are 10, 25, 40
    expenses_allowed: bool = False  # expenses against receipts reimbursed on top
    omkostnad_justification: str | None = None  # required when omkostnad is above the SKR level
    omkostnad_decision: IndividualDecision | None = None  # the excess individually assessed as omkostnad


@dataclass(frozen=True)
class KontaktfamiljTerms:
    """Per dygn and child; the percentages default to SKR's standard for each child's age on each day."""

    kind: ClassVar[str] = "kontaktfamilj"
    client_birth_dates: tuple[date, ...]  # each child of the assignment (a syskonpar: two), as assignments has them
    omkostnad_percent_child: Decimal | None = None  # 0-12 years, % of PBB/365; None: SKR standard (105 %)
    omkostnad_percent_youth: Decimal | None = None  # 13 and older; None: SKR standard (120 %)
    expenses_allowed: bool = False
    omkostnad_justification: str | None = None
    omkostnad_decision: IndividualDecision | None = None
    arvode_decision: IndividualDecision | None = None  # an individually decided (förhöjt) arvode per dygn


@dataclass(frozen=True)
class SetAmountTerms:
    """SKKP, or any assignment the municipality prices itself: amounts per month set in the plan."""

    arvode_ore: int
    omkostnad_ore: int
    expenses_allowed: bool = False
    omkostnad_justification: str | None = None
    kind: str = "skkp"  # or kontaktperson, where the municipality prices one itself
    omkostnad_decision: IndividualDecision | None = None


Terms = KontaktpersonTerms | KontaktfamiljTerms | SetAmountTerms
KINDS = ("kontaktperson", "kontaktfamilj", "skkp")


@dataclass(frozen=True)
class Gross:
    """A month's (or a difference's) amounts before tax, in öre."""

    arvode_ore: int = 0
    omkostnad_ore: int = 0  # within the SKR level (or an individual decision's): no tax, no contributions
    omkostnad_taxable_ore: int = 0  # above it: taxed as pay
    expenses_ore: int = 0  # against receipts: not pay, not reported

    def minus(self, other: "Gross") -> "Gross":
        return Gross(self.arvode_ore - other.arvode_ore, self.omkostnad_ore - other.omkostnad_ore,
                     self.omkostnad_taxable_ore - other.omkostnad_taxable_ore,
                     self.expenses_ore - other.expenses_ore)

    def plus(self, other: "Gross") -> "Gross":
        return self.minus(Gross(-other.arvode_ore, -other.omkostnad_ore,
                                -other.omkostnad_taxable_ore, -other.expenses_ore))

    def is_zero(self) -> bool:
        return self == Gross()


@dataclass(frozen=True)
class MonthGross:
    gross: Gross
    basis: dict  # JSON-ready: the meetings, dygn and days the amounts rest on
    rates_used: tuple[RateValue, ...]


class _Rates:
    """Looks rates up and remembers each one used, so the event can list them."""

    def __init__(self, table: RateTable):
        self.table = table
        self.used: dict[tuple, RateValue] = {}

    def __call__(self, key: str, on: date) -> Decimal:
        found = self.table.lookup(key, on)
        self.used[(found.key, found.effective_from, found.value)] = found
        return found.value

    def all(self) -> tuple[RateValue, ...]:
        return tuple(sorted(self.used.values(), key=lambda r: (r.key, r.effective_from)))


def stay_rules(rates: RateTable, on: date) -> StayRules:
    """The municipality's choices for counting stays (rate table: kontaktfamilj.stay_gap_hours and
    kontaktfamilj.friday_to_sunday_flat)."""
    return StayRules(timedelta(seconds=int(rates("kontaktfamilj.stay_gap_hours", on) * 3600)),
                     rates("kontaktfamilj.friday_to_sunday_flat", on) == 1)


def _omkostnad_ceiling_kp(rate, on: date) -> int:
    """SKR's highest omkostnad level for a kontaktperson, per month (level 3, % of PBB/12)."""
    return rate_in_whole_kronor(rate("prisbasbelopp", on) * rate("kontaktperson.omkostnad.level_3", on) / 100 / 12)


def _per_dygn(rate, on: date, percent: Decimal) -> int:
    return rate_in_whole_kronor(rate("prisbasbelopp", on) * percent / 100 / 365)


def _decided_ceiling(skr_ceiling_ore: int, decision: IndividualDecision | None) -> int:
    """Omkostnad kept as omkostnad: SKR's level, or above it as far as an individual decision assessed it
    (Skatteverket, ställningstagande 2018-06-19, dnr 202 257343-18/111)."""
    return max(skr_ceiling_ore, decision.amount_ore) if decision else skr_ceiling_ore


# --- validation ------------------------------------------------------------------------------------------

def terms_problems(terms: Terms, rates: RateTable, month: str) -> list[Problem]:
    """Every way the plan's terms break the rules for this month (empty when they are fine)."""
    on = month_start(month)
    problems: list[Problem] = []
    needs_justification = False
    if isinstance(terms, KontaktpersonTerms):
        if terms.category not in (1, 2, 3):
            problems.append(Problem("category must be 1, 2 or 3", "terms.category", "category_unknown"))
        else:
            low = rates.value(f"kontaktperson.arvode.category_{terms.category}.min", on)
            high = rates.value(f"kontaktperson.arvode.category_{terms.category}.max", on)
            if not low <= terms.arvode_percent <= high:
                problems.append(Problem(
                    f"arvode {terms.arvode_percent} % is outside category {terms.category}'s band {low}-{high} %",
                    "terms.arvode_percent", "arvode_outside_band"))
        if terms.omkostnad_percent < 0:
            problems.append(Problem("omkostnad cannot be negative", "terms.omkostnad_percent", "negative"))
        omkostnad = rate_in_whole_kronor(rates.value("prisbasbelopp", on) * terms.omkostnad_percent / 100 / 12)
        needs_justification = omkostnad > _decided_ceiling(_omkostnad_ceiling_kp(rates.value, on),
                                                           terms.omkostnad_decision)
    elif isinstance(terms, KontaktfamiljTerms):
        if not terms.client_birth_dates:
            problems.append(Problem("a kontaktfamilj assignment needs each child's birth date",
                                    "terms.client_birth_dates", "required"))
        for band, percent in (("child", terms.omkostnad_percent_child), ("youth", terms.omkostnad_percent_youth)):
            if percent is None:
                continue
            if percent < 0:
                problems.append(Problem("omkostnad cannot be negative", f"terms.omkostnad_percent_{band}", "negative"))
            ceiling = _per_dygn(rates.value, on, rates.value(f"kontaktfamilj.omkostnad.{band}.max", on))
            needs_justification |= (_per_dygn(rates.value, on, percent)
                                    > _decided_ceiling(ceiling, terms.omkostnad_decision))
    elif isinstance(terms, SetAmountTerms):
        for name in ("arvode_ore", "omkostnad_ore"):
            if getattr(terms, name) < 0:
                problems.append(Problem(f"{name} cannot be negative", f"terms.{name}", "negative"))
        needs_justification = terms.omkostnad_ore > _decided_ceiling(_omkostnad_ceiling_kp(rates.value, on),
                                                                     terms.omkostnad_decision)
    else:
        problems.append(Problem("unknown kind of terms", "terms", "terms_unknown"))
    if needs_justification and not (terms.omkostnad_justification or "").strip():
        problems.append(Problem("omkostnad above the SKR level is taxed as salary and needs a written justification",
                                "terms.omkostnad_justification", "justification_missing"))
    return problems


def meeting_problems(kind: str, month: str, meetings: Iterable[Meeting],
                     preceding: Iterable[Meeting] = ()) -> list[Problem]:
    """Meetings that cannot belong to this month's report. `preceding` are the stays of the month before, read only
    for the 14-day count of a stay that goes on into this month."""
    meetings, preceding = list(meetings), list(preceding)
    first, last = month_start(month), month_end(month)
    problems: list[Problem] = []
    ids = [m.meeting_id for m in meetings]
    if len(set(ids)) != len(ids):
        problems.append(Problem("a meeting is listed twice", "meetings", "meeting_duplicate"))
    for i, m in enumerate(meetings):
        where = f"meetings[{i}]"
        if m.status not in MEETING_STATUSES:
            problems.append(Problem(f"status must be one of {', '.join(MEETING_STATUSES)}", f"{where}.status"))
        if m.expense_ore < 0:
            problems.append(Problem("expense cannot be negative", f"{where}.expense_ore", "negative"))
        if kind == "kontaktfamilj" and m.status == "held":
            if _stay_problem(m, where, problems):
                continue
            if not _touches_month(m.stay(), first, last):
                problems.append(Problem(f"the stay is not in {month}", f"{where}.start", "outside_month"))
        elif not first <= m.date <= last:
            problems.append(Problem(f"the meeting is not in {month}", f"{where}.date", "outside_month"))
    if preceding and kind != "kontaktfamilj":
        problems.append(Problem("only a kontaktfamilj report reads the month before", "preceding", "invalid"))
    for i, m in enumerate(preceding):
        where = f"preceding[{i}]"
        if m.status != "held" or _stay_problem(m, where, problems):
            continue
        if m.meeting_id not in ids and _touches_month(m.stay(), first, last):
            problems.append(Problem(f"a stay of the month before that reaches into {month} belongs in its meetings",
                                    f"{where}.end", "not_preceding"))
    if kind == "kontaktfamilj":
        if overlapping(_held_stays(meetings, preceding)):
            problems.append(Problem("two stays overlap in time", "meetings", "stays_overlap"))
    return problems


def _stay_problem(m: Meeting, where: str, problems: list[Problem]) -> bool:
    if m.start is None or m.end is None or m.start.tzinfo is None or m.end.tzinfo is None:
        problems.append(Problem("a kontaktfamilj stay needs an aware start and end", f"{where}.start"))
        return True
    if m.end <= m.start:
        problems.append(Problem("a stay must end after it starts", f"{where}.end"))
        return True
    return False


def _held_stays(meetings: Iterable[Meeting], preceding: Iterable[Meeting] = ()) -> list[Stay]:
    """The month's held stays, and the month before's that are not among them (one stay, one meeting id)."""
    found: dict[str, Stay] = {}
    for m in list(meetings) + list(preceding):
        if m.status == "held" and m.start and m.end and m.end > m.start:
            found.setdefault(m.meeting_id, m.stay())
    return list(found.values())


def _touches_month(stay: Stay, first: date, last: date) -> bool:
    return any(first <= h.date <= last for h in half_days([stay]))


# --- step 1: gross ---------------------------------------------------------------------------------------

def gross_for_month(terms: Terms, month: str, meetings: Iterable[Meeting], rates: RateTable,
                    preceding: Iterable[Meeting] = ()) -> MonthGross:
    """The month's amounts before tax. Assumes `terms_problems` and `meeting_problems` found nothing."""
    meetings = list(meetings)
    lookup = _Rates(rates)
    if isinstance(terms, KontaktfamiljTerms):
        gross, basis = _kontaktfamilj(terms, month, meetings, list(preceding), lookup)
    else:
        gross, basis = _per_month(terms, month, meetings, lookup)
    expenses, expense_basis = _expenses(terms, meetings)
    gross = Gross(gross.arvode_ore, gross.omkostnad_ore, gross.omkostnad_taxable_ore, expenses)
    return MonthGross(gross, {**basis, "expenses": expense_basis}, lookup.all())


def _per_month(terms: KontaktpersonTerms | SetAmountTerms, month: str, meetings: list[Meeting],
               rate: _Rates) -> tuple[Gross, dict]:
    """Kontaktperson and set amounts: a month is paid in full when at least one meeting was kept."""
    on = month_start(month)
    kept = [m.meeting_id for m in meetings if m.status in PAID_STATUSES]
    basis = {"meeting_ids": sorted(m.meeting_id for m in meetings), "kept_meeting_ids": sorted(kept)}
    pbb = rate("prisbasbelopp", on)
    ceiling_ore = _decided_ceiling(_omkostnad_ceiling_kp(rate, on), terms.omkostnad_decision)
    if isinstance(terms, KontaktpersonTerms):
        arvode_ore = rate_in_whole_kronor(pbb * terms.arvode_percent / 100 / 12)
        omkostnad_ore = rate_in_whole_kronor(pbb * terms.omkostnad_percent / 100 / 12)
        basis.update(category=terms.category, arvode_percent=str(terms.arvode_percent),
                     omkostnad_percent=str(terms.omkostnad_percent))
    else:
        arvode_ore, omkostnad_ore = terms.arvode_ore, terms.omkostnad_ore
    basis.update(arvode_per_month_ore=arvode_ore, omkostnad_per_month_ore=omkostnad_ore,
                 omkostnad_tax_free_ceiling_ore=ceiling_ore,
                 decisions=[terms.omkostnad_decision.to_basis("omkostnad")] if terms.omkostnad_decision else [])
    if not kept:
        return Gross(), {**basis, "note": "no meeting kept this month: nothing is due"}
    tax_free = min(omkostnad_ore, ceiling_ore)
    return Gross(arvode_ore, tax_free, omkostnad_ore - tax_free), basis


def _kontaktfamilj(terms: KontaktfamiljTerms, month: str, meetings: list[Meeting], preceding: list[Meeting],
                   rate: _Rates) -> tuple[Gross, dict]:
    first, last = month_start(month), month_end(month)
    rules = stay_rules(rate, first)
    stays = _held_stays(meetings)
    context = [s for s in _held_stays(meetings, preceding) if s not in stays]
    halves = [h for h in half_days(stays + context, rules) if first <= h.date <= last]
    arvode = omkostnad = taxable = 0
    days: dict[date, dict] = {}
    for half in halves:
        day = _kontaktfamilj_day(terms, half, rate)
        # Rates and decided amounts are whole kronor, so half a dygn is exact in öre.
        arvode += day["arvode_per_dygn_ore"] * day["factor"] // 2
        omkostnad += day["omkostnad_tax_free_per_dygn_ore"] // 2
        taxable += day["omkostnad_taxable_per_dygn_ore"] // 2
        entry = days.setdefault(half.date, {**day, "date": half.date.isoformat(), "half_days": 0,
                                             "meeting_ids": []})
        entry["half_days"] += 1
        if half.meeting_id not in entry["meeting_ids"]:
            entry["meeting_ids"].append(half.meeting_id)
    day_list = [{**{k: v for k, v in d.items() if k != "half_days"}, "dygn": str(Decimal(d["half_days"]) / 2)}
                for d in days.values()]
    decisions = [(kind, d) for kind, d in (("arvode", terms.arvode_decision),
                                           ("omkostnad", terms.omkostnad_decision)) if d]
    basis = {"meeting_ids": sorted(m.meeting_id for m in meetings),
             "kept_meeting_ids": sorted(s.meeting_id for s in stays),
             "preceding_meeting_ids": sorted(s.meeting_id for s in context),
             "children": len(terms.client_birth_dates),
             "stay_rules": {"gap_hours": str(Decimal(rules.gap.total_seconds()) / 3600),
                            "friday_to_sunday_flat": rules.friday_to_sunday_flat},
             "decisions": [d.to_basis(kind) for kind, d in decisions],
             "dygn": str(Decimal(len(halves)) / 2), "days": day_list}
    return Gross(arvode, omkostnad, taxable), basis


def _age_band(birth: date, on: date, rate: _Rates) -> str:
    age = age_on(birth, on)
    if age >= rate("kontaktfamilj.adult_from_age", on):
        return "adult"
    if age >= rate("kontaktfamilj.youth_from_age", on):
        return "youth"
    return "child"


def _child_day(terms: KontaktfamiljTerms, number: int, birth: date, on: date, rate: _Rates) -> dict:
    """One child's omkostnad for one dygn: SKR's omkostnad is per child and dygn, in two bands (0-12 and 13+)."""
    band = "child" if _age_band(birth, on, rate) == "child" else "youth"
    chosen = terms.omkostnad_percent_child if band == "child" else terms.omkostnad_percent_youth
    percent = chosen if chosen is not None else rate(f"kontaktfamilj.omkostnad.{band}", on)
    omkostnad_ore = _per_dygn(rate, on, percent)
    ceiling = _decided_ceiling(_per_dygn(rate, on, rate(f"kontaktfamilj.omkostnad.{band}.max", on)),
                               terms.omkostnad_decision)
    return {"child": number, "omkostnad_band": band, "omkostnad_percent": str(percent),
            "omkostnad_per_dygn_ore": omkostnad_ore, "omkostnad_tax_free_per_dygn_ore": min(omkostnad_ore, ceiling)}


def _kontaktfamilj_day(terms: KontaktfamiljTerms, half: HalfDay, rate: _Rates) -> dict:
    on = half.date
    children = [_child_day(terms, i, birth, on, rate) for i, birth in enumerate(terms.client_birth_dates, 1)]
    # One arvode per dygn for the family: at the eldest child's band (whether SKR means one per child for a
    # syskonpar is not settled: a förhöjt arvode is decided individually, ArvodeLevelDecided).
    band = max((_age_band(birth, on, rate) for birth in terms.client_birth_dates), key=AGE_BANDS.index)
    if terms.arvode_decision:
        arvode_ore, band = terms.arvode_decision.amount_ore, "decided"
    else:
        arvode_ore = rate_in_whole_kronor(rate(f"kontaktfamilj.arvode.{band}", on))
    doubled = (is_weekend_or_holiday(on)
               and half.stay_day <= rate("kontaktfamilj.arvode.holiday_max_days", on))
    factor = int(rate("kontaktfamilj.arvode.holiday_factor", on)) if doubled else 1
    omkostnad_ore = sum(c["omkostnad_per_dygn_ore"] for c in children)
    tax_free_ore = sum(c["omkostnad_tax_free_per_dygn_ore"] for c in children)
    return {"age_band": band, "stay_day": half.stay_day, "doubled": doubled, "factor": factor,
            "arvode_per_dygn_ore": arvode_ore, "omkostnad_percent": children[0]["omkostnad_percent"],
            "omkostnad_per_dygn_ore": omkostnad_ore, "omkostnad_tax_free_per_dygn_ore": tax_free_ore,
            "omkostnad_taxable_per_dygn_ore": omkostnad_ore - tax_free_ore, "children": children}


def _expenses(terms: Terms, meetings: list[Meeting]) -> tuple[int, list[dict]]:
    """Expenses against receipts, when the plan allows them; the others are listed with why they are not paid."""
    listed, total = [], 0
    for m in meetings:
        if not m.expense_ore:
            continue
        if not terms.expenses_allowed:
            reason = "the plan does not reimburse expenses"
        elif not m.receipt:
            reason = "no receipt"
        else:
            reason = None
            total += m.expense_ore
        listed.append({"meeting_id": m.meeting_id, "amount_ore": m.expense_ore, "reimbursed": reason is None,
                       "reason": reason})
    return total, listed


@lru_cache(maxsize=64)
def _swedish_holidays(year: int):
    return holidays.country_holidays("SE", years=year)


def is_weekend_or_holiday(day: date) -> bool:
    """Saturdays, Sundays and Swedish public holidays (helgdagar; not midsommarafton, julafton, nyårsafton)."""
    return day.weekday() >= 5 or day in _swedish_holidays(day.year)


# --- step 2: tax -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One pay type of one payment, with the tax and contributions on it (all öre)."""

    pay_type: str  # arvode | omkostnad | omkostnad_taxable | expenses
    amount_ore: int
    taxable: bool
    tax_withheld_ore: int = 0
    employer_contributions_ore: int = 0
    employer_contributions_deferred_ore: int = 0

    def to_data(self) -> dict:
        return {"pay_type": self.pay_type, "amount_ore": self.amount_ore, "taxable": self.taxable,
                "tax_withheld_ore": self.tax_withheld_ore,
                "employer_contributions_ore": self.employer_contributions_ore,
                "employer_contributions_deferred_ore": self.employer_contributions_deferred_ore}


@dataclass(frozen=True)
class Taxed:
    lines: tuple[Line, ...]
    catch_up_ore: int  # contributions on the year's earlier pay, due now (the year passed 1,000 kr)
    catch_up_base_ore: int  # that earlier pay (AGI box 010)
    withholding_percent: Decimal
    withholding_basis: str
    withholding_exemption: str | None  # why nothing was withheld: under_100_kr | year_under_1000_kr
    contribution_percent: Decimal  # the first rule's (the payee's category)
    contribution_rule: str
    contribution_rules: tuple[ContributionRule, ...]  # the payee's: a capped rule, then the one above its cap
    contribution_parts: tuple[ContributionPart, ...]  # the pay (and catch-up base) by rate
    under_threshold: bool
    further_pay_expected: bool
    rates_used: tuple[RateValue, ...] = field(default=())

    @property
    def payout_ore(self) -> int:
        return sum(line.amount_ore - line.tax_withheld_ore for line in self.lines)

    def total(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)


def taxed(gross: Gross, profile: TaxProfile, year_to_date: YearToDate, paid_on: date, *,
          further_pay_expected: bool = True, withheld_so_far_ore: int = 0, law: TaxRules | None = None) -> Taxed:
    """Tax and contributions on a payment of `gross` on `paid_on` (in `year_to_date.year`). `withheld_so_far_ore`
    is the tax the month's earlier payments withheld: a payment taking pay back refunds no more than that."""
    law = law or tax_rules()
    chain, rule_rates = law.contribution_rules(profile.birth_date, paid_on)
    taxable_ore = gross.arvode_ore + gross.omkostnad_taxable_ore
    outcome = threshold(year_to_date, taxable_ore, paid_on, law)
    rule = withholding(profile, taxable_ore, year_to_date, paid_on, further_pay_expected, law)
    split = ContributionSplit(chain, year_to_date.period_taxable_ore)
    refundable = withheld_so_far_ore
    lines = []
    for pay_type, amount, is_taxable in (("arvode", gross.arvode_ore, True),
                                         ("omkostnad", gross.omkostnad_ore, False),
                                         ("omkostnad_taxable", gross.omkostnad_taxable_ore, True),
                                         ("expenses", gross.expenses_ore, False)):
        if not is_taxable:
            lines.append(Line(pay_type, amount, False))
            continue
        tax, refundable = withheld(amount, rule, refundable)
        contributions = split.split(amount)
        lines.append(Line(pay_type, amount, True, tax, contributions if outcome.charge_now else 0,
                          0 if outcome.charge_now else contributions))
    catch_up = split.split(outcome.catch_up_base_ore)
    return Taxed(tuple(lines), catch_up, outcome.catch_up_base_ore, rule.percent, rule.basis, rule.exemption,
                 chain[0].percent, chain[0].name, chain, tuple(split.parts.values()), not outcome.charge_now,
                 further_pay_expected, tuple(rule.rates_used + tuple(rule_rates) + (outcome.rate,)))
