"""The applicants' use cases: what each RPC does, as plain functions over the Kernel.

Each one checks the caller, turns the body into its command, runs it on the applicant's stream and answers
with the applicant as it now reads. Who may do what (the gateway checks the token; this checks again, on every
call, against the applicant's own municipality, so that another municipality's applicant is "not found"):
- register: the public web form (a system caller, channel "web") or a recruiter of the municipality registered
  with, keying in a registration that came by phone, e-mail or letter;
- reads (list_applicants, get_applicant): recruiter, case_worker, auditor;
- everything else: recruiter.
Reads of personal data are audited by the gateway, which knows why the user asked; this service does not log them.

Ids: "applicant_id" in every answer is the applicant's uuid; any spelling of it, or of "applicant-<uuid>", is
accepted (services.common.ids).
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

from marshmallow import ValidationError

from services.common.db import psycopg
from services.common.decider import CommandRefused, NotFound
from services.common.envelope import Metadata
from services.common.identity import normalise_identity_number
from services.common.ids import bare_uuid
from services.common.kernel import Kernel
from services.common.problems import ServiceProblem
from services.common.roles import AUDITOR, CASE_WORKER, RECRUITER, Caller
from services.common.sweden import today
from services.common.validation import body_of, load_body

from . import projection
from .domain.applicant import (
    APPLICANT, STREAM_TYPE, Address, ApproveApplicant, Availability, ChangeAvailability, Consents, Contact,
    GiveRegionalConsent, HouseholdMember, Preferences, RecordInterview, RecordReference, RecordRepeatedRegistration,
    RegisterApplicant, RejectApplicant, WithdrawApplicant, WithdrawRegionalConsent, duplicate_problem, reference_of,
    stream_id)
from .schemas import (
    ApproveApplicantBody, ChangeAvailabilityBody, GiveRegionalConsentBody, RecordInterviewBody,
    RecordReferenceBody, RegisterApplicantBody, RejectApplicantBody, WithdrawApplicantBody,
    WithdrawRegionalConsentBody)

READERS = (RECRUITER, CASE_WORKER, AUDITOR)


# --- registration ----------------------------------------------------------------------------------------

def register_applicant(kernel: Kernel, caller: Caller, body: Any) -> dict:
    """An intresseanmälan: `body` is a RegisterApplicantBody plus "municipality" (the kommunkod registered
    with). Returns {"applicant_id", "reference"}.

    The person may already have an open registration in the municipality. A recruiter keying it in is told so
    (duplicate_registration, naming the existing applicant, whom they may read anyway). The public form (a system
    caller) is answered exactly as for a new registration, so that a personnummer cannot be tested for being
    registered: the repeat is recorded on the open registration (RegistrationRepeated) for its recruiter, and the
    answer is a receipt, a fresh id and its reference, that names no applicant (docs/domain.md, "Recruitment")."""
    body = dict(body_of(body))
    municipality = body.pop("municipality", None)
    if not isinstance(municipality, str) or not municipality:
        raise ValidationError({"municipality": ["Missing data for required field."]})
    # The public form is a system caller and acts for nobody; a person must be a recruiter there.
    caller.require(municipality, RECRUITER)

    key, on = str(uuid.uuid4()), today()
    command = register_command(body, applicant_id=stream_id(key), municipality=municipality, by=caller.actor, on=on)
    # Every rule of the form first, so that what bad input is told does not depend on who is registered.
    APPLICANT.decide(APPLICANT.initial(), command)
    personnummer = normalise_identity_number(command.personnummer, on)
    receipt = {"applicant_id": key, "reference": reference_of(key)}
    for _attempt in range(3):
        with kernel.connection() as conn:
            existing = projection.find_open_registration(conn, municipality, personnummer)
        if existing is not None:
            if not caller.system:
                raise CommandRefused(duplicate_problem(existing))
            if _repeat_recorded(kernel, existing, command, receipt["reference"]):
                return receipt
            continue  # closed meanwhile: a registration like any other
        try:
            _execute(kernel, command)
            return receipt
        except psycopg.errors.UniqueViolation as violation:
            # Two registrations of one person raced past the lookup; the projection's index stopped this one,
            # and the other is committed: look again. Never let the violation through: it quotes the personnummer.
            if violation.diag.constraint_name != "applicants_one_open_per_person":
                raise
    raise ServiceProblem("conflict", "the registration changed meanwhile; send it again")


def _repeat_recorded(kernel: Kernel, existing: str, command: RegisterApplicant, receipt: str) -> bool:
    """The repeat noted on the open registration `existing`; False if that registration has closed meanwhile."""
    repeat = RecordRepeatedRegistration(
        applicant_id=stream_id(existing), municipality=command.municipality, by=command.by, on=command.on,
        channel=command.channel, receipt=receipt, given_name=command.given_name, family_name=command.family_name,
        roles=command.roles, contact=command.contact)
    try:
        _execute(kernel, repeat)
    except NotFound:
        return False
    except CommandRefused as refused:
        if any(problem.code in _CLOSED for problem in refused.problems):
            return False
        raise
    return True


_CLOSED = ("applicant_rejected", "applicant_withdrawn")


# --- reads -----------------------------------------------------------------------------------------------

def list_applicants(kernel: Kernel, caller: Caller, municipality: str | None = None, status: str | None = None,
                    role: str | None = None, q: str | None = None, page: int = 1, page_size: int = 50) -> dict:
    """{"items": [...], "total", "page", "page_size"}: the caller's municipalities, or the one asked for."""
    if municipality is not None:
        caller.require(municipality, *READERS)
        municipalities = [municipality]
    else:
        municipalities = caller.municipalities_with(*READERS)
    with kernel.connection() as conn:
        return projection.list_page(conn, municipalities, status=status, role=role, q=q, page=page,
                                    page_size=page_size)


def get_applicant(kernel: Kernel, caller: Caller, applicant_id: Any) -> dict:
    """The applicant's whole record, with "interviews", "references", "checks" and "repeats" (the public form sent
    again while it was open)."""
    key, _ = _visible(kernel, caller, applicant_id, READERS)
    return _detail(kernel, key)


# --- assessment and decisions (recruiters) ---------------------------------------------------------------

def record_interview(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, record_interview_command, body, on=today())


def record_reference(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, record_reference_command, body)


def approve_applicant(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any) -> dict:
    """Refused, listing everything still missing (interview, references, register checks), until all is in
    place. The checks are those this service has projected from registry_checks' events."""
    key, municipality = _visible(kernel, caller, applicant_id, (RECRUITER,))
    with kernel.connection() as conn:
        checks = projection.check_statuses(conn, key)
    _execute(kernel, approve_command(body, applicant_id=stream_id(key), municipality=municipality,
                                     by=caller.actor, on=today(), checks=checks))
    return _detail(kernel, key)


def reject_applicant(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, reject_command, body)


def withdraw_applicant(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, withdraw_command, body)


def change_availability(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, change_availability_command, body)


def give_regional_consent(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any = None) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, give_regional_consent_command, body)


def withdraw_regional_consent(kernel: Kernel, caller: Caller, applicant_id: Any, body: Any = None) -> dict:
    return _recruiter_decides(kernel, caller, applicant_id, withdraw_regional_consent_command, body)


# --- operations ------------------------------------------------------------------------------------------

def health(kernel: Kernel) -> dict:
    kernel.check_database()
    return {"database": True}


# --- bodies into commands --------------------------------------------------------------------------------
# The one way: the body's fields loaded with its schema, then the command built field by field. `context` is
# what the service adds: the applicant's stream id, its municipality, the acting user `by`, and for some
# commands the day `on` (or the checks). Pure, so the unit tests read them without a kernel.

def register_command(body: Any, **context: Any) -> RegisterApplicant:
    fields = load_body(RegisterApplicantBody, body)
    contact, household = fields["contact"], fields["household"]
    return RegisterApplicant(
        **context, channel=fields["channel"], roles=tuple(fields["roles"]), given_name=fields["given_name"],
        family_name=fields["family_name"], personnummer=fields["personnummer"],
        contact=Contact(email=contact["email"], phone=contact["phone"],
                        address=None if contact["address"] is None else Address(**contact["address"])),
        household=None if household is None else tuple(HouseholdMember(**member) for member in household),
        languages=tuple(fields["languages"]), interests=tuple(fields["interests"]),
        availability=Availability(**fields["availability"]), preferences=Preferences(**fields["preferences"]),
        experience=fields["experience"], free_text=fields["free_text"], consents=Consents(**fields["consents"]))


def record_interview_command(body: Any, **context: Any) -> RecordInterview:
    fields = load_body(RecordInterviewBody, body)
    return RecordInterview(**context, interviewed_on=fields["interviewed_on"], interviewer=fields["interviewer"],
                           notes=fields["notes"], home_visit=fields["home_visit"])


def record_reference_command(body: Any, **context: Any) -> RecordReference:
    fields = load_body(RecordReferenceBody, body)
    return RecordReference(**context, kind=fields["kind"], name=fields["name"], contact=fields["contact"],
                           outcome=fields["outcome"], notes=fields["notes"])


def approve_command(body: Any, **context: Any) -> ApproveApplicant:
    fields = load_body(ApproveApplicantBody, body)
    return ApproveApplicant(**context, roles=tuple(fields["roles"]), valid_until=fields["valid_until"])


def reject_command(body: Any, **context: Any) -> RejectApplicant:
    return RejectApplicant(**context, reason=load_body(RejectApplicantBody, body)["reason"])


def withdraw_command(body: Any, **context: Any) -> WithdrawApplicant:
    fields = load_body(WithdrawApplicantBody, body)
    return WithdrawApplicant(**context, withdrawn_by=fields["withdrawn_by"], reason=fields["reason"])


def change_availability_command(body: Any, **context: Any) -> ChangeAvailability:
    fields = load_body(ChangeAvailabilityBody, body)
    return ChangeAvailability(**context, availability=Availability(**fields["availability"]))


def give_regional_consent_command(body: Any, **context: Any) -> GiveRegionalConsent:
    load_body(GiveRegionalConsentBody, body)  # no fields: an empty body, or none at all
    return GiveRegionalConsent(**context)


def withdraw_regional_consent_command(body: Any, **context: Any) -> WithdrawRegionalConsent:
    load_body(WithdrawRegionalConsentBody, body)  # no fields: an empty body, or none at all
    return WithdrawRegionalConsent(**context)


# --- helpers ---------------------------------------------------------------------------------------------

def _visible(kernel: Kernel, caller: Caller, applicant_id: Any, roles: tuple[str, ...]) -> tuple[str, str]:
    """The applicant's key (its uuid) and municipality, if the caller may act there with one of `roles`; else
    not found (or forbidden)."""
    key = bare_uuid(STREAM_TYPE, applicant_id)
    municipality = kernel.find(key, projection.municipality_of, "applicant")
    caller.require(municipality, *roles)
    return key, municipality


def _recruiter_decides(kernel: Kernel, caller: Caller, applicant_id: Any, command_of: Callable[..., Any],
                       body: Any, **context: Any) -> dict:
    """Run the body's command on the applicant's stream as a recruiter of its municipality; answer with the
    applicant's detail as it now reads."""
    key, municipality = _visible(kernel, caller, applicant_id, (RECRUITER,))
    _execute(kernel, command_of(body, applicant_id=stream_id(key), municipality=municipality, by=caller.actor,
                                **context))
    return _detail(kernel, key)


def _execute(kernel: Kernel, command: Any) -> None:
    kernel.execute(APPLICANT, command.applicant_id, command,
                   Metadata(municipality=command.municipality, actor=command.by))


def _detail(kernel: Kernel, key: str) -> dict:
    return kernel.find(key, projection.detail, "applicant")
