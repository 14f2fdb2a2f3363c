"""How one route of the table is served: authenticate, check the role, spell the path's ids the one way,
rate-limit, make the call idempotent, run the handler, write the audit, answer JSON, count it. Errors of any step
become problem+json in one place.

nameko at the edge: the `route` entrypoint is nameko's @http with a web server whose unmatched paths (404, 405)
are problem+json too; `CallerContext` hands the caller to the services as nameko context data.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import eventlet
from eventlet.event import Event
from marshmallow import Schema, ValidationError
from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.common import signing
from services.common.adapters import CALLER_KEY
from services.common.ids import bare_uuid, stream_key
from services.common.places import is_municipality
from services.common.problems import ServiceProblem
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
# A body nests 4 levels at most (contact.address.city in an object); deeper is junk or an attack on the parsers
# (Python's json and marshmallow recurse: past ~1000 levels a RecursionError, a 500 with a huge traceback).
MAX_BODY_DEPTH = 32
_NOT_JSON, _UNREAD = object(), object()

# The id each path parameter holds, by the name the route table gives it, and that id's one spelling
# (services/common/ids.py; docs/contracts.md, "Ids"): an applicant (a volunteer) and a check by the bare uuid the
# API shows, a need and an assignment by their stream ids. What was typed is turned into it once, before any
# handler, service or audit row sees it, so that no spelling of an id escapes an auditor's search for it; what
# names nothing of its kind is not found. The answers' fields of the same names are audited in the same spelling.
PATH_IDS = {"applicant_id": ("applicant", bare_uuid), "volunteer_id": ("applicant", bare_uuid),
            "check_id": ("check", bare_uuid), "need_id": ("need", stream_key),
            "assignment_id": ("assignment", stream_key)}
NOT_IDS = ("municipality", "period", "month", "meeting_id", "asset")  # the path parameters that name no stream


def canonical_id(name: str, value: Any) -> str | None:
    """`value`, the id a path parameter (or an answer's field) named `name` holds, in its one spelling; None when
    it names nothing of its kind."""
    kind, spelling = PATH_IDS[name]
    return spelling(kind, value)


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
    pooled: bool = True  # False: served outside nameko's worker pool, so it answers while every worker waits

    @property
    def template(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def werkzeug_path(self) -> str:
        return self.path.replace("{", "<").replace("}", ">")

    @property
    def endpoint(self) -> str:
        return self.handler.__name__

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))


@dataclass
class Call:
    """What a handler gets: the request, the caller, the services (acting as the caller), and where to note
    whose personal data it read or changed."""
    request: Request
    caller: Caller
    service: Any
    route: Route
    accesses: list[audit.Access] = field(default_factory=list)
    _json: Any = field(default=_UNREAD, repr=False)

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
        body = self.parsed_body()
        if body is _NOT_JSON:
            raise Problem("invalid", "The body is not valid JSON.")
        if body is None and optional:
            return {}
        if not isinstance(body, dict):
            raise Problem("invalid", "The body must be a JSON object.")
        return body

    def parsed_body(self):
        """The body's JSON (None when there is none, _NOT_JSON when it is not JSON), parsed once, before the
        handler runs: a body that nests too deep, or holds text PostgreSQL cannot store, is refused here as a
        400 naming the field, whatever the route, before anything acts on it or logs it."""
        if self._json is _UNREAD:
            self._json = parse_body(self.request.get_data(cache=True))
        return self._json

    def query(self, schema: type[Schema]) -> dict:
        _refuse_unstorable(unstorable_fields(self.request.args.to_dict()))
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

    def read(self, subject: str | None, municipality: str | None) -> None:
        """`subject`'s data, of `municipality` (whose auditors see the row), is in the answer."""
        self.accesses.append(audit.Access(audit.READ, subject, municipality))

    def changed(self, subject: str | None, municipality: str | None) -> None:
        self.accesses.append(audit.Access(audit.CHANGE, subject, municipality))
        self.service.read_cache.drop(ids_in(subject))  # this process's next read of it asks the service again


def parse_body(data: bytes):
    """The JSON of a request body: None for none, _NOT_JSON for what is not JSON (refused if a handler reads it);
    Problem for nesting deeper than MAX_BODY_DEPTH or text that cannot be stored."""
    if not data.strip():
        return None
    try:
        value = json.loads(data)
    except RecursionError:
        raise _too_deep("_schema") from None  # the parser's own traceback is thousands of frames
    except ValueError:  # not JSON, or not UTF-8
        return _NOT_JSON
    too_deep = _nested_too_deep(value)
    if too_deep is not None:
        raise _too_deep(too_deep)
    _refuse_unstorable(unstorable_fields(value))
    return value


def _nested_too_deep(value) -> str | None:
    """The top-level field (or "_schema") under which `value` nests deeper than MAX_BODY_DEPTH; None if nowhere.
    Without recursion, so that the check itself cannot overflow."""
    stack = [(value, 1, None)]
    while stack:
        item, depth, top = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_BODY_DEPTH:
            return top or "_schema"
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            name = top if top is not None else (_storable_name(key) if isinstance(item, dict) else f"[{key}]")
            stack.append((child, depth + 1, name))
    return None


def _storable_name(key: str) -> str:
    return key if _unstorable(key) is None else "_schema"


def _too_deep(field_: str) -> Problem:
    return Problem("invalid", "Some fields are missing or invalid.", [
        {"field": field_, "message": f"nested deeper than {MAX_BODY_DEPTH} levels", "code": "too_deep"}])


def _unstorable(text: str) -> str | None:
    """Why PostgreSQL text cannot hold `text`, or None: U+0000, or a lone surrogate (a "\\ud800" escape in JSON
    that is half of no pair), which UTF-8 cannot encode."""
    if "\x00" in text:
        return "text may not contain the NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text may not contain a lone surrogate (half of a UTF-16 pair): it is not valid Unicode"
    return None


def unstorable_fields(value, path: str = "") -> list[tuple[str, str]]:
    """(field, why) for each text PostgreSQL cannot store, fields dotted as in validation errors: refused here, a
    400 naming the field, not a 500 from the database with the statement's values in its log. A key that cannot
    be stored is named by its parent ("_schema" at the top): the answer could not carry the key itself."""
    if isinstance(value, str):
        why = _unstorable(value)
        return [(path or "_schema", why)] if why else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            why = _unstorable(str(key))
            if why:
                found.append((path or "_schema", why))
                continue
            found += unstorable_fields(item, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in unstorable_fields(item, f"{path}[{index}]")]
    return []


def _refuse_unstorable(fields: list[tuple[str, str]]) -> None:
    if fields:
        raise Problem("invalid", "Some fields are missing or invalid.", [
            {"field": field_, "message": why, "code": "invalid"} for field_, why in fields])


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
    if unstorable_fields(values):  # no resource's id holds U+0000 or a lone surrogate
        raise Problem("not_found", "No such resource.")
    values = canonical_values(route, values)
    service.act_as(caller)
    if route.rate_limited:
        wait = service.rate_limits.take(client_address(request))
        if wait:
            raise Problem("rate_limited", "Too many requests from your address; try again later.",
                          headers={"Retry-After": str(math.ceil(wait))})
    call = Call(request, caller, service, route)
    call.parsed_body()
    key = request.headers.get(idempotency.HEADER) if request.method == "POST" else None
    if key is None:
        result = _within_read_timeout(request, lambda: _handle(call, values, request_id))
        _audit(service, call, request_id)
        return as_response(result)
    return _answer_once(service, call, idempotency.check_key(key), values, request_id)


def canonical_values(route: Route, values: dict) -> dict:
    """The path's values with each id in its one spelling (PATH_IDS); an id that names nothing is not found."""
    canonical = dict(values)
    for name in route.parameters:
        if name in PATH_IDS:
            canonical[name] = canonical_id(name, values.get(name))
            if canonical[name] is None:
                raise Problem("not_found", "No such resource.")
    return canonical


def _handle(call: Call, values: dict, request_id: str):
    """The route's handler; a refusal because what it names is of a municipality the caller lacks is written to
    that municipality's audit log before the caller hears "not found"."""
    try:
        return call.route.handler(call, **values)
    except ServiceProblem as refusal:
        if refusal.kind == "not_found" and is_municipality(refusal.municipality or "") and not call.caller.system:
            _audit_refused(call, values, refusal.municipality, request_id)
        raise


def _audit_refused(call: Call, values: dict, municipality: str, request_id: str) -> None:
    """Who tried which route on which id (the path's first), in `municipality`: nothing of the target's data, which
    the caller never got. Not writing it does not change the answer, which gives nothing away either."""
    subject = next((values[name] for name in call.route.parameters if name in PATH_IDS), None)
    entry = audit.Entry(call.caller, call.route.template, request_id,
                        [audit.Access(audit.REFUSED, subject, municipality)])
    try:
        call.service.audit_writer.record(entry)
    except Exception:  # noqa: BLE001 (the refusal stands; the log says the row is missing)
        log.exception("%s: a refused attempt on another municipality could not be audited", call.route.template)


def _within_read_timeout(request: Request, run: Callable[[], Any]):
    """A read waits at most GATEWAY_READ_TIMEOUT seconds in all, whatever calls it makes; each call has its own
    deadline too (GATEWAY_RPC_TIMEOUT, deadlines.py), as a write's calls have."""
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
        replayed = idempotency.accesses(conn, who, key) if stored is not None else []
    if stored is not None:  # the first answer again: whose data it shows is read again, by this request
        call.accesses.extend(audit.Access(audit.READ, subject, municipality) for subject, municipality in replayed)
        _audit(service, call, request_id)
        response = as_response(stored)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        status, body = _handle(call, values, request_id)
    except BaseException:
        with service.db.connection() as conn:
            idempotency.release(conn, who, key)
        raise
    with service.db.connection() as conn:  # the audit and the kept answer commit together
        audit.record(conn, call.caller, call.route.template, request_id, call.accesses)
        if 200 <= status < 300:
            idempotency.complete(conn, who, key, status, body, call.accesses)
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

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        server = super().get_wsgi_server(sock, wsgi_app, protocol, debug)
        server.log = _QueryValuesMasked(server.log)
        return server


# A request target's query in a log line: "GET /api/v1/applicants?q=Anna&page=2 HTTP/1.1".
_QUERY = re.compile(r'(/[^\s?"]*)\?([^\s"]*)')


def mask_query_values(text: str) -> str:
    """The query values of every request target in `text` masked, the parameter names kept: a search (?q=) holds
    a name, and the access log outlives the request by far (the audit log records who searched, not for what)."""
    def masked(match: re.Match) -> str:
        parts = [part.split("=", 1)[0] + "=*" if "=" in part else "*" for part in match.group(2).split("&")]
        return f"{match.group(1)}?{'&'.join(parts)}"
    return _QUERY.sub(masked, text)


class _QueryValuesMasked:
    """eventlet's access log (the WSGI server's logger, as nameko hands it over), with query values masked in
    every line it writes: the request lines, and the request quoted in its error lines."""

    def __init__(self, log):
        self._log = log

    def __getattr__(self, name):
        method = getattr(self._log, name)
        if name not in ("debug", "info", "warning", "error", "exception", "write"):
            return method
        return lambda message, *args, **kwargs: method(mask_query_values(str(message)), *args, **kwargs)


class RouteEntrypoint(HttpRequestHandler):
    """nameko's @http for a route of the table; the handler returns a werkzeug Response, errors included."""
    server = _ProblemWebServer()

    def __init__(self, method, url, pooled: bool = True, **kwargs):
        self.pooled = pooled
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        if self.pooled:
            return super().handle_request(request)
        # /health is asked when the gateway is in trouble, and then every worker of nameko's pool (max_workers)
        # may be waiting on a service: a route that must answer regardless runs in the web server's own
        # greenthread instead. nameko 2.14's spawn_worker runs exactly _run_worker, in the pool.
        request.shallow = False
        try:
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            worker_ctx = WorkerContext(self.container, self.container.service_cls(), self, args, kwargs,
                                       data=self.server.context_data_from_headers(request))
            done = Event()
            self.container._run_worker(worker_ctx, functools.partial(self.handle_result, done))
            return self.response_from_result(done.wait())
        except Exception as exc:  # noqa: BLE001 (as nameko's own handle_request)
            return self.response_from_exception(exc)

    def response_from_exception(self, exc):  # only if serve() itself failed
        return problem_response(exc, "")


route_entrypoint = RouteEntrypoint.decorator
