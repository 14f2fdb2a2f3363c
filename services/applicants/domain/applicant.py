"""The applicant: from intresseanmälan (registration of interest) to an approved volunteer, or not.
See docs/domain.md, "Recruitment".

Stream type "applicant", stream ids "applicant-<uuid>". Read top-down: the words the rules use, the commands,
the state, `decide` (one function per command: collect every problem, then emit), `evolve`, and last the
`APPLICANT` decider that joins them.

    RegisterApplicant        -> ApplicantRegistered
    RecordRepeatedRegistration -> RegistrationRepeated (the public form sent again for someone already open)
    RecordInterview          -> InterviewRecorded
    RecordReference          -> ReferenceRecorded
    ApproveApplicant         -> ApplicantApproved     (interview, two positive references, every check clear, no
                                                       check in conflict, no result keyed in by the approver)
    RejectApplicant          -> ApplicantRejected
    WithdrawApplicant        -> ApplicantWithdrawn    (by the applicant or the recruiter)
    ChangeAvailability       -> AvailabilityChanged
    GiveRegionalConsent /
    WithdrawRegionalConsent  -> RegionalConsentChanged

Two things the decision needs are read by the use cases (app.py), not folded here: the register checks
(registry_checks owns them; app.py passes its projection's `CheckStatus` list into ApproveApplicant, and
checks.py says when they stand in the way) and whether the person already has an open registration in the
municipality (app.py looks it up: a recruiter keying in is refused with `duplicate_problem`; the public form's
repeat is recorded on the open registration with RecordRepeatedRegistration, and its sender answered as anyone).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from services.common import places
from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, NotFound, Problem
from services.common.identity import ADULT_AGE, IdentityNumber, InvalidIdentityNumber, parse_identity_number

from .checks import (DEFAULT_REQUIRED_REGISTERS, CheckStatus, check_problems, conflict_problems,
                     four_eyes_problems, is_clear_on)

STREAM_TYPE = "applicant"


def stream_id(applicant_uuid: str) -> str:
    """The stream of the applicant the API names by its uuid: "applicant-<uuid>"."""
    return f"{STREAM_TYPE}-{applicant_uuid}"


def reference_of(applicant_uuid: str) -> str:
    """A short reference people can read out on the phone: 'KP-' and the first 8 hex digits of the id."""
    return "KP-" + applicant_uuid.replace("-", "")[:8].upper()


CHANNELS = ("web", "phone", "email", "letter")
# kontaktperson, kontaktfamilj, särskilt kvalificerad kontaktperson, familjehem, jourhem
ROLES = ("kontaktperson", "kontaktfamilj", "skkp", "familjehem", "jourhem")
HOUSEHOLD_RELATIONS = ("partner", "child", "other")
REFERENCE_KINDS = ("work_or_studies", "private")
REFERENCE_OUTCOMES = ("positive", "negative")
WITHDRAWN_BY = ("applicant", "recruiter")

# Status of an applicant. Only an open one can be assessed and decided on.
NEW, OPEN, APPROVED, REJECTED, WITHDRAWN = "new", "open", "approved", "rejected", "withdrawn"


# --- What an intresseanmälan holds -------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    street: str
    postnummer: str  # "123 45" or "12345"
    city: str


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    phone: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class HouseholdMember:
    """Someone who lives with the applicant (the applicant is not listed)."""
    birth_year: int
    relation: str = "other"  # one of HOUSEHOLD_RELATIONS


@dataclass(frozen=True)
class Availability:
    weekdays: bool = False
    evenings: bool = False
    weekends: bool = False
    holidays: bool = False  # school holidays (lov) and public holidays


@dataclass(frozen=True)
class Preferences:
    client_age_min: int | None = None
    client_age_max: int | None = None
    max_assignments: int | None = None  # at most this many assignments at once


@dataclass(frozen=True)
class Consents:
    personal_data: bool  # processing of personal data: required to register
    regional_pool: bool = False  # sharing in the region's pool of volunteers: optional, may be withdrawn


# --- Commands ----------------------------------------------------------------------------------------------
# Every command names the applicant, the municipality acting (checked against the applicant's) and the
# actor `by` (a user id). `on` is the day the command is given, from the service's clock.

@dataclass(frozen=True, kw_only=True)
class ApplicantCommand:
    """The applicant, the municipality and the actor, which every command after the registration names."""
    applicant_id: str  # "applicant-<uuid>"
    municipality: str
    by: str


@dataclass(frozen=True, kw_only=True)
class RegisterApplicant:
    applicant_id: str  # "applicant-<uuid>", made by the service
    municipality: str  # kommunkod the applicant registers with
    by: str | None  # the recruiter who keyed it in; None for the public web form
    on: date
    channel: str
    roles: tuple[str, ...]
    given_name: str
    family_name: str
    personnummer: str  # or samordningsnummer, in any usual form
    contact: Contact
    household: tuple[HouseholdMember, ...] | None = None  # None: not stated; (): lives alone
    languages: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    availability: Availability = field(default_factory=Availability)
    preferences: Preferences = field(default_factory=Preferences)
    experience: str | None = None
    free_text: str | None = None
    consents: Consents


@dataclass(frozen=True, kw_only=True)
class RecordInterview(ApplicantCommand):
    on: date
    interviewed_on: date
    interviewer: str
    notes: str = ""
    home_visit: bool = False  # families are interviewed at home


@dataclass(frozen=True, kw_only=True)
class RecordReference(ApplicantCommand):
    kind: str  # one of REFERENCE_KINDS
    name: str
    contact: str  # phone or e-mail of the reference
    outcome: str  # one of REFERENCE_OUTCOMES
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class ApproveApplicant(ApplicantCommand):
    on: date
    roles: tuple[str, ...]  # approved for these; a subset of the roles of interest
    valid_until: date
    checks: tuple[CheckStatus, ...] = ()  # the applicant's checks, from the service's projection
    required_registers: tuple[str, ...] = DEFAULT_REQUIRED_REGISTERS


@dataclass(frozen=True, kw_only=True)
class RejectApplicant(ApplicantCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class WithdrawApplicant(ApplicantCommand):
    withdrawn_by: str  # one of WITHDRAWN_BY: who asked for it
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangeAvailability(ApplicantCommand):
    availability: Availability


@dataclass(frozen=True, kw_only=True)
class GiveRegionalConsent(ApplicantCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class WithdrawRegionalConsent(ApplicantCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RecordRepeatedRegistration(ApplicantCommand):
    """The same person's intresseanmälan came again while this one is open: noted here for the recruiter, who
    follows up; the sender is answered as if it were a new registration (docs/domain.md, "Recruitment")."""
    by: str | None  # None for the public web form, like a registration's
    on: date
    channel: str
    receipt: str  # the reference the sender of the repeat was given ("KP-" and eight hex digits)
    given_name: str
    family_name: str
    roles: tuple[str, ...]
    contact: Contact


# --- State -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Applicant:
    """Only what the rules need; the full record lives in the projection."""
    applicant_id: str | None = None
    municipality: str | None = None
    status: str = NEW
    roles: tuple[str, ...] = ()
    interviewed: bool = False
    positive_references: frozenset[str] = frozenset()  # the kinds with at least one positive reference
    availability: Availability = Availability()
    regional_pool: bool = False
    name: tuple[str, str] = ("", "")  # as registered: a repeat under another name is worth the recruiter's eye
    contact: dict[str, Any] | None = None  # as registered (ApplicantRegistered's data): a repeat names what differs


def initial() -> Applicant:
    return Applicant()


def duplicate_problem(existing_applicant_id: str) -> Problem:
    """The refusal of a second open registration of one person in one municipality (names the id, not the person)."""
    return Problem(f"this person already has an open registration in this municipality: {existing_applicant_id}",
                   "personnummer", "duplicate_registration")


# --- decide ------------------------------------------------------------------------------------------------

def decide(state: Applicant, command: Any) -> list[NewEvent]:
    handler = _DECISIONS.get(type(command))
    if handler is None:
        raise TypeError(f"the applicant decider has no rule for {type(command).__name__}")
    return handler(state, command)


def _register(state: Applicant, c: RegisterApplicant) -> list[NewEvent]:
    if state.status != NEW:
        raise CommandRefused(Problem("applicant is already registered", "applicant_id", "already_registered"))
    problems = []
    if c.channel != "web" and not (c.by or "").strip():
        # Registrations by phone, e-mail or letter are keyed in by a recruiter, who answers for them.
        problems.append(Problem("a registration by phone, e-mail or letter needs the recruiter who keyed it in",
                                "by", "required"))
    if not c.applicant_id.startswith(f"{STREAM_TYPE}-"):
        problems.append(Problem("applicant id must start with 'applicant-'", "applicant_id", "invalid"))
    if not places.is_municipality(c.municipality):
        problems.append(Problem("not a kommunkod of a Swedish municipality", "municipality", "unknown_municipality"))
    if c.channel not in CHANNELS:
        problems.append(Problem(f"channel must be one of {', '.join(CHANNELS)}", "channel", "invalid"))
    problems += _roles_problems(c.roles)
    for name_field in ("given_name", "family_name"):
        if not getattr(c, name_field).strip():
            problems.append(Problem("required", name_field, "required"))
    identity, identity_problems = _identity(c.personnummer, c.on)
    problems += identity_problems
    problems += _contact_problems(c.contact)
    problems += _household_problems(c.household, c.roles, c.on)
    problems += _preferences_problems(c.preferences)
    if not c.consents.personal_data:
        problems.append(Problem("consent to the processing of personal data is required",
                                "consents.personal_data", "consent_required"))
    _refuse_if(problems)

    return [NewEvent("ApplicantRegistered", {
        "applicant_id": c.applicant_id,
        "municipality": c.municipality,
        "registered_on": c.on.isoformat(),
        "channel": c.channel,
        "roles": list(dict.fromkeys(c.roles)),
        "given_name": c.given_name.strip(),
        "family_name": c.family_name.strip(),
        "personnummer": identity.number,
        "identity_kind": identity.kind,
        "birth_date": identity.birth_date.isoformat(),
        "contact": _contact_data(c.contact),
        "household": None if c.household is None else [
            {"birth_year": m.birth_year, "relation": m.relation} for m in c.household],
        "languages": list(c.languages),
        "interests": list(c.interests),
        "availability": _availability_data(c.availability),
        "preferences": {"client_age_min": c.preferences.client_age_min,
                        "client_age_max": c.preferences.client_age_max,
                        "max_assignments": c.preferences.max_assignments},
        "experience": c.experience,
        "free_text": c.free_text,
        "consents": {"personal_data": True, "regional_pool": c.consents.regional_pool},
        "by": c.by,
    })]


_RECEIPT = re.compile(r"^KP-[0-9A-F]{8}$")


def _record_repeat(state: Applicant, c: RecordRepeatedRegistration) -> list[NewEvent]:
    _require_status(state, c, OPEN, APPROVED)
    problems = []
    if c.channel not in CHANNELS:
        problems.append(Problem(f"channel must be one of {', '.join(CHANNELS)}", "channel", "invalid"))
    if not _RECEIPT.match(c.receipt):
        problems.append(Problem("a receipt is 'KP-' and eight hex digits", "receipt", "invalid"))
    problems += _roles_problems(c.roles) + _contact_problems(c.contact)
    _refuse_if(problems)
    contact = _contact_data(c.contact)
    name = (c.given_name.strip(), c.family_name.strip())
    same_name = tuple(part.casefold() for part in name) == tuple(part.casefold() for part in state.name)
    return [NewEvent("RegistrationRepeated", {
        "applicant_id": c.applicant_id,
        "repeated_on": c.on.isoformat(),
        "channel": c.channel,
        "receipt": c.receipt,
        # Only what differs from the registration, so the recruiter sees at once what to follow up.
        "contact": None if contact == state.contact else contact,
        "name": None if same_name else {"given_name": name[0], "family_name": name[1]},
        "new_roles": [role for role in dict.fromkeys(c.roles) if role not in state.roles],
        "by": c.by,
    })]


def _record_interview(state: Applicant, c: RecordInterview) -> list[NewEvent]:
    _require_status(state, c, OPEN)
    problems = _actor_problems(c)
    if c.interviewed_on > c.on:
        problems.append(Problem("an interview cannot be recorded before it has taken place",
                                "interviewed_on", "in_future"))
    if not c.interviewer.strip():
        problems.append(Problem("required", "interviewer", "required"))
    _refuse_if(problems)
    return [NewEvent("InterviewRecorded", {
        "applicant_id": c.applicant_id, "interviewed_on": c.interviewed_on.isoformat(),
        "interviewer": c.interviewer.strip(), "home_visit": c.home_visit, "notes": c.notes, "by": c.by})]


def _record_reference(state: Applicant, c: RecordReference) -> list[NewEvent]:
    _require_status(state, c, OPEN)
    problems = _actor_problems(c)
    if c.kind not in REFERENCE_KINDS:
        problems.append(Problem(f"kind must be one of {', '.join(REFERENCE_KINDS)}", "kind", "invalid"))
    if c.outcome not in REFERENCE_OUTCOMES:
        problems.append(Problem(f"outcome must be one of {', '.join(REFERENCE_OUTCOMES)}", "outcome", "invalid"))
    for text_field in ("name", "contact"):
        if not getattr(c, text_field).strip():
            problems.append(Problem("required", text_field, "required"))
    _refuse_if(problems)
    return [NewEvent("ReferenceRecorded", {
        "applicant_id": c.applicant_id, "kind": c.kind, "name": c.name.strip(), "contact": c.contact.strip(),
        "outcome": c.outcome, "notes": c.notes, "by": c.by})]


def _approve(state: Applicant, c: ApproveApplicant) -> list[NewEvent]:
    _require_status(state, c, OPEN)
    problems = _actor_problems(c) + _roles_problems(c.roles)
    not_applied_for = [role for role in c.roles if role in ROLES and role not in state.roles]
    if not_applied_for:
        problems.append(Problem(f"the applicant did not register interest in: {', '.join(not_applied_for)}",
                                "roles", "role_not_applied_for"))
    if c.valid_until <= c.on:
        problems.append(Problem("must be after the day of approval", "valid_until", "invalid"))
    # What the assessment (lämplighetsbedömning) still lacks: every item, so the recruiter sees the whole list.
    if not state.interviewed:
        problems.append(Problem("interview missing", "interview", "interview_missing"))
    for kind in REFERENCE_KINDS:
        if kind not in state.positive_references:
            problems.append(Problem(f"positive {kind} reference missing", "references", "reference_missing"))
    problems += check_problems(c.checks, c.required_registers, c.on)
    problems += conflict_problems(c.checks) + four_eyes_problems(c.checks, c.by)
    _refuse_if(problems)
    return [NewEvent("ApplicantApproved", {
        "applicant_id": c.applicant_id, "roles": list(dict.fromkeys(c.roles)),
        "approved_on": c.on.isoformat(), "valid_until": c.valid_until.isoformat(),
        "check_ids": [check.check_id for check in c.checks if is_clear_on(check, c.on)], "by": c.by})]


def _reject(state: Applicant, c: RejectApplicant) -> list[NewEvent]:
    _require_status(state, c, OPEN)
    problems = _actor_problems(c)
    if not c.reason.strip():
        problems.append(Problem("a rejection must give its reason", "reason", "required"))
    _refuse_if(problems)
    return [NewEvent("ApplicantRejected", {"applicant_id": c.applicant_id, "reason": c.reason.strip(), "by": c.by})]


def _withdraw(state: Applicant, c: WithdrawApplicant) -> list[NewEvent]:
    # An approved volunteer may leave the pool too.
    _require_status(state, c, OPEN, APPROVED)
    problems = _actor_problems(c)
    if c.withdrawn_by not in WITHDRAWN_BY:
        problems.append(Problem(f"withdrawn_by must be one of {', '.join(WITHDRAWN_BY)}", "withdrawn_by", "invalid"))
    _refuse_if(problems)
    return [NewEvent("ApplicantWithdrawn", {
        "applicant_id": c.applicant_id, "withdrawn_by": c.withdrawn_by, "reason": c.reason, "by": c.by})]


def _change_availability(state: Applicant, c: ChangeAvailability) -> list[NewEvent]:
    _require_status(state, c, OPEN, APPROVED)
    _refuse_if(_actor_problems(c))
    if c.availability == state.availability:
        return []  # nothing changed: a repeated request is harmless
    return [NewEvent("AvailabilityChanged", {
        "applicant_id": c.applicant_id, "availability": _availability_data(c.availability), "by": c.by})]


def _give_regional_consent(state: Applicant, c: GiveRegionalConsent) -> list[NewEvent]:
    return _set_regional_consent(state, c, True)


def _withdraw_regional_consent(state: Applicant, c: WithdrawRegionalConsent) -> list[NewEvent]:
    return _set_regional_consent(state, c, False)


def _set_regional_consent(state: Applicant, c: ApplicantCommand, given: bool) -> list[NewEvent]:
    _require_status(state, c, OPEN, APPROVED)
    _refuse_if(_actor_problems(c))
    if state.regional_pool == given:
        return []  # already so: a repeated request is harmless
    return [NewEvent("RegionalConsentChanged", {"applicant_id": c.applicant_id, "regional_pool": given, "by": c.by})]


_DECISIONS = {
    RegisterApplicant: _register,
    RecordRepeatedRegistration: _record_repeat,
    RecordInterview: _record_interview,
    RecordReference: _record_reference,
    ApproveApplicant: _approve,
    RejectApplicant: _reject,
    WithdrawApplicant: _withdraw,
    ChangeAvailability: _change_availability,
    GiveRegionalConsent: _give_regional_consent,
    WithdrawRegionalConsent: _withdraw_regional_consent,
}


# --- The checks decide uses --------------------------------------------------------------------------------

def _require_status(state: Applicant, command: ApplicantCommand, *allowed: str) -> None:
    # Another municipality's applicant is treated as absent: the caller may not even learn that it exists.
    if state.status == NEW or state.municipality != command.municipality:
        raise NotFound(f"applicant {command.applicant_id} not found")
    if state.status not in allowed:
        already = "already " if state.status == APPROVED else ""
        raise CommandRefused(Problem(f"applicant is {already}{state.status}", None, f"applicant_{state.status}"))


def _refuse_if(problems: list[Problem]) -> None:
    if problems:
        raise CommandRefused(*problems)


def _actor_problems(command: ApplicantCommand) -> list[Problem]:
    return [] if (command.by or "").strip() else [Problem("the acting user is required", "by", "required")]


def _roles_problems(roles: tuple[str, ...]) -> list[Problem]:
    if not roles:
        return [Problem("at least one role is required", "roles", "required")]
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        return [Problem(f"unknown role(s): {', '.join(map(str, unknown))}; roles are {', '.join(ROLES)}",
                        "roles", "invalid")]
    return []


def _identity(value: str, on: date) -> tuple[IdentityNumber | None, list[Problem]]:
    try:
        identity = parse_identity_number(value, on)
    except InvalidIdentityNumber as invalid:
        return None, [Problem(f"not a valid personnummer or samordningsnummer: {invalid}", "personnummer", "invalid")]
    if identity.age_on(on) < ADULT_AGE:
        return identity, [Problem(f"the applicant must be at least {ADULT_AGE} years old", "personnummer",
                                  "under_age")]
    return identity, []


_POSTNUMMER = re.compile(r"^\d{3} ?\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s()-]{6,20}$")


def _contact_problems(contact: Contact) -> list[Problem]:
    if not (contact.email or contact.phone or contact.address):
        return [Problem("give an e-mail address, a phone number or a postal address", "contact", "required")]
    problems = []
    if contact.email and not _EMAIL.match(contact.email):
        problems.append(Problem("not an e-mail address", "contact.email", "invalid"))
    if contact.phone and not _PHONE.match(contact.phone):
        problems.append(Problem("not a phone number", "contact.phone", "invalid"))
    if contact.address:
        if not _POSTNUMMER.match(contact.address.postnummer):
            problems.append(Problem("a postnummer has five digits", "contact.address.postnummer", "invalid"))
        for part in ("street", "city"):
            if not getattr(contact.address, part).strip():
                problems.append(Problem("required", f"contact.address.{part}", "required"))
    return problems


def _household_problems(household: tuple[HouseholdMember, ...] | None, roles: tuple[str, ...],
                        on: date) -> list[Problem]:
    # A kontaktfamilj receives children in its home: who lives there is part of the assessment.
    if household is None:
        if "kontaktfamilj" in roles:
            return [Problem("the household is required for kontaktfamilj (an empty list: the applicant lives alone)",
                            "household", "required")]
        return []
    problems = []
    for i, member in enumerate(household):
        if not 1900 <= member.birth_year <= on.year:
            problems.append(Problem(f"a birth year between 1900 and {on.year}", f"household.{i}.birth_year",
                                    "invalid"))
        if member.relation not in HOUSEHOLD_RELATIONS:
            problems.append(Problem(f"relation must be one of {', '.join(HOUSEHOLD_RELATIONS)}",
                                    f"household.{i}.relation", "invalid"))
    return problems


def _preferences_problems(p: Preferences) -> list[Problem]:
    problems = []
    for age_field in ("client_age_min", "client_age_max"):
        age = getattr(p, age_field)
        if age is not None and not 0 <= age <= 120:
            problems.append(Problem("an age between 0 and 120", f"preferences.{age_field}", "invalid"))
    if p.client_age_min is not None and p.client_age_max is not None and p.client_age_min > p.client_age_max:
        problems.append(Problem("the youngest client age is above the oldest", "preferences.client_age_min",
                                "invalid"))
    if p.max_assignments is not None and p.max_assignments < 1:
        problems.append(Problem("at least 1", "preferences.max_assignments", "invalid"))
    return problems


def _contact_data(contact: Contact) -> dict[str, Any]:
    address = contact.address
    return {
        "email": contact.email or None,
        "phone": contact.phone or None,
        "address": None if address is None else {
            "street": address.street.strip(),
            "postnummer": places.normalise_postnummer(address.postnummer),
            "city": address.city.strip(),
            # Where the applicant lives, for matching by location; None where the postnummer extract is silent.
            "municipality": places.municipality_of_postnummer(address.postnummer),
        },
    }


def _availability_data(a: Availability) -> dict[str, bool]:
    return {"weekdays": a.weekdays, "evenings": a.evenings, "weekends": a.weekends, "holidays": a.holidays}


# --- evolve ------------------------------------------------------------------------------------------------

def evolve(state: Applicant, event: EventLike) -> Applicant:
    d = event.data
    match event.type:
        case "ApplicantRegistered":
            return replace(state, applicant_id=d["applicant_id"], municipality=d["municipality"], status=OPEN,
                           roles=tuple(d["roles"]), availability=Availability(**d["availability"]),
                           regional_pool=d["consents"]["regional_pool"],
                           name=(d["given_name"], d["family_name"]), contact=d["contact"])
        case "InterviewRecorded":
            return replace(state, interviewed=True)
        case "ReferenceRecorded":
            if d["outcome"] != "positive":
                return state
            return replace(state, positive_references=state.positive_references | {d["kind"]})
        case "ApplicantApproved":
            return replace(state, status=APPROVED)
        case "ApplicantRejected":
            return replace(state, status=REJECTED)
        case "ApplicantWithdrawn":
            return replace(state, status=WITHDRAWN)
        case "AvailabilityChanged":
            return replace(state, availability=Availability(**d["availability"]))
        case "RegionalConsentChanged":
            return replace(state, regional_pool=d["regional_pool"])
    # A newer release may add event types; an older replica folding the stream must still load it.
    return state


# Additions that do not depend on what the user saw may be decided again on a newer state; a decision
# (approve, reject, withdraw) was taken on what the recruiter read, so a conflict goes back to them.
_RETRYABLE = (RecordInterview, RecordReference, ChangeAvailability, GiveRegionalConsent, WithdrawRegionalConsent,
              RecordRepeatedRegistration)

APPLICANT = Decider(stream_type=STREAM_TYPE, initial=initial, decide=decide, evolve=evolve,
                    retry_on_conflict=lambda command: isinstance(command, _RETRYABLE))
