"""One assignment's compensation for one month: stream "compensation-<assignment_id>-<YYYY-MM>".

    ApproveReport          the responsible case worker approves the month's närvarorapport (the meetings as seen;
      -> ReportApproved      for a kontaktfamilj with the month before's stays, for the 14-day count), again with
                             a new revision when a meeting is logged or corrected afterwards
    CalculateCompensation  in a payment run: only an approved month is calculated, with the law's rules of the
                           day of payment
      -> CompensationCalculated   the first one is the month; every later one is an ADJUSTMENT carrying only the
                                  difference between the month as now approved and all earlier calculations.
                                  Earlier events, paid or not, are never changed.
    IssuePayment           for one compensation listed in an approved payment run
      -> PaymentIssued       once: paying it again emits nothing

A report approved after a run was prepared is simply calculated in the next run: the run pays what is calculated
and unpaid when it is prepared.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, Problem
from services.common.places import is_municipality

from .calculation import (KINDS, Gross, KontaktfamiljTerms, Meeting, Taxed, Terms, gross_for_month,
                          meeting_problems, month_end, month_start, taxed, terms_problems)
from .payment_run import PaymentRunState
from .rate_table import RateTable, RateValue
from .tax import LEGACY_BASES, TAX_TABLES_NOT_SUPPORTED, WITHHOLDING_BASES, TaxProfile, YearToDate

# The data shapes of the events this stream writes (events.py holds their schemas and the upcasters).
REPORT_APPROVED_VERSION = 2  # 2: preceding_stays
COMPENSATION_CALCULATED_VERSION = 2  # 2: paid_on, catch-up base, contribution parts, withholding exemption


def stream_id(assignment_id: str, month: str) -> str:
    return f"compensation-{assignment_id}-{month}"


# --- commands --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApproveReport:
    municipality: str
    assignment_id: str
    month: str  # YYYY-MM
    by: str  # the case worker approving
    responsible_case_worker: str  # the assignment's responsible case worker (from the assignment)
    volunteer_id: str
    kind: str  # kontaktperson | kontaktfamilj | skkp
    meetings: tuple[Meeting, ...]  # the month's meetings as the case worker saw them
    approved_on: date
    # kontaktfamilj: the month before's stays that are not among `meetings`, read only for the 14-day count of a
    # stay that goes on into this month (not paid here)
    preceding: tuple[Meeting, ...] = ()


@dataclass(frozen=True)
class CalculateCompensation:
    municipality: str
    assignment_id: str
    month: str
    paid_in: str  # the payment run's month, YYYY-MM: tax and contributions follow the year of payment
    terms: Terms  # from the genomförandeplan, as in force in `month`
    tax_profile: TaxProfile
    year_to_date: YearToDate  # the volunteer's earlier calculations paid in the same year, all assignments
    rates: RateTable  # the municipality's table (rates.table)
    by: str = "system"
    paid_on: date | None = None  # the day of payment the law's rules are looked up on; None: paid_in's first day
    further_pay_expected: bool = True  # the volunteer's assignments go on: for the withholding's 1,000 kr rule


@dataclass(frozen=True)
class IssuePayment:
    municipality: str
    assignment_id: str
    month: str
    compensation_id: str
    run: PaymentRunState  # the run that lists the compensation, folded from its stream
    issued_on: date
    by: str = "system"


# --- state -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompensationState:
    municipality: str | None = None
    assignment_id: str | None = None
    month: str | None = None
    volunteer_id: str | None = None
    kind: str | None = None
    report: tuple[Meeting, ...] | None = None  # the latest approved meetings
    preceding: tuple[Meeting, ...] = ()  # and the month before's stays it was approved with (kontaktfamilj)
    report_revision: int = 0
    calculated: Gross = Gross()  # the month's gross as calculated so far, all events together
    withheld_ore: int = 0  # the tax withheld so far, all events together
    calculations: tuple[tuple[str, int], ...] = ()  # (compensation_id, payout_ore) in order
    paid: frozenset[str] = frozenset()

    def payout_of(self, compensation_id: str) -> int | None:
        return dict(self.calculations).get(compensation_id)


def initial() -> CompensationState:
    return CompensationState()


# --- decide ----------------------------------------------------------------------------------------------

def decide(state: CompensationState, command) -> list[NewEvent]:
    if isinstance(command, ApproveReport):
        return _approve_report(state, command)
    if isinstance(command, CalculateCompensation):
        return _calculate(state, command)
    if isinstance(command, IssuePayment):
        return _issue(state, command)
    raise TypeError(f"not a compensation command: {type(command).__name__}")


def _approve_report(state: CompensationState, command: ApproveReport) -> list[NewEvent]:
    problems = _stream_problems(state, command.municipality, command.assignment_id, command.month)
    if command.by != command.responsible_case_worker:
        problems.append(Problem("only the assignment's responsible case worker can approve the report",
                                "by", "not_responsible"))
    if command.kind not in KINDS:
        problems.append(Problem(f"kind must be one of {', '.join(KINDS)}", "kind", "kind_unknown"))
    elif state.kind not in (None, command.kind):
        problems.append(Problem("the month was approved for another kind of assignment", "kind", "kind_changed"))
    if not problems:
        if command.approved_on < month_end(command.month):
            problems.append(Problem(f"the report for {command.month} can be approved from "
                                    f"{month_end(command.month).isoformat()}", "approved_on", "month_not_over"))
        problems += meeting_problems(command.kind, command.month, command.meetings, command.preceding)
    if problems:
        raise CommandRefused(*problems)
    if state.report is not None and (set(state.report), set(state.preceding)) == (
            set(command.meetings), set(command.preceding)):
        return []  # the same report approved again: nothing new to pay
    return [NewEvent("ReportApproved", {
        "municipality": command.municipality,
        "assignment_id": command.assignment_id,
        "month": command.month,
        "volunteer_id": command.volunteer_id,
        "kind": command.kind,
        "revision": state.report_revision + 1,
        "meetings": [meeting_data(m) for m in command.meetings],
        "preceding_stays": [meeting_data(m) for m in command.preceding],
        "approved_by": command.by,
        "approved_on": command.approved_on.isoformat(),
    }, REPORT_APPROVED_VERSION)]


def _calculate(state: CompensationState, command: CalculateCompensation) -> list[NewEvent]:
    problems = _stream_problems(state, command.municipality, command.assignment_id, command.month)
    if state.report is None:
        problems.append(Problem(f"the report for {command.month} has not been approved", "month",
                                "report_not_approved"))
        raise CommandRefused(*problems)
    if isinstance(command.terms, KontaktfamiljTerms) != (state.kind == "kontaktfamilj"):
        problems.append(Problem(f"the terms are not for a {state.kind} assignment", "terms", "kind_mismatch"))
    else:
        problems += terms_problems(command.terms, command.rates, command.month)
    problems += _tax_problems(state, command)
    if problems:
        raise CommandRefused(*problems)

    month = gross_for_month(command.terms, command.month, state.report, command.rates, state.preceding)
    difference = month.gross.minus(state.calculated)
    if state.calculations and difference.is_zero():
        return []  # nothing changed since the last calculation
    paid_on = _paid_on(command)
    tax = taxed(difference, command.tax_profile, command.year_to_date, paid_on,
                further_pay_expected=command.further_pay_expected, withheld_so_far_ore=state.withheld_ore)
    sequence = len(state.calculations) + 1
    rates_used = {(r.key, r.effective_from, r.value): r for r in month.rates_used + tax.rates_used}
    return [NewEvent("CompensationCalculated", {
        "compensation_id": f"{stream_id(command.assignment_id, command.month)}/{sequence}",
        "sequence": sequence,
        "adjustment": sequence > 1,
        "adjusts": [cid for cid, _ in state.calculations],
        "municipality": command.municipality,
        "assignment_id": command.assignment_id,
        "month": command.month,
        "volunteer_id": state.volunteer_id,
        "kind": state.kind,
        "paid_in": command.paid_in,
        "paid_on": paid_on.isoformat(),
        "report_revision": state.report_revision,
        "lines": [line.to_data() for line in tax.lines],
        "employer_contributions_catch_up_ore": tax.catch_up_ore,
        "employer_contributions_catch_up_base_ore": tax.catch_up_base_ore,
        "totals": _totals(tax),
        "month_total": gross_data(month.gross),
        "tax": {"withholding_percent": str(tax.withholding_percent), "withholding_basis": tax.withholding_basis,
                "withholding_exemption": tax.withholding_exemption,
                "further_pay_expected": tax.further_pay_expected,
                "employer_contribution_percent": str(tax.contribution_percent),
                "employer_contribution_rule": tax.contribution_rule, "under_threshold": tax.under_threshold,
                "employer_contribution_rules": [{"rule": r.name, "percent": str(r.percent),
                                                 "monthly_cap_ore": r.monthly_cap_ore}
                                                for r in tax.contribution_rules],
                "employer_contribution_parts": [part.to_data() for part in tax.contribution_parts]},
        "basis": month.basis,
        "rates_used": [r.to_data() for r in sorted(rates_used.values(), key=lambda r: (r.key, r.effective_from))],
        "warnings": list(dict.fromkeys(_warnings(month.rates_used, command.month[:4])
                                       + _warnings(tax.rates_used, str(paid_on.year)) + _basis_warnings(tax))),
        "calculated_by": command.by,
    }, COMPENSATION_CALCULATED_VERSION)]


def _paid_on(command: CalculateCompensation) -> date:
    return command.paid_on or month_start(command.paid_in)


def _warnings(rates_used: tuple[RateValue, ...], year: str) -> list[str]:
    """What finance must know before paying: a figure carried forward from an earlier year, a rule not confirmed."""
    warnings = []
    for r in rates_used:
        if r.carried_forward:
            warnings.append(f"{r.key}: no figure published for {year}, the one from "
                            f"{r.effective_from.isoformat()} is used")
        if r.unconfirmed:
            warnings.append(f"{r.key}: rests on a rule not confirmed ({r.source})")
    return warnings


def _basis_warnings(tax: Taxed) -> list[str]:
    if tax.withholding_basis in LEGACY_BASES:
        return [f"withholding basis tax_table: {TAX_TABLES_NOT_SUPPORTED}; the recorded "
                f"{tax.withholding_percent} % is withheld until finance records the basis again"]
    return []


def _tax_problems(state: CompensationState, command: CalculateCompensation) -> list[Problem]:
    problems = []
    profile = command.tax_profile
    if profile.person_id != state.volunteer_id:
        problems.append(Problem("the tax profile is not the volunteer's", "tax_profile.person_id", "wrong_person"))
    if profile.withholding_basis not in WITHHOLDING_BASES + LEGACY_BASES:
        problems.append(Problem(f"withholding basis must be one of {', '.join(WITHHOLDING_BASES)}",
                                "tax_profile.withholding_basis", "invalid"))
    elif profile.withholding_basis in ("jamkning", "tax_table") and (
            profile.withholding_percent is None or not 0 <= profile.withholding_percent <= 100):
        problems.append(Problem("a tax table or jämkning needs a percentage from 0 to 100",
                                "tax_profile.withholding_percent", "invalid"))
    try:
        paid_in = month_start(command.paid_in)
    except ValueError:
        problems.append(Problem("paid_in must be a month, YYYY-MM", "paid_in", "invalid"))
        return problems
    if paid_in < month_start(command.month):
        problems.append(Problem("a month cannot be paid before it has begun", "paid_in", "too_early"))
    if command.year_to_date.year != paid_in.year:
        problems.append(Problem("the year-to-date figures are for another year than the payment",
                                "year_to_date.year", "wrong_year"))
    if command.paid_on is not None and (command.paid_on.year, command.paid_on.month) != (paid_in.year, paid_in.month):
        problems.append(Problem("the day of payment is not in the month of payment", "paid_on", "wrong_month"))
    return problems


def _issue(state: CompensationState, command: IssuePayment) -> list[NewEvent]:
    problems = _stream_problems(state, command.municipality, command.assignment_id, command.month)
    payout = state.payout_of(command.compensation_id)
    if payout is None:
        problems.append(Problem("no such compensation in this month", "compensation_id", "compensation_unknown"))
    if problems:
        raise CommandRefused(*problems)
    if command.compensation_id in state.paid:
        return []  # paid already, by this run or another: never twice
    run = command.run
    if run.municipality != command.municipality:
        problems.append(Problem("the run belongs to another municipality", "run", "wrong_municipality"))
    if run.status != "approved":
        problems.append(Problem("the payment run has not been approved", "run", "run_not_approved"))
    if not run.lists(command.compensation_id):
        problems.append(Problem("the payment run does not list this compensation", "compensation_id",
                                "not_in_run"))
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("PaymentIssued", {
        "compensation_id": command.compensation_id,
        "run_id": run.run_id,
        "municipality": command.municipality,
        "assignment_id": command.assignment_id,
        "month": command.month,
        "volunteer_id": state.volunteer_id,
        "payout_ore": payout,
        "issued_on": command.issued_on.isoformat(),
        "issued_by": command.by,
    })]


def _stream_problems(state: CompensationState, municipality: str, assignment_id: str, month: str) -> list[Problem]:
    problems = []
    if not is_municipality(municipality):
        problems.append(Problem("unknown kommunkod", "municipality", "municipality_unknown"))
    elif state.municipality not in (None, municipality):
        problems.append(Problem("the assignment belongs to another municipality", "municipality",
                                "wrong_municipality"))
    if state.assignment_id not in (None, assignment_id):
        problems.append(Problem("this stream is another assignment's", "assignment_id", "wrong_assignment"))
    try:
        month_start(month)
    except ValueError:
        problems.append(Problem("month must be YYYY-MM", "month", "invalid"))
    else:
        if state.month not in (None, month):
            problems.append(Problem("this stream is another month's", "month", "wrong_month"))
    return problems


def _totals(tax: Taxed) -> dict:
    amount = {line.pay_type: line.amount_ore for line in tax.lines}
    return {"arvode_ore": amount["arvode"], "omkostnad_ore": amount["omkostnad"],
            "omkostnad_taxable_ore": amount["omkostnad_taxable"], "expenses_ore": amount["expenses"],
            "tax_withheld_ore": tax.total("tax_withheld_ore"),
            "employer_contributions_ore": tax.total("employer_contributions_ore") + tax.catch_up_ore,
            "employer_contributions_deferred_ore": tax.total("employer_contributions_deferred_ore"),
            "payout_ore": tax.payout_ore}


# --- evolve ----------------------------------------------------------------------------------------------

def evolve(state: CompensationState, event: EventLike) -> CompensationState:
    data = event.data
    if event.type == "ReportApproved":
        return replace(state, municipality=data["municipality"], assignment_id=data["assignment_id"],
                       month=data["month"], volunteer_id=data["volunteer_id"], kind=data["kind"],
                       report=tuple(meeting_from_data(m) for m in data["meetings"]),
                       preceding=tuple(meeting_from_data(m) for m in data["preceding_stays"]),
                       report_revision=data["revision"])
    if event.type == "CompensationCalculated":
        return replace(state, calculated=gross_from_data(data["month_total"]),
                       withheld_ore=state.withheld_ore + data["totals"]["tax_withheld_ore"],
                       calculations=state.calculations + ((data["compensation_id"], data["totals"]["payout_ore"]),))
    if event.type == "PaymentIssued":
        return replace(state, paid=state.paid | {data["compensation_id"]})
    return state


# --- data <-> values -------------------------------------------------------------------------------------

def meeting_data(m: Meeting) -> dict:
    return {"meeting_id": m.meeting_id, "date": m.date.isoformat(), "status": m.status,
            "start": m.start.isoformat() if m.start else None, "end": m.end.isoformat() if m.end else None,
            "expense_ore": m.expense_ore, "receipt": m.receipt}


def meeting_from_data(d: dict) -> Meeting:
    return Meeting(d["meeting_id"], date.fromisoformat(d["date"]), d["status"],
                   datetime.fromisoformat(d["start"]) if d.get("start") else None,
                   datetime.fromisoformat(d["end"]) if d.get("end") else None,
                   d.get("expense_ore", 0), d.get("receipt", False))


def gross_data(g: Gross) -> dict:
    return {"arvode_ore": g.arvode_ore, "omkostnad_ore": g.omkostnad_ore,
            "omkostnad_taxable_ore": g.omkostnad_taxable_ore, "expenses_ore": g.expenses_ore}


def gross_from_data(d: dict) -> Gross:
    return Gross(d["arvode_ore"], d["omkostnad_ore"], d["omkostnad_taxable_ore"], d["expenses_ore"])


COMPENSATION: Decider[CompensationState] = Decider(
    "compensation", initial, decide, evolve,
    # Paying stays right on a newer state: the decider checks again whether it is paid.
    retry_on_conflict=lambda command: isinstance(command, IssuePayment))
