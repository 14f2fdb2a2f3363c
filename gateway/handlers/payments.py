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
from .common import attachment, municipality_of_body, person_id

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _run_id(call: Call, k: str, period: str) -> str:
    """The run's id, once the caller may act in `k`; a period that is no month names no run (404)."""
    call.caller.require(k)
    if not PERIOD.match(period):
        raise Problem("not_found", "No such resource.")
    return f"paymentrun-{k}-{period}"


def _volunteer_stream_id(volunteer_id: str) -> str:
    """The volunteer as payments knows them ("applicant-<uuid>", as the assignments' events carry it); the API
    may name them by the bare applicant id."""
    return stream_key("applicant", volunteer_id) or volunteer_id


# --- rates (admin) -----------------------------------------------------------------------------------------------

def rates(call: Call, k: str):
    call.caller.require(k)
    return 200, call.payments.rates(k)


def publish_rates(call: Call, k: str):
    """RatesPublished: every change of the rates is an event with who and why, and audited here."""
    call.caller.require(k)
    result = call.payments.publish_rates(k, call.body())
    call.changed(f"rates-{k}", k)
    return 201, result


# --- närvarorapporter (case workers) -----------------------------------------------------------------------------

def assignment_report(call: Call, id: str, month: str):
    result = call.payments.report(id, month)
    call.read(result.get("assignment_id", id))
    return 200, result


def approve_report(call: Call, id: str):
    result = call.payments.approve_report(id, call.body())
    call.changed(result.get("assignment_id", id))
    return 200, result


def pending_reports(call: Call, k: str):
    call.query(PendingReportsQuery)
    call.caller.require(k)
    items = call.own(call.payments.pending_reports(k))
    for item in items:
        call.read(item.get("assignment_id"), k)
    return 200, {"items": items}


# --- payment runs (finance) --------------------------------------------------------------------------------------

def payment_runs(call: Call, k: str):
    call.caller.require(k)
    return 200, {"items": call.payments.runs(k)}


def payment_run(call: Call, k: str, period: str):
    return 200, call.payments.run_status(_run_id(call, k, period))


def prepare_payment_run(call: Call, k: str, period: str):
    """Calculates what is approved and not yet paid, on the payments workers: 202, poll the run."""
    run_id = _run_id(call, k, period)
    result = call.payments.prepare_run(k, period)
    call.changed(run_id, k)
    return 202, result


def approve_payment_run(call: Call, k: str, period: str):
    """Four eyes: another finance person than the preparer; then the run pays (PaymentIssued)."""
    run_id = _run_id(call, k, period)
    result = call.payments.approve_run(k, period, call.body(optional=True))
    call.changed(run_id, k)
    return 200, result


def _export(call: Call, k: str, period: str, rpc_method: str):
    run_id = _run_id(call, k, period)
    result = getattr(call.payments, rpc_method)(run_id)
    call.read(run_id, k)
    filename = re.sub(r"[^\w.-]", "_", result.get("filename") or f"{rpc_method}-{k}-{period}.csv")
    return attachment(result["content"], filename)


def payroll_csv(call: Call, k: str, period: str):
    """The payroll file (one row per person and pay type), with personnummer: read by finance, audited."""
    return _export(call, k, period, "payroll_csv")


def summary_csv(call: Call, k: str, period: str):
    return _export(call, k, period, "summary_csv")


# --- a volunteer's tax details (finance) -------------------------------------------------------------------------

def set_tax_details(call: Call, id: str):
    """Skatteuppgifter and bank account: a change of payment details, audited."""
    body = call.body()
    municipality = municipality_of_body(body)
    call.caller.require(municipality)
    result = call.payments.set_tax_details(_volunteer_stream_id(id), body)
    call.changed(person_id(id), municipality)
    return 200, result


def get_tax_details(call: Call, id: str):
    municipality = call.query(TaxDetailsQuery)["municipality"]
    call.caller.require(municipality)
    result = call.payments.tax_details(municipality, _volunteer_stream_id(id))
    call.read(person_id(id), municipality)
    return 200, result


# --- the volunteer's own -----------------------------------------------------------------------------------------

def my_payments(call: Call):
    """What I was paid and why, and which months wait for the case worker's approval."""
    result = call.payments.my_payments()
    call.read(person_id(call.caller.actor))
    return 200, result
