"""The files of what a run paid, for payroll (finance only: they carry the personnummer): the payroll file and the
AGI file beside it; and the summary per assignment (finance and auditors). The rows and their format are
domain/exports.py and domain/agi.py; docs/payroll-export.md lists every field."""
from __future__ import annotations

from services.common.roles import AUDITOR, FINANCE, Caller

from ..domain import agi, exports
from ..domain.calculation import month_end
from ..domain.rate_table import UnknownRate
from ..domain.tax import TAX_TABLES_NOT_SUPPORTED
from ..read import compensations, tax_details
from .rates import rates_of
from .runs import run_of

CSV = "text/csv; charset=utf-8"


def payroll_csv(kernel, caller: Caller, run_id) -> dict:
    """The payroll file of what the run paid: {"filename", "content_type", "content", "rows", "people"}. One row
    per person and pay type (exports.PAYROLL_COLUMNS), with the personnummer from the tax details; "people" are
    the volunteer ids the file carries, for the audit."""
    municipality, period = run_of(run_id)
    caller.require(municipality, FINANCE)
    with kernel.connection() as conn:
        rows = exports.payroll_rows(period, compensations.paid_in_run(conn, run_id))
        personnummer = tax_details.payroll_personnummer(conn, municipality, {row.person_id for row in rows})
    return {"filename": f"lon-{municipality}-{period}.csv", "content_type": CSV,
            "content": exports.payroll_csv(rows, personnummer), "rows": len(rows),
            "people": sorted({row.person_id for row in rows})}


def agi_csv(kernel, caller: Caller, run_id) -> dict:
    """The arbetsgivardeklaration of what the run paid, as a CSV one column per AGI field (not validated against
    Skatteverket's XSD: see domain/agi.py): {"filename", "content_type", "content", "rows", "note", "warnings",
    "people" (as in payroll_csv), "reconciliation": {by_rate, employer_contributions {agi_487_kr, booked_ore, difference_ore}, tax {...}}}."""
    municipality, period = run_of(run_id)
    caller.require(municipality, FINANCE)
    with kernel.connection() as conn:
        paid = compensations.paid_in_run(conn, run_id)
        personnummer = tax_details.payroll_personnummer(conn, municipality, {d["volunteer_id"] for d in paid})
        rates = rates_of(kernel, conn, municipality)
    employer = agi.Employer(_setting(rates, "agi.organisationsnummer", period),
                            _setting(rates, "agi.arbetsstallenummer", period))
    declaration = agi.agi(period, paid, employer, personnummer)
    return {"filename": f"agi-{municipality}-{period}.csv", "content_type": CSV,
            "content": agi.agi_csv(declaration, [TAX_TABLES_NOT_SUPPORTED]), "rows": 1 + len(declaration.people),
            "note": agi.NOTE, "warnings": declaration.warnings(), "reconciliation": declaration.reconciliation(),
            "people": sorted({d["volunteer_id"] for d in paid})}


def _setting(rates, key: str, period: str) -> str | None:
    """One of the municipality's AGI settings in force at the period's end, as digits; None when not set."""
    try:
        return str(int(rates.value(key, month_end(period))))
    except UnknownRate:
        return None


def summary_csv(kernel, caller: Caller, run_id) -> dict:
    """Per assignment: months, compensations, adjustments and totals of what the run paid; "people" as in
    payroll_csv."""
    municipality, period = run_of(run_id)
    caller.require(municipality, FINANCE, AUDITOR)
    with kernel.connection() as conn:
        summaries = exports.assignment_summary(compensations.paid_in_run(conn, run_id))
    return {"filename": f"sammanstallning-{municipality}-{period}.csv", "content_type": CSV,
            "content": exports.summary_csv(summaries), "rows": len(summaries),
            "people": sorted({summary["volunteer_id"] for summary in summaries})}
