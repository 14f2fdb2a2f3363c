"""What the handlers of several services share: the municipality a body or an answer names, the ids the API and
the audit give a person, and CSV attachments."""
from __future__ import annotations

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from services.common.ids import bare_uuid
from services.common.validation import field_problems

from ..problems import Problem
from ..schemas import MunicipalityOfBody
from ..web import PATH_IDS, Call, canonical_id

CSV = "text/csv; charset=utf-8"


def municipality_of_body(body: dict) -> str:
    """The municipality a body is made to (a registration, tax details), checked against the token by the caller;
    a body without a valid one is invalid."""
    try:
        return MunicipalityOfBody().load(body)["municipality"]
    except ValidationError as error:
        raise Problem("invalid", "Some fields are missing or invalid.", field_problems(error)) from None


def municipality_of(result) -> str | None:
    """The municipality a service's answer names, if it is an object that names one."""
    return result.get("municipality") if isinstance(result, dict) else None


def require_named(call: Call, municipality: str | None) -> None:
    """A municipality the caller names (in a query) must be one of theirs; naming none means all of theirs."""
    if municipality is not None:
        call.caller.require(municipality)


def person_id(value: str | None) -> str | None:
    """An applicant's (a volunteer's) id as the API and the audit name it, the bare uuid: the services' events
    say "applicant-<uuid>", the routes the uuid, in any spelling. A value that names no uuid stays as it is."""
    return bare_uuid("applicant", value) or value


def subject_id(field: str, value):
    """The id an answer's `field` holds, as the audit names it: in the one spelling of the path parameter of the
    same name (web.PATH_IDS); a value that parses as none stays as it is."""
    return (canonical_id(field, value) if field in PATH_IDS else None) or value


def shown(call: Call, items: list[dict], subject: str, municipality: str | None = None) -> list[dict]:
    """The items of the caller's municipalities (the service should have sent no others), each noted as a read of
    whose data its field `subject` names: in `municipality`, or where none is given, in the item's own."""
    items = call.own(items)
    for item in items:
        call.read(subject_id(subject, item.get(subject)), municipality or item.get("municipality"))
    return items


def read_in_file(call: Call, people, municipality: str, field: str = "volunteer_id") -> None:
    """An export's rows carry these people's (or, with `field` "need_id", these decisions') data: each is read."""
    for person in people or ():
        call.read(subject_id(field, person), municipality)


def attachment(content: str, filename: str) -> Response:
    """A CSV export, downloaded as `filename`."""
    return Response(content, status=200, content_type=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
