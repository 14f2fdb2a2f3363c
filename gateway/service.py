"""The gateway as a nameko service: the route table, read top-down, and the dependencies its handlers use.

    nameko run --config <a YAML file with AMQP_URI and WEB_SERVER_ADDRESS, e.g. "0.0.0.0:8000"> gateway.service

Each row becomes a nameko @http entrypoint served by web.serve (auth, role, rate limit, idempotency, audit,
problem+json, metrics); gateway/handlers/ says what each does, one module per service; openapi.py documents
the same table.
"""
from __future__ import annotations

import warnings

import services.common.db  # noqa: F401 (first, so psycopg waits cooperatively under eventlet)

from nameko.dependency_providers import Config
from nameko.events import BROADCAST, event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy
from nameko.timer import timer

from services.applicants.contract import (ApproveApplicantBody, ChangeAvailabilityBody, RecordInterviewBody,
                                         RecordReferenceBody, RejectApplicantBody, WithdrawApplicantBody)
from services.assignments.contract import (CloseClientNeedBody, CorrectMeetingBody, DeclineOfferBody,
                                          EndAssignmentBody, InterruptAssignmentBody, LogMeetingBody,
                                          OfferAssignmentBody, RecordSupervisionBody, RegisterClientNeedBody,
                                          ReportDeviationBody, RequestEndBody, ResumeAssignmentBody,
                                          ReviseAssignmentPlanBody, StartAssignmentBody)
from services.common.config import env_float, env_int, rpc_timeout
from services.common.db import assert_cooperative_wait, connect, make_pool
from services.common.roles import ADMIN, AUDITOR, CASE_WORKER, FINANCE, RECRUITER, VOLUNTEER
from services.common.topology import ALL_EVENTS
from services.payments.contract import (ApproveOmkostnadExcessBody, ApprovePaymentRunBody, DecideArvodeLevelBody,
                                       PublishRatesBody, SetTaxDetailsBody)
from services.registry_checks.contract import ManualResultSchema, ResolveConflictSchema

from . import idempotency, metrics
from .audit import CHANGE, READ
from .audit_writer import GroupAuditWriter
from .cache import ReadCache, ids_in
from .database import check_writer, writer_url
from .deadlines import Answering, Deadlined
from .handlers import applicants, assignments, audit_log, operations, payments, registry_checks
from .ratelimit import TokenBuckets
from .schemas import (ApplicantPage, ApplicantQuery, ApplicantRegistered, ApproveReportRequest, AssignmentQuery,
                      AuditPage, AuditQuery, CandidatesQuery, CaseWorkerWorklistQuery, Health, InterestAccepted, Items,
                      NeedQuery, Page, PendingReportsQuery, RefusedResultPage, RefusedResultsQuery, RegistrationBody,
                      TaxDetailsQuery, WorklistQuery)
from .spec import SPEC
from .web import PUBLIC, Route, CallerContext, route_entrypoint, serve

# The reads' proxies publish without confirms on purpose; nameko warns that it then cannot detect unroutable calls.
warnings.filterwarnings("ignore", message="Mandatory delivery was requested, but unroutable messages")

ANYONE = PUBLIC
RECRUITERS = (RECRUITER,)
AUDITORS = (AUDITOR,)
CASE_WORKERS = (CASE_WORKER,)
IVO_READERS = (CASE_WORKER, AUDITOR)
VOLUNTEERS = (VOLUNTEER,)
ADMINS = (ADMIN,)
RATE_READERS = (ADMIN, FINANCE, CASE_WORKER, AUDITOR)
REPORT_READERS = (CASE_WORKER, FINANCE)
PENDING_READERS = (CASE_WORKER, FINANCE, AUDITOR)
FINANCE_ONLY = (FINANCE,)
RUN_READERS = (FINANCE, AUDITOR)
DECIDERS = (CASE_WORKER, ADMIN)
DECISION_READERS = (CASE_WORKER, ADMIN, FINANCE)
A, I, K, D = "Kontaktpersoner och familjer", "Intresseanmälan", "Registerkontroller", "Drift och dokumentation"
B, U, M = "Behov och uppdrag", "Utbetalning", "Mina uppdrag och ersättningar"
# The resources a path names, each parameter named for the id it holds.
MUNICIPALITY = "/api/v1/municipalities/{municipality}"  # its kommunkod
RUN = MUNICIPALITY + "/payment-runs/{period}"
APPLICANT, NEED = "/api/v1/applicants/{applicant_id}", "/api/v1/needs/{need_id}"
ASSIGNMENT, MY_ASSIGNMENT = "/api/v1/assignments/{assignment_id}", "/api/v1/me/assignments/{assignment_id}"
MY_OFFER = "/api/v1/me/offers/{assignment_id}"  # an offer is the assignment, offered and not yet accepted
TAX_DETAILS = "/api/v1/volunteers/{volunteer_id}/tax-details"

ROUTES = (
    # method      path                                      handler                            roles         audit
    Route("POST", "/api/v1/interest",                       applicants.register_interest,      ANYONE,       None,
          "Intresseanmälan från det publika formuläret (samtycke krävs)", body=RegistrationBody,
          answer=(202, InterestAccepted), rate_limited=True, tag=I),
    Route("GET",  "/api/v1/applicants",                     applicants.list_applicants,        RECRUITERS,   READ,
          "Sökande kontaktpersoner och kontaktfamiljer (personnummer maskerat)", query=ApplicantQuery,
          answer=(200, ApplicantPage), tag=A),
    Route("POST", "/api/v1/applicants",                     applicants.register_applicant,     RECRUITERS,   CHANGE,
          "Intresseanmälan inlagd av familjehemssekreterare (telefon, e-post, brev)", body=RegistrationBody,
          answer=(201, ApplicantRegistered), tag=A),
    Route("GET",  APPLICANT,                                applicants.get_applicant,          RECRUITERS,   READ,
          "En sökande med registerkontroller och uppdrag", tag=A),
    Route("POST", APPLICANT + "/interviews",                applicants.record_interview,       RECRUITERS,   CHANGE,
          "Intervju (och hembesök) genomförd", body=RecordInterviewBody, tag=A),
    Route("POST", APPLICANT + "/references",                applicants.record_reference,       RECRUITERS,   CHANGE,
          "Referenstagning", body=RecordReferenceBody, tag=A),
    Route("POST", APPLICANT + "/approval",                  applicants.approve,                RECRUITERS,   CHANGE,
          "Beslut: lämplig", body=ApproveApplicantBody, tag=A),
    Route("POST", APPLICANT + "/rejection",                 applicants.reject,                 RECRUITERS,   CHANGE,
          "Beslut: inte lämplig", body=RejectApplicantBody, tag=A),
    Route("POST", APPLICANT + "/withdrawal",                applicants.withdraw,               RECRUITERS,   CHANGE,
          "Intresseanmälan återkallad", body=WithdrawApplicantBody, tag=A),
    Route("POST", APPLICANT + "/availability",              applicants.change_availability,    RECRUITERS,   CHANGE,
          "Ändrad tillgänglighet", body=ChangeAvailabilityBody, tag=A),
    Route("GET",  APPLICANT + "/checks",                    registry_checks.applicant_checks,  RECRUITERS,   READ,
          "Registerkontroller för en sökande", answer=(200, Items), tag=K),
    Route("POST", "/api/v1/checks/{check_id}/result",       registry_checks.record_check_result, RECRUITERS,   CHANGE,
          "Registerutdrag på papper, inlagt för hand", body=ManualResultSchema, tag=K),
    Route("POST", "/api/v1/checks/{check_id}/conflict-resolution", registry_checks.resolve_check_conflict,
          RECRUITERS, CHANGE, "Registrets svar skiljer sig från utdraget inlagt för hand: utrett, med skäl",
          body=ResolveConflictSchema, tag=K),
    Route("GET",  "/api/v1/worklist",                       registry_checks.worklist,          RECRUITERS,   READ,
          "Arbetslista: registerkontroller som väntar eller behöver åtgärd", query=WorklistQuery,
          answer=(200, Items), tag=K),
    Route("GET",  MUNICIPALITY + "/refused-results",        registry_checks.refused_results,   ADMINS,       None,
          "Registersvar som inte togs emot (kommunens kontroller; utan meddelandets innehåll)",
          query=RefusedResultsQuery, answer=(200, RefusedResultPage), tag=K),

    # --- behov och uppdrag (socialsekreterare) ---------------------------------------------------------------------
    Route("POST", MUNICIPALITY + "/needs",                  assignments.register_need,         CASE_WORKERS, CHANGE,
          "Beslut om insats (kontaktperson, kontaktfamilj, SKKP) registrerat", body=RegisterClientNeedBody,
          answer=(201, None), tag=B),
    Route("GET",  MUNICIPALITY + "/needs",                  assignments.list_needs,            CASE_WORKERS, READ,
          "Kommunens behov (beslut), personnummer maskerat", query=NeedQuery, answer=(200, Page), tag=B),
    Route("GET",  NEED,                                     assignments.get_need,              CASE_WORKERS, READ,
          "Ett behov med klient och uppdrag (skyddad identitet: ort bara för ansvarig handläggare)", tag=B),
    Route("POST", NEED + "/close",                          assignments.close_need,            CASE_WORKERS, CHANGE,
          "Behovet avslutat", body=CloseClientNeedBody, tag=B),
    Route("GET",  NEED + "/candidates",                     assignments.need_candidates,       CASE_WORKERS, READ,
          "Matchning: kandidater ur poolen, rangordnade, med skälen", query=CandidatesQuery, tag=B),
    Route("POST", "/api/v1/offers",                         assignments.make_offer,            CASE_WORKERS, CHANGE,
          "Uppdrag erbjudet en kontaktperson eller kontaktfamilj", body=OfferAssignmentBody,
          answer=(201, None), tag=B),
    Route("GET",  MUNICIPALITY + "/assignments",            assignments.list_assignments,      CASE_WORKERS, READ,
          "Kommunens uppdrag (sammanfattningar)", query=AssignmentQuery, answer=(200, Items), tag=B),
    Route("GET",  ASSIGNMENT,                               assignments.get_assignment,        CASE_WORKERS, READ,
          "Ett uppdrag: genomförandeplan, träffar med anteckningar, händelser", tag=B),
    Route("POST", ASSIGNMENT + "/start",                    assignments.start_assignment,      CASE_WORKERS, CHANGE,
          "Uppdraget påbörjat med genomförandeplan (arvode och omkostnadsersättning)",
          body=StartAssignmentBody, tag=B),
    Route("POST", ASSIGNMENT + "/plan-revisions",           assignments.revise_plan,           CASE_WORKERS, CHANGE,
          "Genomförandeplanen reviderad för ett pågående uppdrag, från en månads första dag",
          body=ReviseAssignmentPlanBody, tag=B),
    Route("POST", ASSIGNMENT + "/supervision",              assignments.record_supervision,    CASE_WORKERS, CHANGE,
          "Handledning eller uppföljning", body=RecordSupervisionBody, tag=B),
    Route("POST", ASSIGNMENT + "/interrupt",                assignments.interrupt_assignment,  CASE_WORKERS, CHANGE,
          "Uppdraget avbrutet", body=InterruptAssignmentBody, tag=B),
    Route("POST", ASSIGNMENT + "/resume",                   assignments.resume_assignment,     CASE_WORKERS, CHANGE,
          "Uppdraget återupptaget", body=ResumeAssignmentBody, tag=B),
    Route("POST", ASSIGNMENT + "/end",                      assignments.end_assignment,        CASE_WORKERS, CHANGE,
          "Uppdraget avslutat (eller erbjudandet återtaget), med skäl", body=EndAssignmentBody, tag=B),
    Route("POST", ASSIGNMENT + "/deviations",               assignments.report_deviation,      CASE_WORKERS, CHANGE,
          "Avvikelse: planen fungerar inte", body=ReportDeviationBody, tag=B),
    Route("GET",  MUNICIPALITY + "/worklist",               assignments.case_worker_worklist,  CASE_WORKERS, READ,
          "Handläggarnas arbetslista: avvikelser, flaggor, begärda avslut, uppföljningar",
          query=CaseWorkerWorklistQuery, answer=(200, Items), tag=B),
    Route("GET",  MUNICIPALITY + "/ivo",                    assignments.ivo_report,            IVO_READERS,  READ,
          "Ej verkställda beslut att rapportera till IVO", answer=(200, Items), tag=B),
    Route("GET",  MUNICIPALITY + "/ivo.csv",                assignments.ivo_csv,               IVO_READERS,  READ,
          "Ej verkställda beslut att rapportera till IVO (CSV)", media="text/csv", tag=B),

    # --- mina uppdrag (uppdragstagare) -----------------------------------------------------------------------------
    Route("GET",  "/api/v1/me/offers",                      assignments.my_offers,             VOLUNTEERS,   READ,
          "Mina erbjudanden (klienten avidentifierad)", answer=(200, Items), tag=M),
    Route("POST", MY_OFFER + "/accept",                     assignments.accept_offer,          VOLUNTEERS,   CHANGE,
          "Jag tackar ja till uppdraget", tag=M),
    Route("POST", MY_OFFER + "/decline",                    assignments.decline_offer,         VOLUNTEERS,   CHANGE,
          "Jag tackar nej (skäl frivilligt)", body=DeclineOfferBody, tag=M),
    Route("GET",  "/api/v1/me/assignments",                 assignments.my_assignments,        VOLUNTEERS,   READ,
          "Mina uppdrag", answer=(200, Items), tag=M),
    Route("GET",  MY_ASSIGNMENT,                            assignments.my_assignment,         VOLUNTEERS,   READ,
          "Ett av mina uppdrag: planen och mina träffar", tag=M),
    Route("POST", MY_ASSIGNMENT + "/meetings",              assignments.log_meeting,           VOLUNTEERS,   CHANGE,
          "Träff loggad (timmar eller dygn, utlägg i öre)", body=LogMeetingBody, tag=M),
    Route("PUT",  MY_ASSIGNMENT + "/meetings/{meeting_id}", assignments.correct_meeting,       VOLUNTEERS,   CHANGE,
          "Träff rättad (hela träffen som den borde ha varit, med skäl)", body=CorrectMeetingBody, tag=M),
    Route("POST", MY_ASSIGNMENT + "/deviations",            assignments.report_my_deviation,   VOLUNTEERS,   CHANGE,
          "Avvikelse: planen fungerar inte", body=ReportDeviationBody, tag=M),
    Route("POST", MY_ASSIGNMENT + "/end-request",           assignments.request_end,           VOLUNTEERS,   CHANGE,
          "Jag vill avsluta uppdraget", body=RequestEndBody, tag=M),
    Route("GET",  "/api/v1/me/payments",                    payments.my_payments,              VOLUNTEERS,   READ,
          "Mina utbetalningar: arvode, omkostnadsersättning och närvarorapporter som väntar", tag=M),

    # --- ersättning och utbetalning ----------------------------------------------------------------------------------
    Route("GET",  MUNICIPALITY + "/rates",                  payments.rates,                    RATE_READERS, None,
          "Ersättningsnivåer (arvode, omkostnadsersättning) som gäller, och ändringarna", tag=U),
    Route("POST", MUNICIPALITY + "/rates",                  payments.publish_rates,            ADMINS,       CHANGE,
          "Ändrade ersättningsnivåer från ett datum, med skäl", body=PublishRatesBody,
          answer=(201, None), tag=U),
    Route("GET",  ASSIGNMENT + "/reports/{month}",          payments.assignment_report,        REPORT_READERS, READ,
          "Närvarorapport för en månad", tag=U),
    Route("POST", ASSIGNMENT + "/reports",                  payments.approve_report,           CASE_WORKERS, CHANGE,
          "Närvarorapport godkänd av ansvarig handläggare", body=ApproveReportRequest, tag=U),
    Route("GET",  ASSIGNMENT + "/decisions",                payments.decisions,                DECISION_READERS, READ,
          "Individuella beslut: förhöjt arvode och omkostnadsersättning över SKR:s nivå", tag=U),
    Route("POST", ASSIGNMENT + "/decisions/arvode-level",   payments.decide_arvode_level,      DECIDERS,     CHANGE,
          "Beslut om förhöjt arvode (belopp per dygn eller månad, period, underlag)",
          body=DecideArvodeLevelBody, answer=(201, None), tag=U),
    Route("POST", ASSIGNMENT + "/decisions/omkostnad-excess", payments.approve_omkostnad_excess, DECIDERS,   CHANGE,
          "Beslut: omkostnadsersättning över SKR:s nivå prövad individuellt (med underlag)",
          body=ApproveOmkostnadExcessBody, answer=(201, None), tag=U),
    Route("GET",  MUNICIPALITY + "/reports",                payments.pending_reports,          PENDING_READERS, READ,
          "Närvarorapporter som väntar på godkännande", query=PendingReportsQuery, answer=(200, Items), tag=U),
    Route("GET",  MUNICIPALITY + "/payment-runs",           payments.payment_runs,             RUN_READERS,  None,
          "Utbetalningar (körningar) per månad", answer=(200, Items), tag=U),
    Route("GET",  RUN,                                      payments.payment_run,              RUN_READERS,  None,
          "En utbetalning: status och faser", tag=U),
    Route("POST", RUN + "/prepare",                         payments.prepare_payment_run,      FINANCE_ONLY, CHANGE,
          "Förbered utbetalningen: arvode och omkostnadsersättning beräknas (svarar 202; följ statusen)",
          answer=(202, None), tag=U),
    Route("POST", RUN + "/approve",                         payments.approve_payment_run,      FINANCE_ONLY, CHANGE,
          "Attestera utbetalningen (en annan person än den som förberedde)", body=ApprovePaymentRunBody,
          tag=U),
    Route("GET",  RUN + "/payroll.csv",                     payments.payroll_csv,              FINANCE_ONLY, READ,
          "Lönefil för utbetalningen (CSV; arvode och omkostnadsersättning var för sig)", media="text/csv", tag=U),
    Route("GET",  RUN + "/agi.csv",                         payments.agi_csv,                  FINANCE_ONLY, READ,
          "Arbetsgivardeklaration på individnivå: fält för fält (CSV, en rad per person och ruta)",
          media="text/csv", tag=U),
    Route("GET",  RUN + "/summary.csv",                     payments.summary_csv,              RUN_READERS,  READ,
          "Sammanställning per uppdrag (CSV)", media="text/csv", tag=U),
    Route("PUT",  TAX_DETAILS,                              payments.set_tax_details,          FINANCE_ONLY, CHANGE,
          "Skatteuppgifter och bankkonto för arvode (ändring av betalningsuppgifter)", body=SetTaxDetailsBody, tag=U),
    Route("GET",  TAX_DETAILS,                              payments.get_tax_details,          FINANCE_ONLY, READ,
          "Skatteuppgifter och bankkonto (maskerade)", query=TaxDetailsQuery, tag=U),

    Route("GET",  "/api/v1/audit",                          audit_log.audit_log,               AUDITORS,     READ,
          "Logguppföljning: vem läste eller ändrade vems personuppgifter", query=AuditQuery,
          answer=(200, AuditPage), tag="Logguppföljning"),
    Route("GET",  "/health",                                operations.health,                 ANYONE,       None,
          "Databas och meddelandekö nåbara", answer=(200, Health),
          errors=(("503", "the database or the broker does not answer"),), tag=D, pooled=False),
    Route("GET",  "/metrics",                               operations.prometheus_metrics,     ANYONE,       None,
          "Prometheus-mätvärden", documented=False, tag=D),
    Route("GET",  "/openapi.json",                          operations.openapi_document,       ANYONE,       None,
          "Detta dokument (OpenAPI 3)", tag=D),
    Route("GET",  "/docs",                                  operations.docs_page,              ANYONE,       None,
          "API-dokumentation som webbsida", documented=False, tag=D),
    Route("GET",  "/docs/{asset}",                          operations.docs_asset,             ANYONE,       None,
          "Dokumentationsvisarens filer (Swagger UI, från gatewayen själv)", documented=False, tag=D),
)


class RateLimits(DependencyProvider):
    """The public form's token buckets, one per client address, for this process."""

    def setup(self):
        self.buckets = TokenBuckets(burst=env_int("GATEWAY_INTEREST_BURST", 5),
                                    per_minute=env_float("GATEWAY_INTEREST_PER_MINUTE", 10.0))

    def get_dependency(self, worker_ctx):
        return self.buckets


class ServiceCalls(RpcProxy):
    """nameko's RpcProxy, made when first used (a request uses one or two of the gateway's eight, and making all
    eight for every request showed in its profile), with a deadline on every call (gateway/deadlines.py): after
    GATEWAY_RPC_TIMEOUT seconds the call is a 503 and its request expires on the broker."""

    answering = Answering()

    def setup(self):
        super().setup()
        self.timeout = rpc_timeout()
        self.options["expiration"] = self.timeout  # the message's TTL: nobody acts on it after its caller gave up

    def get_dependency(self, worker_ctx):
        return Deadlined(lambda: super(ServiceCalls, self).get_dependency(worker_ctx), self.target_service,
                         self.answering, self.timeout)


class GatewayDatabase(DependencyProvider):
    """`.connection()` to the gateway's own database (audit log, idempotency keys), as the writer role, which may
    not alter the audit log (gateway/database.py). The database is migrated before the gateway starts, by its
    owner (`python -m deploy.local.prepare`), never by the gateway."""

    def setup(self):
        assert_cooperative_wait()
        url = writer_url()
        with connect(url, connect_timeout=10) as conn:  # a clear refusal now, not a pool's timeout later
            check_writer(conn)
        self.pool = make_pool(url, max_size=env_int("GATEWAY_DB_POOL", 10), name="gateway")

    def connection(self):
        return self.pool.connection()

    def stop(self):
        self.pool.close()

    def kill(self):
        self.pool.close()

    def get_dependency(self, worker_ctx):
        return self


class AuditWriterProvider(DependencyProvider):
    """The audit rows of reads, written together with those of concurrent requests (audit_writer.py), over
    autocommit connections: one statement, one round trip, committed alone; as the writer role."""

    def setup(self):
        self.pool = make_pool(writer_url(), max_size=env_int("GATEWAY_AUDIT_POOL", 4),
                              name="gateway-audit", autocommit=True)
        self.writer = GroupAuditWriter(self.pool)

    def stop(self):
        self.pool.close()

    def kill(self):
        self.pool.close()

    def get_dependency(self, worker_ctx):
        return self.writer


class ReadCacheProvider(DependencyProvider):
    """This process's cache of recent applicant reads (gateway/cache.py); GATEWAY_CACHE_SECONDS=0 turns it off."""

    def setup(self):
        self.cache = ReadCache(ttl=env_float("GATEWAY_CACHE_SECONDS", 5.0), observe=metrics.read_cache)

    def get_dependency(self, worker_ctx):
        return self.cache


def _forgets_what_events_name(source: str):
    """A handler for every event of `source` that drops the cached reads of the applicants it names. A queue of
    this process's own (BROADCAST), gone with it: what it missed meanwhile, the cache's expiry covers."""

    def forget(self, body):
        if isinstance(body, dict):
            self.read_cache.drop(ids_in([body.get("stream_id"), body.get("data")]))

    forget.__name__ = f"forget_reads_named_by_{source}"
    return event_handler(source, ALL_EVENTS, handler_type=BROADCAST, reliable_delivery=False)(forget)


class GatewayService:
    name = "gateway"
    routes = ROUTES

    db = GatewayDatabase()
    audit_writer = AuditWriterProvider()
    config = Config()
    act_as = CallerContext()
    rate_limits = RateLimits()
    # Commands publish with confirms (a call to a service whose queue was never declared fails at once:
    # UnknownService); reads without (one round trip less per request; a lost one is the deadline's 503).
    # web.Call picks.
    applicants = ServiceCalls("applicants")
    applicants_reads = ServiceCalls("applicants", use_confirms=False)
    registry_checks = ServiceCalls("registry_checks")
    registry_checks_reads = ServiceCalls("registry_checks", use_confirms=False)
    assignments = ServiceCalls("assignments")
    assignments_reads = ServiceCalls("assignments", use_confirms=False)
    payments = ServiceCalls("payments")
    payments_reads = ServiceCalls("payments", use_confirms=False)

    read_cache = ReadCacheProvider()
    forget_reads_named_by_applicants = _forgets_what_events_name("applicants")
    forget_reads_named_by_registry_checks = _forgets_what_events_name("registry_checks")
    forget_reads_named_by_assignments = _forgets_what_events_name("assignments")

    @timer(interval=env_float("GATEWAY_IDEMPOTENCY_PURGE_INTERVAL", 600.0))
    def purge_expired_idempotency_keys(self):
        with self.db.connection() as conn:
            idempotency.purge_expired(conn)


def _entrypoint(route: Route):
    def method(self, request, **values):
        return serve(self, route, request, values)
    method.__name__ = method.__qualname__ = route.endpoint
    method.__doc__ = route.summary
    return route_entrypoint(route.method, route.werkzeug_path, pooled=route.pooled)(method)


for _route in ROUTES:
    assert not hasattr(GatewayService, _route.endpoint), f"two routes named {_route.endpoint}"
    setattr(GatewayService, _route.endpoint, _entrypoint(_route))
