"""The OpenAPI 3 document (/openapi.json), generated with apispec from the route table and the same marshmallow
schemas the services load bodies with; and /docs, a maintained viewer (Swagger UI, from the pinned PyPI package
swagger-ui-bundle) served from the gateway's own origin over the same document (nothing loaded from outside).

Every property and parameter of the document has a description, and every $ref resolves (a test walks it).
"""
from __future__ import annotations

import functools
import html
import re
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .problems import problem_types
from .schemas import ProblemDetails

TITLE = "Kontakt API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Kontaktperson och kontaktfamilj: intresseanmälan, lämplighetsbedömning (intervju, referenser, "
    "registerkontroller) och beslut. Send a bearer token (`Authorization: Bearer <jwt>`, claims sub, name, roles, "
    "municipalities); a local one comes from `python -m gateway.token --role recruiter --municipality 2521`. "
    "Errors are application/problem+json (RFC 9457). A POST may carry an `Idempotency-Key`: retried with the "
    "same key it answers the first answer again and acts once. A resource of a municipality your token does "
    "not list is 404.")
PROBLEM = {"description": "Problem details (RFC 9457)",
           "content": {"application/problem+json": {"schema": "ProblemDetails"}}}
# A 429 and every 503 say when to try again.
_RETRY_AFTER_HEADER = {"Retry-After": {"description": "seconds to wait before trying again",
                                       "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"}}}
RETRY_AFTER = {"429": {"headers": _RETRY_AFTER_HEADER}, "503": {"headers": _RETRY_AFTER_HEADER}}
ERRORS_OF_EVERY_ROUTE = {"500": "unexpected error (no internals shown)"}
ERRORS_OF_A_PERSON = {"401": "no token, or a bad or expired one", "403": "your role may not do this"}
# Every parameter a path of the route table names, by its name: a route with a name not here has no document.
PATH_PARAMETERS = {
    "municipality": "kommunkod (4 digits, SCB)",
    "applicant_id": "the applicant's id (the volunteer's, once approved)",
    "check_id": "the register check's id",
    "need_id": "the client need's id",
    "assignment_id": "the assignment's id (an offer is the assignment, offered)",
    "meeting_id": "the meeting's id, as the volunteer logged it",
    "volunteer_id": "the volunteer's id: their applicant id",
    "month": "a calendar month, YYYY-MM",
    "period": "the month the payment run pays, YYYY-MM",
    "asset": "a file of the documentation viewer",
}
# Fields of payments' request bodies that payments' own schemas do not describe yet. They belong in
# services/payments/schemas.py (being changed for issue 11 as this was written); each goes from here once it is
# there. A description the schema gives always wins.
UNDESCRIBED_ELSEWHERE = {
    "PublishRatesBody": {"rates": "the rates that change from effective_from, one entry per key"},
    "BankAccountBody": {"clearing": "clearingnummer, 4 or 5 digits",
                        "account": "kontonummer, 6 to 12 digits, without the clearing number"},
    "SetTaxDetailsBody": {"municipality": "kommunkod of the municipality that pays (4 digits, SCB)",
                          "bank_account": "the account arvode is paid to (optional; null leaves it as it is)"},
}


@functools.cache
def document(routes: tuple) -> dict:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("ProblemDetails", schema=ProblemDetails)
    for route in routes:
        if route.documented:
            spec.path(path=route.path, operations={route.method.lower(): _operation(route)})
    document = spec.to_dict()
    for name, notes in UNDESCRIBED_ELSEWHERE.items():
        for field, text in notes.items():
            document["components"]["schemas"].get(name, {}).get("properties", {}).get(field, {}).setdefault(
                "description", text)
    return _plain(document)


def _plain(value):
    """JSON's own types only: a Decimal bound of a schema (Range(min=Decimal(0))) becomes a number."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _operation(route) -> dict:
    status, answer = route.answer
    if route.media != "application/json":  # an export: text, not JSON
        content = {route.media: {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": answer}} if answer else {"application/json": {}}
    responses = {str(status): {"description": "OK", "content": content}}
    errors = dict(ERRORS_OF_EVERY_ROUTE)
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"},
                   "description": PATH_PARAMETERS[name]} for name in re.findall(r"{(\w+)}", route.path)]
    if parameters or (route.roles and _names_a_municipality(route)):
        errors["404"] = "no such resource, or one of a municipality your token does not list"
    if route.roles:
        errors.update(ERRORS_OF_A_PERSON)
    if route.query:
        parameters.append({"in": "query", "schema": route.query})
        errors["400"] = "invalid query parameters"
    operation = {"operationId": route.endpoint, "summary": route.summary, "tags": [route.tag],
                 "security": [{"bearer": []}] if route.roles else []}
    if route.roles:
        operation["description"] = "Roles: " + ", ".join(route.roles) + "."
    if route.audit:
        operation["description"] = operation.get("description", "") + f" Audited ({route.audit})."
        operation["x-audit"] = route.audit
    if route.method == "POST":
        parameters.append({"in": "header", "name": "Idempotency-Key", "required": False,
                           "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                           "description": "retry with the same key: the first answer again, acted on once"})
        errors.update({"400": "invalid fields", "409": "changed meanwhile, or the first request with this key is "
                       "still running", "422": "refused (the rules), or the Idempotency-Key reused",
                       "413": "the body is too large", "503": "a service this needs is not running"})
    elif route.method == "PUT":  # the whole resource as it should be: a retry sets the same again
        errors.update({"400": "invalid fields", "409": "changed meanwhile", "422": "refused (the rules)",
                       "413": "the body is too large", "503": "a service this needs is not running"})
    if route.body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
    if route.rate_limited:
        errors["429"] = "too many requests from your address (see Retry-After)"
    if route.audit or route.roles or route.body:  # it asks a service or the database
        errors.setdefault("503", "a service this needs is not running or did not answer in time (see Retry-After)")
    errors.update(route.errors)
    if parameters:
        operation["parameters"] = parameters
    responses.update({code: {**PROBLEM, "description": text, **RETRY_AFTER.get(code, {})}
                      for code, text in sorted(errors.items())})
    responses["default"] = {**PROBLEM, "description": "any other error"}
    operation["responses"] = responses
    return operation


def _names_a_municipality(route) -> bool:
    """The query or the body names a municipality, which is "not found" when the token does not list it."""
    return any(schema is not None and "municipality" in schema._declared_fields for schema in (route.query, route.body))


def html_page() -> str:
    """/docs: Swagger UI (the pinned PyPI package swagger-ui-bundle, served from this gateway's own origin under
    /docs/, nothing from elsewhere) over /openapi.json, and the problem types below it: a problem's `type` is
    /docs#<its type>."""
    e = html.escape
    types = "".join(f"<dt id='{e(type_)}'><code>/docs#{e(type_)}</code> ({status})</dt><dd>{e(title)}</dd>"
                    for type_, status, title in problem_types())
    return (f"<!doctype html><html lang='sv'><head><meta charset='utf-8'><title>{e(TITLE)}</title>"
            "<link rel='stylesheet' href='/docs/swagger-ui.css'>"
            "<style>#problem-types{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}</style>"
            "</head><body><div id='swagger-ui'></div>"
            f"<section id='problem-types'><h2>Problem types</h2><dl>{types}</dl></section>"
            "<script src='/docs/swagger-ui-bundle.js'></script><script src='/docs/kontakt-docs.js'></script>"
            "</body></html>")


# The viewer's files, by the name /docs/<name> serves them under: the package's own, and the start script.
VIEWER_FILES = {"swagger-ui.css": "text/css; charset=utf-8",
                "swagger-ui-bundle.js": "application/javascript; charset=utf-8"}
START_SCRIPT = ("window.onload = function () { window.ui = SwaggerUIBundle({url: '/openapi.json', "
                "dom_id: '#swagger-ui', deepLinking: true, defaultModelsExpandDepth: 3, "
                "defaultModelExpandDepth: 3}); };")


def viewer_file(name: str) -> tuple[bytes, str] | None:
    """A file of the viewer, and its content type; None for any other name."""
    if name == "kontakt-docs.js":
        return START_SCRIPT.encode(), "application/javascript; charset=utf-8"
    if name not in VIEWER_FILES:
        return None
    return _viewer_bytes(name), VIEWER_FILES[name]


@functools.cache
def _viewer_bytes(name: str) -> bytes:
    from swagger_ui_bundle import swagger_ui_path  # only the docs need it
    return (swagger_ui_path / name).read_bytes()
