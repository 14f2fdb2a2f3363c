"""The payments routes (the RPC service `payments`): rates (arvode and omkostnadsersättning), the monthly
närvarorapport, payment runs (utbetalning) with their exports, a volunteer's tax details, and what a volunteer
was paid.

A municipality in the path is checked against the token before the service is asked, the service checks again,
and every read or change of a volunteer's payment details and of the rates is noted for the audit log.
"""
from __future__ import annotations

import re

from services.common.ids import stream_key

from ..problems import Problem
from ..schemas import PendingReportsQuery, TaxDetailsQuery
from ..web import Call
from .common import attachment, municipality_of, municipality_of_body, person_id, read_in_file, shown

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _run_id(call: Call, municipality: str, period: str) -> str:
    """The run's id, once the caller may act in `municipality`; a period that is no month names no run (404)."""
    call.caller.require(municipality)
    if not PERIOD.match(period):
        raise Problem("not_found", "No such resource.")
    return f"paymentrun-{municipality}-{period}"


def _volunteer_stream_id(volunteer_id: str) -> str:
    """The volunteer as payments knows them ("applicant-<uuid>", as the assignments' events carry it); the API
    may name them by the bare applicant id."""
    return stream_key("applicant", volunteer_id) or volunteer_id


# --- rates (admin) -----------------------------------------------------------------------------------------------

def rates(call: Call, municipality: str):
    call.caller.require(municipality)
    return 200, call.payments.rates(municipality)


def publish_rates(call: Call, municipality: str):
    """RatesPublished: every change of the rates is an event with who and why, and audited here."""
    call.caller.require(municipality)
    result = call.payments.publish_rates(municipality, call.body())
    call.changed(f"rates-{municipality}", municipality)
    return 201, result


# --- närvarorapporter (case workers) -----------------------------------------------------------------------------

def assignment_report(call: Call, assignment_id: str, month: str):
    """Audited as the path names the assignment ("assignment-<uuid>"), whatever spelling payments answers with."""
    result = call.payments.report(assignment_id, month)
    call.caller.require(municipality_of(result))
    call.read(assignment_id, result["municipality"])
    return 200, result


def approve_report(call: Call, assignment_id: str):
    result = call.payments.approve_report(assignment_id, call.body())
    call.caller.require(municipality_of(result))
    call.changed(assignment_id, result["municipality"])
    return 200, result


def pending_reports(call: Call, municipality: str):
    call.query(PendingReportsQuery)
    call.caller.require(municipality)
    return 200, {"items": shown(call, call.payments.pending_reports(municipality), "assignment_id", municipality)}


# --- payment runs (finance) --------------------------------------------------------------------------------------

def payment_runs(call: Call, municipality: str):
    call.caller.require(municipality)
    return 200, {"items": call.payments.runs(municipality)}


def payment_run(call: Call, municipality: str, period: str):
    return 200, call.payments.run_status(_run_id(call, municipality, period))


def prepare_payment_run(call: Call, municipality: str, period: str):
    """Calculates what is approved and not yet paid, on the payments workers: 202, poll the run."""
    run_id = _run_id(call, municipality, period)
    result = call.payments.prepare_run(municipality, period)
    call.changed(run_id, municipality)
    return 202, result


def approve_payment_run(call: Call, municipality: str, period: str):
    """Four eyes: another finance person than the preparer; then the run pays (PaymentIssued)."""
    run_id = _run_id(call, municipality, period)
    result = call.payments.approve_run(municipality, period, call.body(optional=True))
    call.changed(run_id, municipality)
    return 200, result


def _export(call: Call, municipality: str, period: str, rpc_method: str):
    run_id = _run_id(call, municipality, period)
    result = getattr(call.payments, rpc_method)(run_id)
    call.read(run_id, municipality)
    read_in_file(call, result.get("people"), municipality)  # and each person the file carries
    filename = re.sub(r"[^\w.-]", "_", result.get("filename") or f"{rpc_method}-{municipality}-{period}.csv")
    return attachment(result["content"], filename)


def payroll_csv(call: Call, municipality: str, period: str):
    """The payroll file (one row per person and pay type), with personnummer: read by finance, audited."""
    return _export(call, municipality, period, "payroll_csv")


def summary_csv(call: Call, municipality: str, period: str):
    return _export(call, municipality, period, "summary_csv")


# --- a volunteer's tax details (finance) -------------------------------------------------------------------------

def set_tax_details(call: Call, volunteer_id: str):
    """Skatteuppgifter and bank account: a change of payment details, audited."""
    body = call.body()
    municipality = municipality_of_body(body)
    call.caller.require(municipality)
    result = call.payments.set_tax_details(_volunteer_stream_id(volunteer_id), body)
    call.changed(person_id(volunteer_id), municipality)
    return 200, result


def get_tax_details(call: Call, volunteer_id: str):
    municipality = call.query(TaxDetailsQuery)["municipality"]
    call.caller.require(municipality)
    result = call.payments.tax_details(municipality, _volunteer_stream_id(volunteer_id))
    call.read(person_id(volunteer_id), municipality)
    return 200, result


# --- the volunteer's own -----------------------------------------------------------------------------------------

def my_payments(call: Call):
    """What I was paid and why, and which months wait for the case worker's approval: only those of the token's
    municipalities (the service shows no others), each municipality's a read of mine there."""
    result = call.payments.my_payments()
    for part in ("payments", "pending_reports"):
        result[part] = call.own(result.get(part) or [])
    for municipality in sorted({item["municipality"] for part in ("payments", "pending_reports")
                                for item in result[part]}):
        call.read(person_id(call.caller.actor), municipality)
    return 200, result
