"""What each route does: check what only the gateway can check, call the owning service (as the caller), note
whose personal data was read or changed, and say what to answer. The route table in service.py says who may call.

Tenancy is checked twice: the services refuse a municipality the caller lacks (nameko context data), and the
gateway checks the municipality of what comes back before showing it.
"""
from __future__ import annotations

import json
import logging

import eventlet
from kombu import Connection
from marshmallow import ValidationError
from nameko.exceptions import UnknownService
from werkzeug.wrappers import Response

from services.applicants.projection import applicant_key
from services.common.config import env_float

from . import audit, metrics, openapi
from .auth import require_municipality
from .problems import Problem, problem, validation_errors
from .schemas import ApplicantQuery, AuditQuery, MunicipalityOfBody, WorklistQuery
from .web import Call, person_id

log = logging.getLogger(__name__)


def _municipality_of_body(body: dict) -> str:
    try:
        return MunicipalityOfBody().load(body)["municipality"]
    except ValidationError as error:
        raise Problem("invalid", "Some fields are missing or invalid.", validation_errors(error)) from None


def _municipality_of(result) -> str | None:
    return result.get("municipality") if isinstance(result, dict) else None


# --- intresseanmälan -------------------------------------------------------------------------------------------

def register_interest(call: Call):
    """The public form: no token, consent required, rate limited; answers only the reference number."""
    body = call.body()
    _municipality_of_body(body)
    consents = body.get("consents")
    if not (isinstance(consents, dict) and consents.get("personal_data") is True):
        raise Problem("refused", "Consent to the processing of personal data is required.", [
            {"field": "consents.personal_data", "message": "consent to the processing of personal data is required",
             "code": "consent_required"}])
    result = call.applicants.register(body)
    return 202, {"reference": result["reference"]}


def register_applicant(call: Call):
    """An intresseanmälan a recruiter keys in (phone, e-mail, letter)."""
    body = call.body()
    municipality = _municipality_of_body(body)
    require_municipality(call.caller, municipality)
    result = call.applicants.register(body)
    call.changed(result["applicant_id"], municipality)
    return 201, result


# --- applicants --------------------------------------------------------------------------------------------------

def list_applicants(call: Call):
    query = call.query(ApplicantQuery)
    if query["municipality"] is not None:
        require_municipality(call.caller, query["municipality"])
    page = call.applicants.list_applicants(**query)
    page["items"] = call.own(page["items"])
    for item in page["items"]:
        call.read(item.get("applicant_id"), item.get("municipality"))
    return 200, page


def _applicant_and_checks(call: Call, applicant_id: str) -> tuple[dict, list]:
    """Both services asked at once; the applicant's municipality decides whether the caller may see either.
    While registry_checks is not running, the checks are those the applicants service has projected. (The
    confirmed proxy: only a confirmed publish tells at once that no registry_checks is running.)"""
    try:
        checks = call.service.registry_checks.checks_for_applicant.call_async(applicant_id)
    except UnknownService:
        checks = None
    applicant = call.applicants.get_applicant(applicant_id)
    municipality = applicant.get("municipality")
    require_municipality(call.caller, municipality)
    items = applicant.get("checks", []) if checks is None else checks.result()
    call.read(applicant_id, municipality)
    return applicant, [check for check in items if check.get("municipality", municipality) == municipality]


def get_applicant(call: Call, id: str):
    """The applicant as the applicants service has it, with the checks it has projected from registry_checks'
    events (one RPC call, or none while this process's read cache holds a fresh answer: this is the recruiters'
    most frequent read), and the assignments of an applicant who was ever approved (nobody else has any)."""
    answer, memo = call.service.read_cache.fetch(applicant_key(id), lambda: call.applicants.get_applicant(id))
    municipality = answer.get("municipality")
    require_municipality(call.caller, municipality)
    call.read(id, municipality)
    if answer.get("approved_on"):
        return 200, _applicant_detail(answer, _assignments_of(call, id, answer))
    if "json" not in memo:  # the whole answer follows from the service's: encoded once per cached answer
        memo["json"] = json.dumps(_applicant_detail(answer, []), ensure_ascii=False, default=str)
    return Response(memo["json"], status=200, content_type="application/json")


def _applicant_detail(answer: dict, assignments: list[dict] | None) -> dict:
    municipality = answer.get("municipality")
    return {**answer, "assignments": assignments,
            "checks": [check for check in answer.get("checks") or []
                       if check.get("municipality", municipality) == municipality]}


def _assignments_of(call: Call, applicant_id: str, applicant: dict) -> list[dict] | None:
    """The applicant's assignments (summaries; another municipality's only by status and dates), or None when the
    assignments service is not running or does not answer within GATEWAY_PART_TIMEOUT seconds: the applicant is
    then shown without them rather than not at all. (The confirmed proxy: a confirmed publish tells at once that
    no assignments service is running.)"""
    found = _UNANSWERED
    try:
        with eventlet.Timeout(env_float("GATEWAY_PART_TIMEOUT", 2.0), False):
            found = call.service.assignments.assignments_for_volunteer(applicant_id)
    except UnknownService:
        pass
    if found is _UNANSWERED:
        log.warning("%s: the assignments service did not answer; the applicant is shown without assignments",
                    call.route.template)
        return None
    return found


_UNANSWERED = object()


def applicant_checks(call: Call, id: str):
    _, checks = _applicant_and_checks(call, id)
    return 200, {"items": checks}


def _applicant_command(rpc_method: str, doc: str):
    def handler(call: Call, id: str):
        result = getattr(call.applicants, rpc_method)(id, call.body())
        call.changed(id, _municipality_of(result))
        return 200, result if result is not None else {"applicant_id": id}
    handler.__name__, handler.__doc__ = rpc_method, doc
    return handler


record_interview = _applicant_command("record_interview", "Intervju (and hembesök) held.")
record_reference = _applicant_command("record_reference", "Referens taken.")
approve = _applicant_command("approve", "Beslut: lämplig.")
reject = _applicant_command("reject", "Beslut: inte lämplig.")
withdraw = _applicant_command("withdraw", "Intresseanmälan återkallad.")
change_availability = _applicant_command("change_availability", "Tillgänglighet ändrad.")


# --- register checks -------------------------------------------------------------------------------------------

def record_check_result(call: Call, id: str):
    """A recruiter keys in a paper registerutdrag."""
    result = call.registry_checks.record_manual_result(id, call.body())
    subject = result.get("applicant_id", id) if isinstance(result, dict) else id
    call.changed(person_id(subject), _municipality_of(result))
    return 200, result if result is not None else {"check_id": id}


def worklist(call: Call):
    query = call.query(WorklistQuery)
    if query["municipality"] is not None:
        require_municipality(call.caller, query["municipality"])
    result = call.registry_checks.worklist(municipality=query["municipality"])
    items = call.own(result["items"] if isinstance(result, dict) else result)
    for item in items:
        call.read(person_id(item.get("applicant_id")), item.get("municipality"))
    return 200, {"items": items}


# --- the audit log ---------------------------------------------------------------------------------------------

def audit_log(call: Call):
    query = call.query(AuditQuery)
    with call.db.connection() as conn:
        items = audit.query(conn, call.caller.municipalities, **query)
    call.read(query["subject"])  # who looked at whose accesses is itself audited
    return 200, {"items": items}


# --- operations --------------------------------------------------------------------------------------------------

def health(call: Call):
    """200 when the database and the broker answer; 503 (problem+json) naming what does not."""
    checks = {"database": "ok", "broker": "ok"}
    try:
        with call.db.connection() as conn:
            conn.execute("SELECT 1")
    except Exception:  # noqa: BLE001 (any failure means unavailable)
        checks["database"] = "unavailable"
    try:
        with Connection(call.service.config["AMQP_URI"], connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception:  # noqa: BLE001
        checks["broker"] = "unavailable"
    if "unavailable" in checks.values():
        down = ", ".join(name for name, state in checks.items() if state != "ok")
        return problem(503, "service-unavailable", "The gateway cannot serve requests", f"Unavailable: {down}.",
                       call.request.path, extra={"checks": checks})
    return 200, {"status": "ok", **checks}


def prometheus_metrics(call: Call):
    data, content_type = metrics.exposition()
    return Response(data, status=200, content_type=content_type)


def openapi_document(call: Call):
    return 200, openapi.document(call.service.routes)


def docs_page(call: Call):
    return Response(openapi.html_page(openapi.document(call.service.routes)), status=200,
                    content_type="text/html; charset=utf-8")
