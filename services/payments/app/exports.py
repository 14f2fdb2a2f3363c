"""The files of what a run paid, for payroll (finance only: it carries the personnummer) and the summary per
assignment (finance and auditors). The rows and their format are domain/exports.py."""
from __future__ import annotations

from services.common.roles import AUDITOR, FINANCE, Caller

from ..domain import exports
from ..read import compensations, tax_details
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
