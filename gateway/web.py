"""How one route of the table is served: authenticate, check the role, rate-limit, make the call idempotent,
run the handler, write the audit, answer JSON, count it. Errors of any step become problem+json in one place.

nameko at the edge: the `route` entrypoint is nameko's @http with a web server whose unmatched paths (404, 405)
are problem+json too; `CallerContext` hands the caller to the services as nameko context data.
"""
from __future__ import annotations

import json
import logging
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import eventlet
from marshmallow import Schema, ValidationError
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.common import signing
from services.common.roles import Caller
from services.common.config import env_float
from services.common.validation import field_problems

from . import audit, idempotency, metrics
from .cache import ids_in
from .auth import authenticate, check_settings, public_caller, require_role
from .problems import Problem, problem_response

log = logging.getLogger(__name__)

PUBLIC = ()  # the roles of a route anyone may call without a token
MAX_BODY_BYTES = 256 * 1024  # an intresseanmälan is a few kB


@dataclass(frozen=True)
class Route:
    """One row of the route table: what is served where, to whom, and how it is documented."""
    method: str
    path: str  # OpenAPI style: /api/v1/applicants/{applicant_id}
    handler: Callable[..., Any]
    roles: tuple[str, ...]  # PUBLIC or the roles that may call it
    audit: str | None  # audit.READ or audit.CHANGE: the route reads or changes personal data
    summary: str
    body: type[Schema] | None = None  # for the document; the owning service loads the body
    query: type[Schema] | None = None
    answer: tuple[int, type[Schema] | None] = (200, None)
    rate_limited: bool = False
    errors: tuple[tuple[str, str], ...] = ()  # (status, when) the document names besides the usual ones
    tag: str = "API"
    documented: bool = True
    media: str = "application/json"  # the content type of the answer (text/csv for an export)

    @property
    def template(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def werkzeug_path(self) -> str:
        return self.path.replace("{", "<").replace("}", ">")

    @property
    def endpoint(self) -> str:
        return self.handler.__name__


@dataclass
class Call:
    """What a handler gets: the request, the caller, the services (acting as the caller), and where to note
    whose personal data it read or changed."""
    request: Request
    caller: Caller
    service: Any
    route: Route
    accesses: list[audit.Access] = field(default_factory=list)

    def _proxy(self, name: str):
        """A GET reads through the service's proxy without publisher confirms (a lost request is a timeout, which
        a read may be); anything else changes something and publishes confirmed."""
        return getattr(self.service, f"{name}_reads" if self.request.method == "GET" else name)

    @property
    def applicants(self):
        return self._proxy("applicants")

    @property
    def registry_checks(self):
        return self._proxy("registry_checks")

    @property
    def assignments(self):
        return self._proxy("assignments")

    @property
    def payments(self):
        return self._proxy("payments")

    @property
    def db(self):
        return self.service.db

    def body(self, optional: bool = False) -> dict:
        """The JSON object sent; with `optional`, no body at all (or null) is an empty one."""
        data = self.request.get_data(cache=True)
        if optional and not data.strip():
            return {}
        try:
            body = json.loads(data or b"null")
        except ValueError:
            raise Problem("invalid", "The body is not valid JSON.") from None
        if body is None and optional:
            return {}
        if not isinstance(body, dict):
            raise Problem("invalid", "The body must be a JSON object.")
        _refuse_nul(nul_fields(body))
        return body

    def query(self, schema: type[Schema]) -> dict:
        _refuse_nul(nul_fields(self.request.args.to_dict()))
        try:
            return schema().load(self.request.args.to_dict())
        except ValidationError as error:
            raise Problem("invalid", "Some query parameters are invalid.", field_problems(error)) from None

    def own(self, items: list[dict]) -> list[dict]:
        """Only the items of the caller's municipalities (the service should have sent no others)."""
        own = [item for item in items if self.caller.may_act_in(item.get("municipality"))]
        if len(own) != len(items):
            log.error("%s answered %d items of municipalities the caller lacks; they were not shown",
                      self.route.template, len(items) - len(own))
        return own

    def read(self, subject: str | None, municipality: str | None = None) -> None:
        self.accesses.append(audit.Access(audit.READ, subject, municipality))

    def changed(self, subject: str | None, municipality: str | None = None) -> None:
        self.accesses.append(audit.Access(audit.CHANGE, subject, municipality))
        self.service.read_cache.drop(ids_in(subject))  # this process's next read of it asks the service again


def nul_fields(value, path: str = "") -> list[str]:
    """The fields (dotted, as in validation errors) whose text holds U+0000, which PostgreSQL text cannot store:
    refused here, where it is a 400 naming the field, not a 500 from the database."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [field for key, item in value.items()
                for field in ([path or "_schema"] if "\x00" in str(key) else [])
                + nul_fields(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [field for index, item in enumerate(value) for field in nul_fields(item, f"{path}[{index}]")]
    return []


def _refuse_nul(fields: list[str]) -> None:
    if fields:
        raise Problem("invalid", "Some fields are missing or invalid.", [
            {"field": field, "message": "text may not contain the NUL character", "code": "invalid"}
            for field in fields])


def serve(service, route: Route, request: Request, values: dict) -> Response:
    started = time.perf_counter()
    request_id = str(uuid.uuid4())
    try:
        response = _answer(service, route, request, values, request_id)
    except Exception as error:  # noqa: BLE001 (every error becomes problem+json; unknown ones a bare 500)
        response = problem_response(error, request.path)
    response.headers["X-Request-Id"] = request_id
    metrics.observe(request.method, route.path, response.status_code, time.perf_counter() - started)
    return response


def _answer(service, route: Route, request: Request, values: dict, request_id: str) -> Response:
    if route.roles == PUBLIC:
        caller = public_caller()
    else:
        caller = authenticate(request.headers.get("Authorization"))
        require_role(caller, route.roles)
        # The caller acts with the route's roles only, where the token grants them, here and in the services: a
        # recruiter of 0180 who is an auditor in 1440 recruits in 0180 only, and lists 0180's applicants only.
        caller = caller.restricted_to(route.roles)
    if nul_fields(values):  # no resource's id holds U+0000
        raise Problem("not_found", "No such resource.")
    service.act_as(caller)
    if route.rate_limited:
        wait = service.rate_limits.take(client_address(request))
        if wait:
            raise Problem("rate_limited", "Too many requests from your address; try again later.",
                          headers={"Retry-After": str(math.ceil(wait))})
    call = Call(request, caller, service, route)
    key = request.headers.get(idempotency.HEADER) if request.method == "POST" else None
    if key is None:
        result = _within_read_timeout(request, lambda: route.handler(call, **values))
        _audit(service, call, request_id)
        return as_response(result)
    return _answer_once(service, call, idempotency.check_key(key), values, request_id)


def _within_read_timeout(request: Request, run: Callable[[], Any]):
    """A read waits at most GATEWAY_READ_TIMEOUT seconds for the services (a stopped service's RPC queue keeps
    the request, and nobody answers). A write waits: it may still act, and a retry with its Idempotency-Key
    must then find its answer, not act again."""
    if request.method != "GET":
        return run()
    timeout = Problem("unavailable", "A service this request needs did not answer in time.")
    with eventlet.Timeout(env_float("GATEWAY_READ_TIMEOUT", 10.0), timeout):
        return run()


def _answer_once(service, call: Call, key: str, values: dict, request_id: str) -> Response:
    """The handler runs once per (caller, key); a retry gets the first answer back."""
    who = _idempotency_caller(call)
    print_ = idempotency.fingerprint(call.request.method, call.route.path, call.request.path,
                                     call.request.get_data(cache=True))
    with service.db.connection() as conn:
        stored = idempotency.claim(conn, who, key, print_)
    if stored is not None:
        status, body = stored
        response = as_response((status, body))
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        status, body = call.route.handler(call, **values)
    except BaseException:
        with service.db.connection() as conn:
            idempotency.release(conn, who, key)
        raise
    with service.db.connection() as conn:  # the audit and the kept answer commit together
        audit.record(conn, call.caller, call.route.template, request_id, call.accesses)
        if 200 <= status < 300:
            idempotency.complete(conn, who, key, status, body)
        else:
            idempotency.release(conn, who, key)
    return as_response((status, body))


def _audit(service, call: Call, request_id: str) -> None:
    """Written before the answer leaves: a read nobody could audit is not given. Together with the rows of the
    requests answered at the same time (audit_writer.py)."""
    if call.accesses and not call.caller.system:
        service.audit_writer.record(audit.Entry(call.caller, call.route.template, request_id, call.accesses))


def _idempotency_caller(call: Call) -> str:
    if call.caller.system:  # the public form: one caller per client address
        return f"{call.caller.actor}@{client_address(call.request)}"
    return f"user:{call.caller.actor}"


def client_address(request: Request) -> str:
    # Behind a reverse proxy, have it set the remote address (e.g. ProxyFix in front); headers are not trusted.
    return request.remote_addr or "unknown"


def as_response(result) -> Response:
    if isinstance(result, Response):
        return result
    status, body = result
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    content_type="application/json")


# --- nameko ------------------------------------------------------------------------------------------------------

class CallerContext(DependencyProvider):
    """`self.act_as(caller)`: puts the caller in nameko context data, signed with the deployment's internal key,
    which every RPC call of this worker carries to the services (adapters.CallerProvider verifies it there)."""

    def setup(self):
        signing.check_keys()  # fail closed: no internal key or token keys outside development, no gateway
        check_settings()

    def get_dependency(self, worker_ctx):
        def act_as(caller: Caller) -> None:
            worker_ctx.data.update(signing.caller_context(caller))
        return act_as


class _ProblemWsgiApp(WsgiApp):
    """nameko's WSGI app, but a path no route matches (404) or a method it does not take (405) is problem+json."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except HTTPException as error:
            started = time.perf_counter()
            response = problem_response(error, request.path)
            metrics.observe(request.method, "<unmatched>", response.status_code, time.perf_counter() - started)
            return response(environ, start_response)
        request.path_values = values
        request.max_content_length = MAX_BODY_BYTES  # reading more raises RequestEntityTooLarge: 413
        return provider.handle_request(request)(environ, start_response)


class _ProblemWebServer(WebServer):
    def get_wsgi_app(self):
        return _ProblemWsgiApp(self)


class RouteEntrypoint(HttpRequestHandler):
    """nameko's @http for a route of the table; the handler returns a werkzeug Response, errors included."""
    server = _ProblemWebServer()

    def response_from_exception(self, exc):  # only if serve() itself failed
        return problem_response(exc, "")


route_entrypoint = RouteEntrypoint.decorator
