"""Request bodies of the applicants' commands, as the gateway sends them (and its OpenAPI document shows them).

A body holds what the user typed; app.py loads it (services.common.validation.load_body) and builds the command,
adding what the service knows itself: the applicant id (from the path, or a new one), the municipality, the
acting user from the caller, today's date.

Bad input raises marshmallow.ValidationError naming each field; the domain then checks the rules (checksum and
age of the personnummer, the municipality, what an approval still lacks) and raises CommandRefused.
"""
from marshmallow import Schema, ValidationError, fields, validate

from services.common.identity import has_identity_form

from .domain.applicant import CHANNELS, HOUSEHOLD_RELATIONS, REFERENCE_KINDS, REFERENCE_OUTCOMES, ROLES, WITHDRAWN_BY

_SHORT = validate.Length(min=1, max=200)
_LONG = validate.Length(max=10_000)


def _identity_form(value: str) -> None:
    if not has_identity_form(value):
        raise ValidationError("not in the form YYYYMMDD-NNNN, in the digits 0-9")


def _roles(description: str) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                       validate=validate.Length(min=1), metadata={"description": description})


class AddressBody(Schema):
    street = fields.String(required=True, validate=_SHORT, metadata={"description": "gatuadress"})
    postnummer = fields.String(required=True, validate=validate.Regexp(r"^\d{3} ?\d{2}$"),
                               metadata={"description": "postnummer, '123 45' or '12345'"})
    city = fields.String(required=True, validate=_SHORT, metadata={"description": "postort"})


class ContactBody(Schema):
    email = fields.Email(load_default=None, allow_none=True, metadata={"description": "e-postadress"})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\+?[\d\s()-]{6,20}$"),
                          metadata={"description": "telefonnummer"})
    address = fields.Nested(AddressBody, load_default=None, allow_none=True, metadata={"description": "postadress"})


class HouseholdMemberBody(Schema):
    birth_year = fields.Integer(required=True, strict=True, metadata={"description": "födelseår"})
    relation = fields.String(load_default="other", validate=validate.OneOf(HOUSEHOLD_RELATIONS),
                             metadata={"description": "to the applicant: " + ", ".join(HOUSEHOLD_RELATIONS)})


class AvailabilityBody(Schema):
    weekdays = fields.Boolean(load_default=False, metadata={"description": "vardagar"})
    evenings = fields.Boolean(load_default=False, metadata={"description": "kvällar"})
    weekends = fields.Boolean(load_default=False, metadata={"description": "helger"})
    holidays = fields.Boolean(load_default=False, metadata={"description": "lov och helgdagar"})


class PreferencesBody(Schema):
    client_age_min = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(0, 120), metadata={"description": "yngsta ålder"})
    client_age_max = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(0, 120), metadata={"description": "äldsta ålder"})
    max_assignments = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1),
                                     metadata={"description": "högst så många uppdrag samtidigt"})


class ConsentsBody(Schema):
    personal_data = fields.Boolean(required=True, metadata={
        "description": "samtycke till behandling av personuppgifter (required: must be true)"})
    regional_pool = fields.Boolean(load_default=False, metadata={
        "description": "samtycke till att ingå i regionens gemensamma pool (optional, may be withdrawn)"})


class RegisterApplicantBody(Schema):
    """Intresseanmälan som kontaktperson, kontaktfamilj, SKKP, familjehem or jourhem."""
    channel = fields.String(load_default="web", validate=validate.OneOf(CHANNELS),
                            metadata={"description": "how the intresseanmälan came in: " + ", ".join(CHANNELS)})
    roles = _roles("roles of interest: " + ", ".join(ROLES))
    given_name = fields.String(required=True, validate=_SHORT, metadata={"description": "förnamn"})
    family_name = fields.String(required=True, validate=_SHORT, metadata={"description": "efternamn"})
    personnummer = fields.String(required=True, validate=[validate.Length(min=10, max=13), _identity_form],
                                 metadata={"description": "personnummer or samordningsnummer, YYYYMMDD-NNNN"})
    contact = fields.Nested(ContactBody, required=True, metadata={"description": "how to reach the applicant"})
    household = fields.List(fields.Nested(HouseholdMemberBody), load_default=None, allow_none=True, metadata={
        "description": "who else lives in the home, with birth year; [] if nobody; required for kontaktfamilj"})
    languages = fields.List(fields.String(validate=_SHORT), load_default=list, metadata={"description": "språk"})
    interests = fields.List(fields.String(validate=_SHORT), load_default=list,
                            metadata={"description": "intressen och aktiviteter"})
    availability = fields.Nested(AvailabilityBody, load_default=dict,
                                 metadata={"description": "when the applicant can meet (optional)"})
    preferences = fields.Nested(PreferencesBody, load_default=dict,
                                metadata={"description": "the clients and how many assignments (optional)"})
    experience = fields.String(load_default=None, allow_none=True, validate=_LONG,
                               metadata={"description": "erfarenhet av barn, ungdomar eller liknande uppdrag"})
    free_text = fields.String(load_default=None, allow_none=True, validate=_LONG, metadata={"description": "övrigt"})
    consents = fields.Nested(ConsentsBody, required=True, metadata={"description": "samtycken"})


class RecordInterviewBody(Schema):
    interviewed_on = fields.Date(required=True, metadata={"description": "day of the interview"})
    interviewer = fields.String(required=True, validate=_SHORT, metadata={"description": "who held the interview"})
    home_visit = fields.Boolean(load_default=False, metadata={"description": "hembesök"})
    notes = fields.String(load_default="", validate=_LONG, metadata={"description": "anteckningar"})


class RecordReferenceBody(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(REFERENCE_KINDS),
                         metadata={"description": "work_or_studies (arbete/studier) or private (privat)"})
    name = fields.String(required=True, validate=_SHORT, metadata={"description": "the reference's name"})
    contact = fields.String(required=True, validate=_SHORT, metadata={"description": "the reference's phone or e-mail"})
    outcome = fields.String(required=True, validate=validate.OneOf(REFERENCE_OUTCOMES),
                            metadata={"description": "positive or negative"})
    notes = fields.String(load_default="", validate=_LONG, metadata={"description": "what the reference said"})


class ApproveApplicantBody(Schema):
    """Beslut: lämplig. The service adds the register checks from its projection."""
    roles = _roles("approved for these roles, among those applied for")
    valid_until = fields.Date(required=True, metadata={"description": "last day the approval holds"})


class RejectApplicantBody(Schema):
    """Beslut: inte lämplig."""
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10_000),
                           metadata={"description": "the reason for the decision"})


class WithdrawApplicantBody(Schema):
    withdrawn_by = fields.String(required=True, validate=validate.OneOf(WITHDRAWN_BY),
                                 metadata={"description": "who asked for the withdrawal: applicant or recruiter"})
    reason = fields.String(load_default="", validate=_LONG, metadata={"description": "why, if told"})


class ChangeAvailabilityBody(Schema):
    availability = fields.Nested(AvailabilityBody, required=True,
                                 metadata={"description": "the whole availability, replacing the old"})


class GiveRegionalConsentBody(Schema):
    """No fields: the request is the whole of it."""


class WithdrawRegionalConsentBody(Schema):
    """No fields: the request is the whole of it."""
