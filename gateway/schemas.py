"""What the gateway itself reads (query strings, the municipality of a registration) and the shapes of its answers,
for the OpenAPI document. Request bodies are the services' own schemas (their contract modules): the services
load them."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.applicants import contract as applicants
from services.assignments import contract as assignments
from services.common.places import is_municipality
from services.registry_checks import contract as registry_checks


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
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "the page, from 1"})
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=applicants.MAX_PAGE_SIZE),
                               metadata={"description": "items per page"})


class WorklistQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    municipality = kommunkod(load_default=None)


class RefusedResultsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    register = fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                             metadata={"description": "only those the register named (polisen_belastningsregister, "
                                                      "kronofogden, ...)"})
    reason_code = fields.String(load_default=None, validate=validate.OneOf(registry_checks.REFUSAL_CODES),
                                metadata={"description": "only those refused for this reason: "
                                                         + ", ".join(registry_checks.REFUSAL_CODES)})
    since = fields.AwareDateTime(load_default=None, metadata={
        "description": "only those received from this moment (ISO 8601 with an offset)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "which page, from 1"})
    page_size = fields.Integer(load_default=50,
                               validate=validate.Range(min=1, max=registry_checks.REFUSED_PAGE_SIZE_MAX),
                               metadata={"description": "refused results per page"})


class AuditQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    subject = fields.String(load_default=None, validate=validate.Length(max=200),
                            metadata={"description": "whose data: an applicant's id, need-<uuid>, assignment-<uuid>,"
                                                     " ... in any spelling"})
    actor = fields.String(load_default=None, validate=validate.Length(max=200),
                          metadata={"description": "who (a token's sub)"})
    since = fields.AwareDateTime(data_key="from", load_default=None,
                                 metadata={"description": "from this time (ISO 8601 with offset), inclusive"})
    until = fields.AwareDateTime(data_key="to", load_default=None,
                                 metadata={"description": "to this time (ISO 8601 with offset), exclusive"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000),
                           metadata={"description": "at most this many entries, newest first"})


class NeedQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(assignments.NEED_STATUSES),
                           metadata={"description": "status: " + ", ".join(assignments.NEED_STATUSES)})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "the page, from 1"})
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=assignments.MAX_PAGE_SIZE),
                               metadata={"description": "items per page"})


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
    need_id = fields.String(load_default=None, validate=validate.Length(max=200),
                            metadata={"description": "only the assignments of this need (need-<uuid>)"})
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


class ApproveReportRequest(Schema):
    """The case worker approves the närvarorapport they were shown (GET .../reports/{month}): refused (409
    report_changed) when the month's meetings are no longer exactly those versions, so nobody approves a meeting
    they did not see. The gateway passes it to payments (which still calls the versions meeting_ids)."""

    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
                          metadata={"description": "månad, YYYY-MM"})
    version_ids = fields.List(fields.String(), required=True, metadata={
        "description": "the version_id of every meeting the report showed"})


class TaxDetailsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    municipality = kommunkod(required=True)


# --- answers ---------------------------------------------------------------------------------------------------

class ErrorItem(Schema):
    field = fields.String(allow_none=True, metadata={
        "description": "the field at fault, dotted (contact.email, plan.arvode.percent); null: no one field"})
    message = fields.String(metadata={"description": "what is wrong, in English; no personal data"})
    code = fields.String(metadata={"description": (
        "a stable machine name, never empty: required, invalid, consent_required, arvode_outside_band, "
        "check_pending, ... (invalid where no more particular one applies)")})


class ProblemDetails(Schema):
    """RFC 9457 problem details, as application/problem+json."""
    type = fields.String(metadata={"description": "what kind of problem; described on /docs"})
    title = fields.String(metadata={"description": "the problem type's title, the same for every answer of the type"})
    status = fields.Integer(metadata={"description": "the HTTP status"})
    detail = fields.String(metadata={"description": "what happened in this request; no personal data"})
    instance = fields.String(metadata={"description": "the request's path"})
    errors = fields.List(fields.Nested(ErrorItem), metadata={"description": "one per problem found, often per field"})


class InterestAccepted(Schema):
    reference = fields.String(metadata={"description": "referensnummer to quote when calling", "example": "KP-1A2B3C4D"})


_TOTAL = {"description": "how many items there are in all pages"}
_PAGE = {"description": "this page's number, from 1"}
_PAGE_SIZE = {"description": "items per page"}


class ApplicantRegistered(Schema):
    applicant_id = fields.String(metadata={"description": "the new applicant's id (a uuid)"})
    reference = fields.String(metadata={"description": "referensnummer to quote when calling (KP-...)"})


class ApplicantPage(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "kontaktpersoner/familjer; personnummer masked"})
    total = fields.Integer(metadata=_TOTAL)
    page = fields.Integer(metadata=_PAGE)
    page_size = fields.Integer(metadata=_PAGE_SIZE)


class Items(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "the items, each as the route's summary says"})


class Page(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "this page's items"})
    total = fields.Integer(metadata=_TOTAL)
    page = fields.Integer(metadata=_PAGE)
    page_size = fields.Integer(metadata=_PAGE_SIZE)


class AuditEntry(Schema):
    id = fields.Integer(metadata={"description": "the entry's number, in the order written"})
    at = fields.String(metadata={"description": "when, Europe/Stockholm"})
    actor = fields.String(metadata={"description": "who: the token's sub"})
    roles = fields.List(fields.String(), metadata={"description": "the roles the token gave"})
    caller_municipalities = fields.List(fields.String(), metadata={"description": "the token's kommunkoder"})
    municipality = fields.String(allow_none=True, metadata={
        "description": "whose data: the kommunkod whose auditors see this row (for refused, the one asked for)"})
    action = fields.String(metadata={
        "description": "read, change, or refused (an attempt on a municipality the token does not list)"})
    route = fields.String(metadata={"description": "the route, as METHOD /path/{parameter}"})
    subject = fields.String(allow_none=True, metadata={"description": "whose data: the id, in its one spelling"})
    request_id = fields.String(metadata={"description": "the request's id, the same for every entry it wrote"})


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntry), metadata={"description": "the entries, newest first"})


class RefusedResult(Schema):
    id = fields.Integer(metadata={"description": "the refusal's number, for the operators' command"})
    received_at = fields.String(metadata={"description": "when the message came, ISO 8601"})
    reason_code = fields.String(metadata={"description": ", ".join(registry_checks.REFUSAL_CODES)})
    message = fields.String(metadata={"description": "why, naming rules and fields, never values from the body"})
    fields_ = fields.List(fields.String(), data_key="fields",
                          metadata={"description": "the body's fields (or headers) at fault"})
    register = fields.String(allow_none=True, metadata={"description": "the register the body named"})
    check_id = fields.String(allow_none=True, metadata={"description": "the check the result was for"})
    municipality = fields.String(metadata={"description": "the check's municipality"})


class RefusedResultPage(Schema):
    items = fields.List(fields.Nested(RefusedResult), metadata={
        "description": "newest first; without the message's headers and body (for the deployment's operators)"})
    total = fields.Integer(metadata={"description": "how many refused results match, on every page"})
    page = fields.Integer(metadata={"description": "this page's number, from 1"})
    page_size = fields.Integer(metadata={"description": "refused results per page"})


class Health(Schema):
    status = fields.String(metadata={"description": "ok or unavailable"})
    database = fields.String(metadata={"description": "ok or unavailable: the gateway's database"})
    broker = fields.String(metadata={"description": "ok or unavailable: RabbitMQ"})
    mode = fields.String(metadata={"description": "development (development keys allowed) or production"})
