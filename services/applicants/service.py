"""The applicants service under nameko: RPC in, commands to the applicant decider, answers from the projection.

    nameko run --config … services.applicants.service

Who may do what (the gateway checks the token; this checks again, on every call, against the applicant's own
municipality, so that another municipality's applicant is "not found"):
- register: the public web form (a system caller, channel "web") or a recruiter of the municipality registered
  with, keying in a registration that came by phone, e-mail or letter;
- reads (list_applicants, get_applicant): recruiter, case_worker, auditor;
- everything else: recruiter.
Reads of personal data are audited by the gateway, which knows why the user asked; this service does not log them.

Ids: "applicant_id" in every answer is the applicant's uuid; either it or "applicant-<uuid>" is accepted.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from marshmallow import ValidationError
from nameko.rpc import rpc

from services.common.adapters import (
    CallerProvider, KernelProvider, ServiceProblem, inbox_receiver, reports_problems)
from services.common.db import psycopg
from services.common.decider import CommandRefused, Problem
from services.common.envelope import Metadata
from services.common.identity import InvalidIdentityNumber, normalise_identity_number

from . import projection, schemas
from .domain.applicant import APPLICANT, duplicate_problem, reference_of, stream_id
from .projection import applicant_key
from .spec import SPEC

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RECRUITER = ("recruiter",)
READERS = ("recruiter", "case_worker", "auditor")


def today() -> date:
    """The day in Sweden: the `on` of every command."""
    return datetime.now(STOCKHOLM).date()


class ApplicantsService:
    name = "applicants"

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()

    receive_registry_checks_events = inbox_receiver("registry_checks")

    # --- registration ----------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def register(self, body):
        """An intresseanmälan: `body` is a RegisterApplicantBody plus "municipality" (the kommunkod registered
        with). Returns {"applicant_id", "reference"}."""
        if not isinstance(body, dict):
            raise ValidationError({"_schema": ["the body must be a JSON object"]})
        body = dict(body)
        municipality = body.pop("municipality", None)
        if not isinstance(municipality, str) or not municipality:
            raise ValidationError({"municipality": ["Missing data for required field."]})
        caller = self.caller
        # The public form is a system caller and acts for nobody; a person must be a recruiter there.
        caller.require(municipality, *RECRUITER)

        key = str(uuid.uuid4())
        on = today()
        command = schemas.load_command(schemas.RegisterApplicantBody, body, applicant_id=stream_id(key),
                                       municipality=municipality, by=caller.actor, on=on)
        try:
            personnummer = normalise_identity_number(command.personnummer, on)
        except InvalidIdentityNumber:
            personnummer = None  # the decider refuses it, naming the field
        if personnummer is not None:
            self._refuse_duplicate(municipality, personnummer)
        try:
            self.kernel.execute(APPLICANT, stream_id(key), command,
                                Metadata(municipality=municipality, actor=caller.actor))
        except psycopg.errors.UniqueViolation as violation:
            # Two registrations of one person raced past the lookup; the projection's index stopped the second.
            if violation.diag.constraint_name != "applicants_one_open_per_person":
                raise
            self._refuse_duplicate(municipality, personnummer)
            # Never let the violation itself through: its text quotes the personnummer.
            raise CommandRefused(Problem("this person already has an open registration in this municipality",
                                         "personnummer", "duplicate_registration")) from None
        return {"applicant_id": key, "reference": reference_of(key)}

    def _refuse_duplicate(self, municipality: str, personnummer: str) -> None:
        with self.kernel.connection() as conn:
            existing = projection.find_open_registration(conn, municipality, personnummer)
        if existing is not None:
            raise CommandRefused(duplicate_problem(existing))

    # --- reads -----------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def list_applicants(self, municipality=None, status=None, role=None, q=None, page=1, page_size=50):
        """{"items": [...], "total", "page", "page_size"}: the caller's municipalities, or the one asked for."""
        caller = self.caller
        if municipality is not None:
            caller.require(municipality, *READERS)
            municipalities = [municipality]
        else:
            if not caller.system and not caller.roles & set(READERS):
                raise ServiceProblem("forbidden", "your role may not do this")
            municipalities = None if caller.system else sorted(caller.municipalities)
        with self.kernel.connection() as conn:
            return projection.list_page(conn, municipalities, status=status, role=role, q=q, page=page,
                                        page_size=page_size)

    @rpc
    @reports_problems
    def get_applicant(self, applicant_id):
        """The applicant's whole record, with "interviews", "references" and "checks"."""
        key, _ = self._visible(applicant_id, READERS)
        return self._detail(key)

    # --- assessment and decisions (recruiters) ---------------------------------------------------------------

    @rpc
    @reports_problems
    def record_interview(self, applicant_id, body):
        return self._run(applicant_id, schemas.RecordInterviewBody, body, on=today())

    @rpc
    @reports_problems
    def record_reference(self, applicant_id, body):
        return self._run(applicant_id, schemas.RecordReferenceBody, body)

    @rpc
    @reports_problems
    def approve(self, applicant_id, body):
        """Refused, listing everything still missing (interview, references, register checks), until all is in
        place. The checks are those this service has projected from registry_checks' events."""
        key, municipality = self._visible(applicant_id, RECRUITER)
        with self.kernel.connection() as conn:
            checks = projection.check_statuses(conn, key)
        return self._execute(key, municipality, schemas.ApproveApplicantBody, body, on=today(), checks=checks)

    @rpc
    @reports_problems
    def reject(self, applicant_id, body):
        return self._run(applicant_id, schemas.RejectApplicantBody, body)

    @rpc
    @reports_problems
    def withdraw(self, applicant_id, body):
        return self._run(applicant_id, schemas.WithdrawApplicantBody, body)

    @rpc
    @reports_problems
    def change_availability(self, applicant_id, body):
        return self._run(applicant_id, schemas.ChangeAvailabilityBody, body)

    @rpc
    @reports_problems
    def give_regional_consent(self, applicant_id):
        return self._run(applicant_id, schemas.GiveRegionalConsentBody, {})

    @rpc
    @reports_problems
    def withdraw_regional_consent(self, applicant_id):
        return self._run(applicant_id, schemas.WithdrawRegionalConsentBody, {})

    # --- operations ------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def health(self):
        self.kernel.check_database()
        return {"database": True}

    # --- helpers ---------------------------------------------------------------------------------------------

    def _visible(self, applicant_id, roles: tuple[str, ...]) -> tuple[str, str]:
        """The applicant's key and municipality, if the caller may act there with one of `roles`; else not found
        (or forbidden)."""
        key = applicant_key(applicant_id)
        municipality = self.kernel.find(key, projection.municipality_of, "applicant")
        self.caller.require(municipality, *roles)
        return key, municipality

    def _run(self, applicant_id, schema, body, **context) -> dict:
        key, municipality = self._visible(applicant_id, RECRUITER)
        return self._execute(key, municipality, schema, body, **context)

    def _execute(self, key: str, municipality: str, schema, body, **context) -> dict:
        """Run the body's command on the applicant's stream as the caller; answer with the new detail."""
        command = schemas.load_command(schema, body, applicant_id=stream_id(key), municipality=municipality,
                                       by=self.caller.actor, **context)
        self.kernel.execute(APPLICANT, stream_id(key), command,
                            Metadata(municipality=municipality, actor=self.caller.actor))
        return self._detail(key)

    def _detail(self, key: str) -> dict:
        return self.kernel.find(key, projection.detail, "applicant")
