"""The payments routes (the RPC service `payments`): rates (arvode and omkostnadsersättning), the monthly
närvarorapport, payment runs (utbetalning) with their exports, a volunteer's tax details, and what a volunteer
was paid.

A municipality in the path is checked against the token before the service is asked, the service checks again,
and every read or change of a volunteer's payment details and of the rates is noted for the audit log.

Ids in these answers are spelt as in the rest of the API (docs/contracts.md, "Ids"): an assignment
"assignment-<uuid>", a volunteer "applicant-<uuid>", a meeting by the id the volunteer logged it under, and the
version of it a report shows as `version_id`, which the approval names. payments' own answers still name an
assignment by its bare uuid and a meeting's version as `meeting_id`; `named_as_the_api_does` turns them.
"""
from __future__ import annotations

import csv
import io
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


_SPELT = {"assignment_id": "assignment", "volunteer_id": "applicant", "person_id": "applicant"}


def named_as_the_api_does(value):
    """An answer of payments with every id in the API's one spelling (see the module's docstring)."""
    if isinstance(value, list):
        return [named_as_the_api_does(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: named_as_the_api_does(item) for key, item in value.items()}
    for key, kind in _SPELT.items():
        if isinstance(out.get(key), str):
            out[key] = stream_key(kind, out[key]) or out[key]
    if "logged_meeting_id" in out:  # a meeting of a report: its id as logged, and the version shown
        out["version_id"], out["meeting_id"] = out.get("meeting_id"), out.pop("logged_meeting_id")
    return out


def _csv_named_as_the_api_does(content: str) -> str:
    """An export with its id columns in the API's spelling; every other byte as payments wrote it."""
    delimiter = ";" if content.split("\n", 1)[0].count(";") > content.split("\n", 1)[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(content), delimiter=delimiter))
    spelt = {i: _SPELT[name] for i, name in enumerate(rows[0] if rows else ()) if name in _SPELT}
    if not spelt:
        return content
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if "\r\n" in content else "\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([stream_key(spelt[i], cell) or cell if i in spelt else cell for i, cell in enumerate(row)])
    return out.getvalue()


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
    result = named_as_the_api_does(call.payments.report(assignment_id, month))
    call.caller.require(municipality_of(result))
    call.read(assignment_id, result["municipality"])
    return 200, result


def approve_report(call: Call, assignment_id: str):
    """The month's meetings approved as shown: the body names the `version_id`s the report showed (payments still
    calls them meeting_ids; a body that says meeting_ids is passed on as it is)."""
    body = call.body()
    if "version_ids" in body:
        body = {**{k: v for k, v in body.items() if k != "version_ids"}, "meeting_ids": body["version_ids"]}
    result = named_as_the_api_does(call.payments.approve_report(assignment_id, body))
    call.caller.require(municipality_of(result))
    call.changed(assignment_id, result["municipality"])
    return 200, result


def pending_reports(call: Call, municipality: str):
    call.query(PendingReportsQuery)
    call.caller.require(municipality)
    items = named_as_the_api_does(call.payments.pending_reports(municipality))
    return 200, {"items": shown(call, items, "assignment_id", municipality)}


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
    return attachment(_csv_named_as_the_api_does(result["content"]), filename)


def payroll_csv(call: Call, municipality: str, period: str):
    """The payroll file (one row per person and pay type), with personnummer: read by finance, audited."""
    return _export(call, municipality, period, "payroll_csv")


def summary_csv(call: Call, municipality: str, period: str):
    return _export(call, municipality, period, "summary_csv")


def agi_csv(call: Call, municipality: str, period: str):
    """The arbetsgivardeklaration's individuppgifter, one row per person and field (docs/payroll-export.md): read
    by finance, audited."""
    return _export(call, municipality, period, "agi_csv")


# --- individual decisions on an assignment (case workers, admins) -------------------------------------------------

def decisions(call: Call, assignment_id: str):
    result = named_as_the_api_does(call.payments.decisions(assignment_id))
    call.read(assignment_id, result.get("municipality"))
    return 200, result


def decide_arvode_level(call: Call, assignment_id: str):
    result = named_as_the_api_does(call.payments.decide_arvode_level(assignment_id, call.body()))
    call.changed(assignment_id, result.get("municipality"))
    return 201, result


def approve_omkostnad_excess(call: Call, assignment_id: str):
    result = named_as_the_api_does(call.payments.approve_omkostnad_excess(assignment_id, call.body()))
    call.changed(assignment_id, result.get("municipality"))
    return 201, result


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
    result = named_as_the_api_does(call.payments.my_payments())
    for part in ("payments", "pending_reports"):
        result[part] = call.own(result.get(part) or [])
    for municipality in sorted({item["municipality"] for part in ("payments", "pending_reports")
                                for item in result[part]}):
        call.read(person_id(call.caller.actor), municipality)
    return 200, result
