"""Every error the gateway answers with, as application/problem+json (RFC 9457), mapped in one table.

A body looks like

    {"type": "/docs#invalid-request", "title": "The request has invalid fields", "status": 400,
     "detail": "...", "instance": "/api/v1/applicants", "errors": [{"field", "message", "code"}]}

`instance` is the path without its query string (a query may hold a name). Details never carry personal data:
they come from the gateway's own texts or from a service's ServiceProblem, which promises the same.
"""
from __future__ import annotations

import json
import logging
import uuid

from marshmallow import ValidationError
from nameko.exceptions import UnknownService
from werkzeug.exceptions import MethodNotAllowed, NotFound as NoSuchRoute, RequestEntityTooLarge
from werkzeug.wrappers import Response

from services.common.config import retry_after
from services.common.db import psycopg
from services.common.problems import ServiceProblem
from services.common.validation import field_problems

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error the gateway itself raises; `kind` picks its row of MAPPED_ERRORS, like a ServiceProblem's."""

    def __init__(self, kind: str, detail: str, errors: list[dict] | None = None, headers: dict | None = None):
        self.kind, self.detail, self.errors, self.headers = kind, detail, list(errors or []), dict(headers or {})
        super().__init__(kind, detail)


class Unavailable(Problem):
    """A service did not answer within its deadline, or is not waited for since it missed one (deadlines.py)."""

    def __init__(self, detail: str = "A service this request needs did not answer in time; try again later."):
        super().__init__("unavailable", detail)


# One table, read top-down; the first row that matches wins. A string matches the `kind` of a Problem (the
# gateway's) or a ServiceProblem (a service's, over RPC); a class matches its instances.
MAPPED_ERRORS = (
    # kind or exception         status  type                       title
    ("invalid",                 400,    "invalid-request",         "The request has invalid fields"),
    (ValidationError,           400,    "invalid-request",         "The request has invalid fields"),
    ("unauthenticated",         401,    "unauthenticated",         "A valid bearer token is required"),
    ("forbidden",               403,    "forbidden",               "Your role may not do this"),
    ("not_found",               404,    "not-found",               "No such resource"),
    (NoSuchRoute,               404,    "not-found",               "No such resource"),
    (MethodNotAllowed,          405,    "method-not-allowed",      "Method not allowed on this resource"),
    ("conflict",                409,    "conflict",                "The resource changed meanwhile; try again"),
    ("in_progress",             409,    "request-in-progress",     "A request with this Idempotency-Key is running"),
    (RequestEntityTooLarge,     413,    "body-too-large",          "The request body is too large"),
    ("refused",                 422,    "command-refused",         "The request was refused"),
    ("idempotency_key_reused",  422,    "idempotency-key-reused",  "This Idempotency-Key was used for another request"),
    ("rate_limited",            429,    "rate-limited",            "Too many requests; try again later"),
    (UnknownService,            503,    "service-unavailable",     "A service this request needs is not running"),
    ("unavailable",             503,    "service-unavailable",     "A service this request needs is not running"),
    # The gateway's own database: gone, or slower than its pool's and statements' timeouts (services/common/db.py).
    (psycopg.OperationalError,  503,    "service-unavailable",     "A service this request needs is not running"),
)
INTERNAL_ERROR = (500, "internal-error", "An unexpected error occurred")


def _row(error: BaseException) -> tuple[int, str, str]:
    kind = getattr(error, "kind", None) if isinstance(error, (Problem, ServiceProblem)) else None
    for match, status, type_, title in MAPPED_ERRORS:
        if (isinstance(match, str) and match == kind) or (isinstance(match, type) and isinstance(error, match)):
            return status, type_, title
    return INTERNAL_ERROR


def problem_response(error: BaseException, instance: str) -> Response:
    """The problem+json answer for `error`; an unmapped error is a 500 that shows no internals."""
    status, type_, title = _row(error)
    headers = {}
    if status == 500:
        incident = uuid.uuid4().hex
        log.error("unexpected error %s (incident %s) at %s", type(error).__name__, incident, instance,
                  exc_info=error)
        detail, errors = f"The error was logged as incident {incident}.", []
    elif isinstance(error, Problem):
        detail, errors, headers = error.detail, error.errors, error.headers
    elif isinstance(error, ServiceProblem):
        detail, errors = error.detail, [_error(**p) for p in error.problems]
    elif isinstance(error, ValidationError):
        detail, errors = "Some fields are missing or invalid.", field_problems(error)
    elif isinstance(error, MethodNotAllowed):
        detail, errors = title, []
        headers["Allow"] = ", ".join(error.valid_methods or ())
    else:
        detail, errors = title, []
    if status == 404:  # one wording whoever said it, so that a foreign resource reads as a missing one
        detail, errors = "No such resource.", []
    return problem(status, type_, title, detail, instance, errors, headers)


def problem(status: int, type_: str, title: str, detail: str, instance: str, errors=(), headers=None,
            extra: dict | None = None) -> Response:
    """A problem+json response; `extra` adds members of the problem type's own (RFC 9457, 3.2)."""
    body = {"type": f"/docs#{type_}", "title": title, "status": status, "detail": detail, "instance": instance,
            "errors": list(errors), **(extra or {})}
    headers = dict(headers or {})
    if status == 503:  # every 503 says when to try again, so that clients back off instead of hammering
        headers.setdefault("Retry-After", str(retry_after()))
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    content_type=PROBLEM_JSON)


def _error(message: str, field: str | None = None, code: str | None = None) -> dict:
    return {"field": field, "message": message, "code": code or "invalid"}


def problem_types() -> list[tuple[str, int, str]]:
    """(type, status, title) of every problem the gateway answers with, once each: for the /docs page."""
    rows = [(type_, status, title) for _, status, type_, title in MAPPED_ERRORS]
    rows.append((INTERNAL_ERROR[1], INTERNAL_ERROR[0], INTERNAL_ERROR[2]))
    return list(dict((row[0], row) for row in rows).values())
