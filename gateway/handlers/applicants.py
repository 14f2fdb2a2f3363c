"""The applicants routes (the RPC service `applicants`): the public intresseanmälan form, the applicants a
recruiter lists and reads, and each step towards the decision (beslut)."""
from __future__ import annotations

import json
import logging
import time

import eventlet
from nameko.exceptions import UnknownService
from werkzeug.wrappers import Response

from services.common.config import env_float
from services.common.ids import bare_uuid
from services.common.problems import ServiceProblem

from ..problems import Problem, Unavailable
from ..schemas import ApplicantQuery
from ..web import Call
from .common import municipality_of, municipality_of_body, person_id, require_named, shown

log = logging.getLogger(__name__)


# --- intresseanmälan -------------------------------------------------------------------------------------------

def register_interest(call: Call):
    """The public form: no token, consent required, rate limited; answers only the reference number."""
    body = call.body()
    municipality_of_body(body)
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
    municipality = municipality_of_body(body)
    call.caller.require(municipality)
    result = call.applicants.register(body)
    call.changed(person_id(result["applicant_id"]), municipality)
    return 201, result


# --- applicants --------------------------------------------------------------------------------------------------

def list_applicants(call: Call):
    query = call.query(ApplicantQuery)
    require_named(call, query["municipality"])
    page = call.applicants.list_applicants(**query)
    page["items"] = shown(call, page["items"], "applicant_id")
    return 200, page


def get_applicant(call: Call, applicant_id: str):
    """The applicant as the applicants service has it, with the checks it has projected from registry_checks'
    events (one RPC call, or none while this process's read cache holds a fresh answer: this is the recruiters'
    most frequent read), and the assignments of an applicant who was ever approved (nobody else has any)."""
    answer, memo = call.service.read_cache.fetch(applicant_id,  # spelt the one way at the edge (web.PATH_IDS)
                                                 lambda: call.applicants.get_applicant(applicant_id))
    municipality = answer.get("municipality")
    call.caller.require(municipality)
    call.read(applicant_id, municipality)
    if answer.get("approved_on"):
        return 200, _applicant_detail(answer, _assignments_of(call, applicant_id))
    if "json" not in memo:  # the whole answer follows from the service's: encoded once per cached answer
        memo["json"] = json.dumps(_applicant_detail(answer, []), ensure_ascii=False, default=str)
    return Response(memo["json"], status=200, content_type="application/json")


def _applicant_detail(answer: dict, assignments: list[dict] | None) -> dict:
    municipality = answer.get("municipality")
    return {**answer, "assignments": assignments,
            "checks": [check for check in answer.get("checks") or []
                       if check.get("municipality", municipality) == municipality]}


def _assignments_of(call: Call, applicant_id: str) -> list[dict] | None:
    """The applicant's assignments (summaries; another municipality's only by status and dates), or None when the
    assignments service is not running or does not answer within GATEWAY_PART_TIMEOUT seconds: the applicant is
    then shown without them rather than not at all. (The confirmed proxy: a confirmed publish tells at once that
    no assignments service is running.)"""
    found = _UNANSWERED
    try:
        with eventlet.Timeout(env_float("GATEWAY_PART_TIMEOUT", 2.0), False):
            found = call.service.assignments.assignments_for_volunteer(applicant_id)
    except (UnknownService, Unavailable):
        pass
    if found is _UNANSWERED:
        log.warning("%s: the assignments service did not answer; the applicant is shown without assignments",
                    call.route.template)
        return None
    return found


_UNANSWERED = object()


def _applicant_command(rpc_method: str, doc: str):
    def handler(call: Call, applicant_id: str):
        result = getattr(call.applicants, rpc_method)(applicant_id, call.body())
        call.changed(applicant_id, municipality_of(result))
        return 200, result if result is not None else {"applicant_id": applicant_id}
    handler.__name__, handler.__doc__ = rpc_method, doc
    return handler


record_interview = _applicant_command("record_interview", "Intervju (and hembesök) held.")
record_reference = _applicant_command("record_reference", "Referens taken.")


# The codes of an approval refused only for checks the applicants service has not yet seen completed.
_CHECKS_NOT_IN = {"check_pending", "check_missing"}


def approve(call: Call, applicant_id: str):
    """Beslut: lämplig. The applicants service decides on the checks it has projected from registry_checks'
    events, which arrive a moment (about 0.3 s) after GET .../checks shows them done. So an approval refused only
    as pending, while registry_checks has no check of the applicant pending, is asked again until the results
    have arrived (GATEWAY_APPROVAL_CATCH_UP seconds, 3 by default): the caller is decided on what they just saw.
    Past that, 409 check_results_arriving with Retry-After. (docs/contracts.md, "RPC".)"""
    body = call.body()
    deadline = time.monotonic() + env_float("GATEWAY_APPROVAL_CATCH_UP", 3.0)
    while True:
        try:
            result = call.applicants.approve(applicant_id, body)
            break
        except ServiceProblem as refused:
            if not _results_on_their_way(call, applicant_id, refused):
                raise
            if time.monotonic() >= deadline:
                raise Problem("conflict", "The register results are on their way to the decision; try again.", [
                    {"field": "checks", "message": "every register check is done; its result has not reached the "
                     "approval yet", "code": "check_results_arriving"}], headers={"Retry-After": "1"}) from None
            eventlet.sleep(0.1)
    call.changed(person_id(applicant_id), municipality_of(result))
    return 200, result


def _results_on_their_way(call: Call, applicant_id: str, refused: ServiceProblem) -> bool:
    """Refused only for checks not yet seen done, while registry_checks, which owns them, has none pending."""
    codes = {problem.get("code") for problem in refused.problems}
    if refused.kind != "refused" or not codes or not codes <= _CHECKS_NOT_IN:
        return False
    try:
        checks = call.registry_checks.checks_for_applicant(applicant_id)
    except (ServiceProblem, UnknownService):
        return False
    return bool(checks) and all(check.get("state") != "pending" for check in checks)


reject = _applicant_command("reject", "Beslut: inte lämplig.")
withdraw = _applicant_command("withdraw", "Intresseanmälan återkallad.")
change_availability = _applicant_command("change_availability", "Tillgänglighet ändrad.")
