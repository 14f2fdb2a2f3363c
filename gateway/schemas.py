"""What the gateway itself reads (query strings, the municipality of a registration) and the shapes of its answers,
for the OpenAPI document. Request bodies are the services' own schemas (their contract modules): the services
load them."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.applicants import contract as applicants
from services.assignments import contract as assignments
from services.common.places import is_municipality


MAX_PAGE = 1_000_000  # a larger page's offset would overflow PostgreSQL's bigint: a 500, not an empty page


def _kommunkod(value: str) -> None:
    if not is_municipality(value):
        raise ValidationError("Not a kommunkod of SCB's list.")


def kommunkod(**kwargs) -> fields.String:
    return fields.String(validate=_kommunkod, metadata={"description": "kommunkod (4 digits, SCB)",
                                                         "example": "2521"}, **kwargs)


class RegistrationBody(applicants.RegisterApplicantBody):
    """Intresseanmälan: the applicants service's body and the municipality it is made to."""
    municipality = kommunkod(required=True)


class MunicipalityOfBody(Schema):
    """Only the municipality of a registration, which the gateway checks against the token."""
    class Meta:
        unknown = EXCLUDE

    municipality = kommunkod(required=True)


class ApplicantQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    municipality = kommunkod(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(applicants.STATUSES),
                           metadata={"description": "status: " + ", ".join(applicants.STATUSES)})
    role = fields.String(load_default=None, validate=validate.OneOf(applicants.ROLES),
                         metadata={"description": "uppdragstyp: " + ", ".join(applicants.ROLES)})
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "search in name and reference"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=applicants.MAX_PAGE_SIZE))


class WorklistQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    municipality = kommunkod(load_default=None)


class AuditQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    subject = fields.String(load_default=None, validate=validate.Length(max=200),
                            metadata={"description": "whose data (an applicant's id)"})
    actor = fields.String(load_default=None, validate=validate.Length(max=200),
                          metadata={"description": "who (a token's sub)"})
    since = fields.AwareDateTime(data_key="from", load_default=None,
                                 metadata={"description": "from this time (ISO 8601 with offset), inclusive"})
    until = fields.AwareDateTime(data_key="to", load_default=None,
                                 metadata={"description": "to this time (ISO 8601 with offset), exclusive"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class NeedQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(assignments.NEED_STATUSES),
                           metadata={"description": "status: " + ", ".join(assignments.NEED_STATUSES)})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=assignments.MAX_PAGE_SIZE))


class CandidatesQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=assignments.MAX_CANDIDATES),
                           metadata={"description": "at most this many candidates, best first"})


class AssignmentQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(assignments.ASSIGNMENT_STATUSES),
                           metadata={"description": "status: " + ", ".join(assignments.ASSIGNMENT_STATUSES)})
    need_id = fields.String(load_default=None, validate=validate.Length(max=200))
    volunteer_id = fields.String(load_default=None, validate=validate.Length(max=200),
                                 metadata={"description": "the volunteer's (the applicant's) id"})


class CaseWorkerWorklistQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    case_worker_id = fields.String(load_default=None, validate=validate.Length(max=200),
                                   metadata={"description": "only this case worker's assignments"})
    notice_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=366),
                                 metadata={"description": "uppföljningar due within this many days"})


class PendingReportsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="pending", validate=validate.OneOf(["pending"]),
                           metadata={"description": "pending: närvarorapporter not yet approved as they stand"})


class TaxDetailsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    municipality = kommunkod(required=True)


# --- answers ---------------------------------------------------------------------------------------------------

class ErrorItem(Schema):
    field = fields.String(allow_none=True, metadata={"description": "the field, dotted: contact.email"})
    message = fields.String()
    code = fields.String(metadata={"description": "required, invalid, consent_required, ..."})


class ProblemDetails(Schema):
    """RFC 9457 problem details, as application/problem+json."""
    type = fields.String(metadata={"description": "what kind of problem; described on /docs"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String(metadata={"description": "the request's path"})
    errors = fields.List(fields.Nested(ErrorItem))


class InterestAccepted(Schema):
    reference = fields.String(metadata={"description": "referensnummer to quote when calling", "example": "KP-1A2B3C4D"})


class ApplicantRegistered(Schema):
    applicant_id = fields.String()
    reference = fields.String()


class ApplicantPage(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "kontaktpersoner/familjer; personnummer masked"})
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class Items(Schema):
    items = fields.List(fields.Dict())


class Page(Schema):
    items = fields.List(fields.Dict())
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class AuditEntry(Schema):
    id = fields.Integer()
    at = fields.String(metadata={"description": "when, Europe/Stockholm"})
    actor = fields.String()
    roles = fields.List(fields.String())
    municipality = fields.String(allow_none=True)
    action = fields.String(metadata={"description": "read or change"})
    route = fields.String()
    subject = fields.String(allow_none=True)
    request_id = fields.String()


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntry))


class Health(Schema):
    status = fields.String(metadata={"description": "ok or unavailable"})
    database = fields.String()
    broker = fields.String()
    mode = fields.String(metadata={"description": "development (development keys allowed) or production"})
