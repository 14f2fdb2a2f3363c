"""Helpers for the gateway's tests: the gateway in-process under nameko, spoken to over real HTTP, with
stand-ins for the services behind it. (A module of its own: the root conftest.py is already `conftest`.)

The stand-ins (`applicants` and `registry_checks` nameko services with the services' RPC names) answer from a
dict and note every call with the caller the gateway sent: they play the services so that the gateway's own
rules (auth, tenancy, problem+json, idempotency, audit) can be tested alone, including a service that answers
with another municipality's data, which the gateway must not show. test_gateway_with_applicants.py runs the real
applicants service instead.
"""
from __future__ import annotations

import contextlib
import os
import socket
import uuid

import requests
from kombu import Connection
from nameko.containers import ServiceContainer
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from gateway.auth import mint
from gateway.cache import ReadCache
from gateway.service import GatewayService, ReadCacheProvider
from gateway.spec import SPEC
from services.common import config
from services.common.adapters import ServiceProblem, caller_from_context
from tests.conftest import prepare_database

HOME, ELSEWHERE = "2521", "0180"  # Boden, Stockholm
EXPLODES = "00000000-0000-0000-0000-00000000dead"  # the applicant whose read fails in the stand-in
_GATEWAYS: dict[str, ServiceContainer] = {}  # the base URL of each gateway running in this process: its container


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_gateway(**environment):
    """The gateway on a free port (nameko's @http needs WEB_SERVER_ADDRESS); `environment` set while it runs."""
    prepare_database(SPEC)
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update({name: str(value) for name, value in environment.items()})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    container = ServiceContainer(GatewayService, config={"AMQP_URI": config.amqp_uri(),
                                                         "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
    container.start()
    _GATEWAYS[base] = container
    try:
        yield base
    finally:
        _GATEWAYS.pop(base, None)
        container.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def running_recruitment(**gateway_environment):
    """applicants and registry_checks in this process, with their relays, and the gateway over them: its URL."""
    from services.applicants.service import ApplicantsService
    from services.applicants.spec import SPEC as APPLICANTS
    from services.common.topology import declare
    from services.registry_checks.contract import declare_inbound
    from services.registry_checks.service import RegistryChecksService
    from services.registry_checks.spec import SPEC as REGISTRY_CHECKS
    from tests.kernel.helpers import running_relay, running_service

    amqp_uri = config.amqp_uri()
    for spec in (APPLICANTS, REGISTRY_CHECKS):
        prepare_database(spec)
    declare(amqp_uri, ["applicants", "registry_checks"], APPLICANTS.subscriptions + REGISTRY_CHECKS.subscriptions)
    declare_inbound(amqp_uri)
    with running_service(ApplicantsService, amqp_uri), running_service(RegistryChecksService, amqp_uri), \
            running_relay("applicants"), running_relay("registry_checks"), \
            running_gateway(**gateway_environment) as base:
        yield base


def read_cache_of(base: str) -> ReadCache:
    """The read cache of the gateway this process runs at `base`."""
    [provider] = [d for d in _GATEWAYS[base].dependencies if isinstance(d, ReadCacheProvider)]
    return provider.cache


class Drops:
    """What a gateway's read cache is told to forget from now on: the applicant keys of each drop, one drop per
    event the gateway received that names applicants, and one per change made through it."""

    def __init__(self, cache: ReadCache):
        self.seen: list[frozenset[str]] = []
        drop = cache.drop

        def recorded(keys):
            keys = list(keys)
            self.seen.append(frozenset(keys))
            drop(keys)
        cache.drop = recorded

    def naming(self, key: str) -> int:
        return sum(1 for keys in self.seen if key in keys)


def forget_service(name: str) -> None:
    """Delete a stopped service's durable RPC queue, so that a call to it fails at once instead of waiting."""
    with Connection(config.amqp_uri()) as connection:
        channel = connection.channel()
        with contextlib.suppress(Exception):
            channel.queue_delete(f"rpc-{name}")
        channel.close()


class Client:
    """requests against the gateway, with a token of one's choosing (nameko's web_session does not work under
    werkzeug 3)."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.session = base, requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kwargs):
        return self.session.get(self.base + path, timeout=30, **kwargs)

    def post(self, path, body=None, key=None, **kwargs):
        headers = {"Idempotency-Key": key} if key else {}
        return self.session.post(self.base + path, json=body, headers=headers, timeout=30, **kwargs)


def token(*roles: str, municipalities=(HOME,), sub=None, **kwargs) -> str:
    return mint(sub or a_sub(), list(roles), list(municipalities), **kwargs)


def assert_problem(response, status: int, type_: str | None = None) -> dict:
    """The answer is RFC 9457 problem+json with `status`; returns the body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(body)
    assert body["status"] == status and body["instance"] == response.request.path_url.split("?")[0]
    if type_ is not None:
        assert body["type"] == f"/docs#{type_}"
    return body


# --- stand-ins for the services --------------------------------------------------------------------------------

class Stand:
    """What the stand-ins know and what they were asked."""

    def __init__(self):
        self.applicants: dict[str, dict] = {}
        self.calls: list[tuple[str, tuple, dict]] = []  # (method, args, caller)

    def add(self, municipality: str = HOME, **fields) -> str:
        applicant_id = str(uuid.uuid4())
        self.applicants[applicant_id] = {"applicant_id": applicant_id, "municipality": municipality,
                                         "reference": "KP-" + applicant_id[:8].upper(), "status": "registered",
                                         "personnummer": "19800101-XXXX", **fields}
        return applicant_id

    def called(self, method: str) -> list[tuple]:
        return [(args, caller) for name, args, caller in self.calls if name == method]

    def asked_by(self, sub: str) -> list[str]:
        """The methods called for the caller `sub`. Every call the gateway makes carries its caller, so these are
        all that caller's requests caused, whatever another test's request still has in flight."""
        return asked_by(self.calls, sub)


def asked_by(calls: list[tuple[str, tuple, dict]], sub: str) -> list[str]:
    return [name for name, _, caller in calls if caller and caller.get("sub") == sub]


def a_sub() -> str:
    """A caller of their own, for one test."""
    return f"user-{uuid.uuid4().hex[:8]}"


STAND = Stand()


def signed_caller_of(context_data) -> dict | None:
    """The caller a stand-in was called as, if the gateway signed it (as the services check it); else None."""
    caller = caller_from_context(context_data)
    return None if caller.anonymous else caller.as_data()


def _note(service, method: str, *args):
    STAND.calls.append((method, args, signed_caller_of(service.caller_data)))


def _applicant(applicant_id: str) -> dict:
    if applicant_id == EXPLODES:
        raise RuntimeError("stand-in failure naming Anna Andersson 19121212-1212")
    if applicant_id not in STAND.applicants:
        raise ServiceProblem("not_found", "no such resource")
    return STAND.applicants[applicant_id]


class ContextData(DependencyProvider):
    """Hands a worker the nameko context data it was called with."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.data


class StandInApplicants:
    name = "applicants"
    caller_data = ContextData()

    @rpc
    def register(self, body):
        _note(self, "register", body)
        if body.get("family_name") == "Konflikt":
            raise ServiceProblem("conflict", "the applicant changed meanwhile")
        applicant_id = STAND.add(body["municipality"], family_name=body.get("family_name"))
        return {"applicant_id": applicant_id, "reference": STAND.applicants[applicant_id]["reference"]}

    @rpc
    def list_applicants(self, **query):
        _note(self, "list_applicants", query)
        items = list(STAND.applicants.values())  # every municipality's: the gateway must filter
        return {"items": items, "total": len(items), "page": query.get("page", 1),
                "page_size": query.get("page_size", 50)}

    @rpc
    def get_applicant(self, applicant_id):
        _note(self, "get_applicant", applicant_id)
        return _applicant(applicant_id)

    @rpc
    def record_interview(self, applicant_id, body):
        _note(self, "record_interview", applicant_id, body)
        if body.get("interviewer") == "refuse":
            raise ServiceProblem("refused", "the command was refused", [
                {"message": "the interview cannot be in the future", "field": "interviewed_on", "code": "invalid"}])
        return _applicant(applicant_id)

    @rpc
    def record_reference(self, applicant_id, body):
        return _applicant(applicant_id)

    @rpc
    def approve(self, applicant_id, body):
        return _applicant(applicant_id)

    @rpc
    def reject(self, applicant_id, body):
        return _applicant(applicant_id)

    @rpc
    def withdraw(self, applicant_id, body):
        return _applicant(applicant_id)

    @rpc
    def change_availability(self, applicant_id, body):
        return _applicant(applicant_id)


class StandInRegistryChecks:
    name = "registry_checks"
    caller_data = ContextData()

    @rpc
    def checks_for_applicant(self, applicant_id):
        _note(self, "checks_for_applicant", applicant_id)
        municipality = STAND.applicants.get(applicant_id, {}).get("municipality")
        return [{"check_id": f"check-{applicant_id}", "applicant_id": applicant_id, "municipality": municipality,
                 "register": "polisen_belastningsregister", "status": "requested"}]

    @rpc
    def record_manual_result(self, check_id, body):
        _note(self, "record_manual_result", check_id, body)
        applicant_id = check_id.removeprefix("check-")
        return {"check_id": check_id, "applicant_id": applicant_id,
                "municipality": STAND.applicants[applicant_id]["municipality"], "status": "completed"}

    @rpc
    def worklist(self, municipality=None):
        _note(self, "worklist", municipality)
        return [{"check_id": f"check-{a['applicant_id']}", "applicant_id": a["applicant_id"],
                 "municipality": a["municipality"]} for a in STAND.applicants.values()]
