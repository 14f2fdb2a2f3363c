"""The register checks routes (the RPC service `registry_checks`): an applicant's checks, a paper registerutdrag
keyed in, a conflict between one and the register's answer resolved, the recruiters' worklist of checks that wait
or need action, and the admins' list of register results that were refused."""
from __future__ import annotations

from nameko.exceptions import UnknownService

from ..problems import Unavailable
from ..schemas import RefusedResultsQuery, WorklistQuery
from ..web import Call
from .common import municipality_of, person_id, require_named, shown


def applicant_checks(call: Call, applicant_id: str):
    """Both services asked at once; the applicant's municipality decides whether the caller may see either.
    While registry_checks is not running, the checks are those the applicants service has projected. (The
    confirmed proxy: only a confirmed publish tells at once that no registry_checks is running.)"""
    try:
        checks = call.service.registry_checks.checks_for_applicant.call_async(applicant_id)
    except (UnknownService, Unavailable):
        checks = None
    applicant = call.applicants.get_applicant(applicant_id)
    municipality = applicant.get("municipality")
    call.caller.require(municipality)
    items = None
    if checks is not None:
        try:
            items = checks.result()
        except Unavailable:  # registry_checks missed its deadline: the projected checks, as when it is not running
            pass
    if items is None:
        items = applicant.get("checks", [])
    call.read(applicant_id, municipality)
    return 200, {"items": [check for check in items if check.get("municipality", municipality) == municipality]}


def record_check_result(call: Call, check_id: str):
    """A recruiter keys in a paper registerutdrag."""
    result = call.registry_checks.record_manual_result(check_id, call.body())
    subject = result.get("applicant_id", check_id) if isinstance(result, dict) else check_id
    call.changed(person_id(subject), municipality_of(result))
    return 200, result if result is not None else {"check_id": check_id}


def resolve_check_conflict(call: Call, check_id: str):
    """A recruiter has looked into a register's answer that contradicted the paper extract keyed in."""
    result = call.registry_checks.resolve_conflict(check_id, call.body())
    subject = result.get("applicant_id", check_id) if isinstance(result, dict) else check_id
    call.changed(person_id(subject), municipality_of(result))
    return 200, result if result is not None else {"check_id": check_id}


def refused_results(call: Call, municipality: str):
    """An admin's page of the municipality's refused register results: why, from which register, for which check;
    not the message's headers or body (docs/register-contract.md)."""
    call.caller.require(municipality)
    query = call.query(RefusedResultsQuery)
    if query["since"] is not None:
        query["since"] = query["since"].isoformat()
    page = call.registry_checks.list_refused_results(municipality=municipality, **query)
    page["items"] = call.own(page["items"])
    return 200, page


def worklist(call: Call):
    query = call.query(WorklistQuery)
    require_named(call, query["municipality"])
    result = call.registry_checks.worklist(municipality=query["municipality"])
    return 200, {"items": shown(call, result["items"] if isinstance(result, dict) else result, "applicant_id")}
