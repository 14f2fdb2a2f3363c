"""The gateway as a nameko service: the route table, read top-down, and the dependencies its handlers use.

    nameko run --config <a YAML file with AMQP_URI and WEB_SERVER_ADDRESS, e.g. "0.0.0.0:8000"> gateway.service

Each row becomes a nameko @http entrypoint served by web.serve (auth, role, rate limit, idempotency, audit,
problem+json, metrics); handlers.py says what each does; openapi.py documents the same table.
"""
from __future__ import annotations

import services.common.db  # noqa: F401: first, so psycopg waits cooperatively under eventlet

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy

from services.applicants import schemas as applicants
from services.common.adapters import KernelProvider
from services.common.config import env_float, env_int
from services.registry_checks import schemas as registry_checks

from . import handlers as h
from .audit import CHANGE, READ
from .auth import AUDITOR, RECRUITER
from .ratelimit import TokenBuckets
from .schemas import (ApplicantPage, ApplicantQuery, ApplicantRegistered, AuditPage, AuditQuery, Health,
                      InterestAccepted, Items, RegistrationBody, WorklistQuery)
from .spec import SPEC
from .web import PUBLIC, Route, CallerContext, route_entrypoint, serve

ANYONE = PUBLIC
RECRUITERS = (RECRUITER,)
AUDITORS = (AUDITOR,)
A, I, K, D = "Kontaktpersoner och familjer", "Intresseanmälan", "Registerkontroller", "Drift och dokumentation"

ROUTES = (
    # method  path                                       handler                roles       audit
    Route("POST", "/api/v1/interest",                     h.register_interest,   ANYONE,     None,
          "Intresseanmälan från det publika formuläret (samtycke krävs)", body=RegistrationBody,
          answer=(202, InterestAccepted), rate_limited=True, tag=I),
    Route("GET",  "/api/v1/applicants",                   h.list_applicants,     RECRUITERS, READ,
          "Sökande kontaktpersoner och kontaktfamiljer (personnummer maskerat)", query=ApplicantQuery,
          answer=(200, ApplicantPage), tag=A),
    Route("POST", "/api/v1/applicants",                   h.register_applicant,  RECRUITERS, CHANGE,
          "Intresseanmälan inlagd av familjehemssekreterare (telefon, e-post, brev)", body=RegistrationBody,
          answer=(201, ApplicantRegistered), tag=A),
    Route("GET",  "/api/v1/applicants/{id}",              h.get_applicant,       RECRUITERS, READ,
          "En sökande med registerkontroller", tag=A),
    Route("POST", "/api/v1/applicants/{id}/interviews",   h.record_interview,    RECRUITERS, CHANGE,
          "Intervju (och hembesök) genomförd", body=applicants.RecordInterviewBody, tag=A),
    Route("POST", "/api/v1/applicants/{id}/references",   h.record_reference,    RECRUITERS, CHANGE,
          "Referenstagning", body=applicants.RecordReferenceBody, tag=A),
    Route("POST", "/api/v1/applicants/{id}/approval",     h.approve,             RECRUITERS, CHANGE,
          "Beslut: lämplig", body=applicants.ApproveApplicantBody, tag=A),
    Route("POST", "/api/v1/applicants/{id}/rejection",    h.reject,              RECRUITERS, CHANGE,
          "Beslut: inte lämplig", body=applicants.RejectApplicantBody, tag=A),
    Route("POST", "/api/v1/applicants/{id}/withdrawal",   h.withdraw,            RECRUITERS, CHANGE,
          "Intresseanmälan återkallad", body=applicants.WithdrawApplicantBody, tag=A),
    Route("POST", "/api/v1/applicants/{id}/availability", h.change_availability, RECRUITERS, CHANGE,
          "Ändrad tillgänglighet", body=applicants.ChangeAvailabilityBody, tag=A),
    Route("GET",  "/api/v1/applicants/{id}/checks",       h.applicant_checks,    RECRUITERS, READ,
          "Registerkontroller för en sökande", answer=(200, Items), tag=K),
    Route("POST", "/api/v1/checks/{id}/result",           h.record_check_result, RECRUITERS, CHANGE,
          "Registerutdrag på papper, inlagt för hand", body=registry_checks.ManualResultSchema, tag=K),
    Route("GET",  "/api/v1/worklist",                     h.worklist,            RECRUITERS, READ,
          "Arbetslista: registerkontroller som väntar eller behöver åtgärd", query=WorklistQuery,
          answer=(200, Items), tag=K),
    Route("GET",  "/api/v1/audit",                        h.audit_log,           AUDITORS,   READ,
          "Logguppföljning: vem läste eller ändrade vems personuppgifter", query=AuditQuery,
          answer=(200, AuditPage), tag="Logguppföljning"),
    Route("GET",  "/health",                              h.health,              ANYONE,     None,
          "Databas och meddelandekö nåbara", answer=(200, Health),
          errors=(("503", "the database or the broker does not answer"),), tag=D),
    Route("GET",  "/metrics",                             h.prometheus_metrics,  ANYONE,     None,
          "Prometheus-mätvärden", documented=False, tag=D),
    Route("GET",  "/openapi.json",                        h.openapi_document,    ANYONE,     None,
          "Detta dokument (OpenAPI 3)", tag=D),
    Route("GET",  "/docs",                                h.docs_page,           ANYONE,     None,
          "API-dokumentation som webbsida", documented=False, tag=D),
)


class RateLimits(DependencyProvider):
    """The public form's token buckets, one per client address, for this process."""

    def setup(self):
        self.buckets = TokenBuckets(burst=env_int("GATEWAY_INTEREST_BURST", 5),
                                    per_minute=env_float("GATEWAY_INTEREST_PER_MINUTE", 10.0))

    def get_dependency(self, worker_ctx):
        return self.buckets


class GatewayService:
    name = "gateway"
    routes = ROUTES

    db = KernelProvider(SPEC)
    config = Config()
    act_as = CallerContext()
    rate_limits = RateLimits()
    applicants = RpcProxy("applicants")
    registry_checks = RpcProxy("registry_checks")


def _entrypoint(route: Route):
    def method(self, request, **values):
        return serve(self, route, request, values)
    method.__name__ = method.__qualname__ = route.endpoint
    method.__doc__ = route.summary
    return route_entrypoint(route.method, route.werkzeug_path)(method)


for _route in ROUTES:
    assert not hasattr(GatewayService, _route.endpoint), f"two routes named {_route.endpoint}"
    setattr(GatewayService, _route.endpoint, _entrypoint(_route))
