"""The published contract: the data of every event on the applicant stream, with its schema version.
See docs/contracts.md.

Other services (registry_checks, assignments) load these. Dates travel as ISO strings ("2025-03-01"); every
event's data repeats the applicant id, and `by` is the user id of whoever acted (None only for a registration
through the public web form). A change that is not backwards compatible gets a new schema version and an upcaster.

    from services.applicants.events import EVENT_SCHEMAS
    version, schema = EVENT_SCHEMAS["ApplicantRegistered"]
    data = schema().load(envelope["data"])      # ValidationError names each bad field
"""
from marshmallow import Schema, fields, validate

from .domain.applicant import CHANNELS, HOUSEHOLD_RELATIONS, REFERENCE_KINDS, REFERENCE_OUTCOMES, ROLES, WITHDRAWN_BY


def _text(description: str, **kwargs) -> fields.String:
    return fields.String(metadata={"description": description}, **kwargs)


def _applicant_id() -> fields.String:
    return _text("the applicant's stream id, 'applicant-<uuid>'", required=True,
                 validate=validate.Regexp(r"^applicant-"))


def _by(description: str = "user id of whoever acted") -> fields.String:
    return _text(description, required=True)


def _roles(description: str) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                       validate=validate.Length(min=1), metadata={"description": description})


class AddressData(Schema):
    street = _text("gatuadress", required=True)
    postnummer = _text("postnummer, five digits without a space", required=True,
                       validate=validate.Regexp(r"^\d{5}$"))
    city = _text("postort", required=True)
    municipality = _text("kommunkod where the postnummer lies; null where unknown", required=True, allow_none=True)


class ContactData(Schema):
    email = fields.Email(required=True, allow_none=True, metadata={"description": "e-mail address or null"})
    phone = _text("phone number or null", required=True, allow_none=True)
    address = fields.Nested(AddressData, required=True, allow_none=True,
                            metadata={"description": "postal address or null"})


class HouseholdMemberData(Schema):
    birth_year = fields.Integer(required=True, strict=True, metadata={"description": "födelseår"})
    relation = _text("to the applicant: " + ", ".join(HOUSEHOLD_RELATIONS), required=True,
                     validate=validate.OneOf(HOUSEHOLD_RELATIONS))


class AvailabilityData(Schema):
    weekdays = fields.Boolean(required=True, metadata={"description": "available on weekdays (daytime)"})
    evenings = fields.Boolean(required=True, metadata={"description": "available on evenings"})
    weekends = fields.Boolean(required=True, metadata={"description": "available at weekends"})
    holidays = fields.Boolean(required=True, metadata={
        "description": "available in school holidays (lov) and on public holidays"})


class PreferencesData(Schema):
    client_age_min = fields.Integer(required=True, allow_none=True, strict=True,
                                    metadata={"description": "youngest client age the applicant wants, or null"})
    client_age_max = fields.Integer(required=True, allow_none=True, strict=True,
                                    metadata={"description": "oldest client age the applicant wants, or null"})
    max_assignments = fields.Integer(required=True, allow_none=True, strict=True,
                                     metadata={"description": "at most this many uppdrag at once, or null"})


class ConsentsData(Schema):
    personal_data = fields.Boolean(required=True, validate=validate.Equal(True),
                                   metadata={"description": "samtycke to the processing of personal data: always true"})
    regional_pool = fields.Boolean(required=True, metadata={
        "description": "samtycke to being matched by every municipality of the region; may be withdrawn later "
                       "(RegionalConsentChanged)"})


class ApplicantRegisteredData(Schema):
    """An intresseanmälan was received: the applicant is open for assessment."""
    applicant_id = _applicant_id()
    municipality = _text("kommunkod the applicant registered with", required=True, validate=validate.Regexp(r"^\d{4}$"))
    registered_on = fields.Date(required=True, metadata={"description": "day of the intresseanmälan"})
    channel = _text("how it came in: " + ", ".join(CHANNELS), required=True, validate=validate.OneOf(CHANNELS))
    roles = _roles("roles of interest: kontaktperson, kontaktfamilj, skkp (särskilt kvalificerad kontaktperson), "
                   "familjehem, jourhem")
    given_name = _text("förnamn", required=True)
    family_name = _text("efternamn", required=True)
    personnummer = _text("personnummer or samordningsnummer, 'YYYYMMDD-NNNN'; personal data: mask it in lists",
                         required=True, validate=validate.Regexp(r"^\d{8}-\d{4}$"))
    identity_kind = _text("personnummer or samordningsnummer", required=True,
                          validate=validate.OneOf(("personnummer", "samordningsnummer")))
    birth_date = fields.Date(required=True, metadata={"description": "from the personnummer"})
    contact = fields.Nested(ContactData, required=True)
    household = fields.List(fields.Nested(HouseholdMemberData), required=True, allow_none=True, metadata={
        "description": "who else lives in the home; [] the applicant lives alone; null not stated (never null "
                       "for kontaktfamilj)"})
    languages = fields.List(fields.String(), required=True, metadata={"description": "languages spoken"})
    interests = fields.List(fields.String(), required=True, metadata={"description": "interests and activities"})
    availability = fields.Nested(AvailabilityData, required=True)
    preferences = fields.Nested(PreferencesData, required=True)
    experience = _text("experience of children, youth or the work, free text", required=True, allow_none=True)
    free_text = _text("anything else the applicant wrote", required=True, allow_none=True)
    consents = fields.Nested(ConsentsData, required=True)
    by = _text("the recruiter who keyed it in; null for the public web form", required=True, allow_none=True)


class RepeatedNameData(Schema):
    given_name = _text("förnamn, as the repeat gave it", required=True)
    family_name = _text("efternamn, as the repeat gave it", required=True)


class RegistrationRepeatedData(Schema):
    """The same person (by personnummer) sent an intresseanmälan again while this registration is open. Recorded
    for the recruiter to follow up; its sender was answered as for any registration, so nothing tells them (or
    anyone who knows only a personnummer) that the person was registered."""
    applicant_id = _applicant_id()
    repeated_on = fields.Date(required=True, metadata={"description": "day the repeat came in"})
    channel = _text("how it came in: " + ", ".join(CHANNELS), required=True, validate=validate.OneOf(CHANNELS))
    receipt = _text("the reference the repeat's sender was given ('KP-' and eight hex digits); it names no other "
                    "registration, and finds this one in the recruiters' search", required=True,
                    validate=validate.Regexp(r"^KP-[0-9A-F]{8}$"))
    contact = fields.Nested(ContactData, required=True, allow_none=True, metadata={
        "description": "the repeat's contact details where they differ from the registration's; null: the same"})
    name = fields.Nested(RepeatedNameData, required=True, allow_none=True, metadata={
        "description": "the repeat's name where it differs from the registration's (case aside); null: the same"})
    new_roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, metadata={
        "description": "roles of interest the repeat names that the registration does not; [] none"})
    by = _text("the recruiter who keyed it in; null for the public web form", required=True, allow_none=True)


class InterviewRecordedData(Schema):
    """An interview (for families a home visit) of the lämplighetsbedömning took place."""
    applicant_id = _applicant_id()
    interviewed_on = fields.Date(required=True, metadata={"description": "day of the interview"})
    interviewer = _text("who held the interview", required=True)
    home_visit = fields.Boolean(required=True, metadata={"description": "held in the applicant's home (hembesök)"})
    notes = _text("the interviewer's notes", required=True)
    by = _by()


class ReferenceRecordedData(Schema):
    """A referens was taken."""
    applicant_id = _applicant_id()
    kind = _text("work_or_studies (arbete/studier) or private (privat)", required=True,
                 validate=validate.OneOf(REFERENCE_KINDS))
    name = _text("the reference's name", required=True)
    contact = _text("the reference's phone or e-mail", required=True)
    outcome = _text("positive or negative", required=True, validate=validate.OneOf(REFERENCE_OUTCOMES))
    notes = _text("what the reference said", required=True)
    by = _by()


class ApplicantApprovedData(Schema):
    """The applicant was found suitable (lämplig) for these roles: a volunteer in the matching pool."""
    applicant_id = _applicant_id()
    roles = _roles("the roles approved for")
    approved_on = fields.Date(required=True, metadata={"description": "day of the decision"})
    valid_until = fields.Date(required=True, metadata={"description": "last day the approval holds"})
    check_ids = fields.List(fields.String(), required=True,
                            metadata={"description": "the clear register checks the decision relied on"})
    by = _by("the recruiter who decided")


class ApplicantRejectedData(Schema):
    """The applicant was found not suitable."""
    applicant_id = _applicant_id()
    reason = _text("the reason for the decision", required=True)
    by = _by("the recruiter who decided")


class ApplicantWithdrawnData(Schema):
    """The intresseanmälan, or an approved volunteer, was withdrawn; nothing more is decided on it."""
    applicant_id = _applicant_id()
    withdrawn_by = _text("who asked: applicant or recruiter", required=True, validate=validate.OneOf(WITHDRAWN_BY))
    reason = _text("why, if told; may be empty", required=True)
    by = _by()


class AvailabilityChangedData(Schema):
    """The applicant's availability is now this (the whole of it, not a change)."""
    applicant_id = _applicant_id()
    availability = fields.Nested(AvailabilityData, required=True)
    by = _by()


class RegionalConsentChangedData(Schema):
    """Consent to the regional pool was given or withdrawn."""
    applicant_id = _applicant_id()
    regional_pool = fields.Boolean(required=True, metadata={"description": "true: may be matched across the region"})
    by = _by()


EVENT_SCHEMAS = {
    "ApplicantRegistered": (1, ApplicantRegisteredData),
    "RegistrationRepeated": (1, RegistrationRepeatedData),
    "InterviewRecorded": (1, InterviewRecordedData),
    "ReferenceRecorded": (1, ReferenceRecordedData),
    "ApplicantApproved": (1, ApplicantApprovedData),
    "ApplicantRejected": (1, ApplicantRejectedData),
    "ApplicantWithdrawn": (1, ApplicantWithdrawnData),
    "AvailabilityChanged": (1, AvailabilityChangedData),
    "RegionalConsentChanged": (1, RegionalConsentChangedData),
}
