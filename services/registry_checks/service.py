"""registry_checks under nameko: RPC for the gateway, the applicants' events through the inbox, signed results
from the register services on `registry_checks.inbound`, and the hourly expiry. Wiring only: what each entry
point does is in spec.py, the read side in projection.py.

Run as `nameko run --config ... services.registry_checks.service` (AMQP_URI and the database from the environment).

RPC (every method reports refusals as ServiceProblem; the caller comes from nameko context data `kontakt_caller`):

    checks_for_applicant(applicant_id) -> [check]       recruiter or admin of the applicant's kommun; the id as
                                                        "<uuid>" or "applicant-<uuid>"; [] when it has no checks
    record_manual_result(check_id, body) -> check       recruiter; body: ManualResultSchema (outcome, completed_on,
                                                        register_reference, valid_until, summary); the recruiter
                                                        is recorded as entered_by; check id "<uuid>" or "check-<uuid>"
    renew_check(check_id) -> check                      recruiter; a new extract for a check that has ended
    worklist(municipality=None) -> [check]              recruiter; clear results ending within 60 days, soonest
                                                        first; None: every municipality of the caller
    list_refused_results(limit=100, register=None, reason_code=None, since=None) -> [refused]
                                                        admin; newest first; since: ISO date-time with offset
    expire_due(today=None) -> int                       admin (today: ISO date, not later than today) or system
    health() -> {service, status, database, outbox, dead_letters, pending_checks, refused_results_last_day,
                 registers_with_keys, dev_keys}

    check: {check_id, stream_id, applicant_id, register, register_name, municipality, roles, state (pending |
            completed | expired | cancelled), validity_months, outcome (clear | remarks | not_found | null),
            valid_until, clear_until (last day a clear result in force holds, else null), register_reference, summary,
            source (register | manual), entered_by, requested_at, completed_at, expired_on, cancelled_at,
            cancel_reason, updated_at, version}           dates and times as ISO 8601 text
    refused: {id, received_at, reason_code, message, fields, register, check_id, municipality, routing_key,
              headers, raw_body (text)}
"""
from __future__ import annotations

import functools
import logging
from datetime import date, datetime

import eventlet
from nameko.messaging import Consumer, QueueConsumer
from nameko.rpc import rpc
from nameko.timer import timer

from services.common import config
from services.common.adapters import (CallerProvider, KernelProvider, ServiceProblem, inbox_receiver,
                                      reports_problems)

from . import projection, spec
from .spec import SPEC

log = logging.getLogger("kontakt.registry_checks")

CHECK_READERS = ("recruiter", "admin")
RECRUITER = "recruiter"
ADMIN = "admin"
EXPIRY_INTERVAL = config.env_float("REGISTRY_CHECKS_EXPIRY_INTERVAL", 3600.0)
REFUSED_LIMIT_MAX = 1000

# Bad configuration stops the service at start, not at its first event (ValueError / ValidationError).
spec.register_keys()
spec.check_decider()


# --- the inbound consumer -----------------------------------------------------------------------------------
# nameko's `consume` hands the worker the decoded body only; a signature is over the bytes sent, which re-encoding
# the JSON would not reproduce. So this is nameko's Consumer handing over the raw body, the headers and the
# routing key; and its queue consumer passes a message kombu cannot decode (no JSON, a content type it does not
# accept) to the handler too, to be refused and kept, where nameko's would crash its consumer loop on it.

class _InboundQueueConsumer(QueueConsumer):
    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = functools.partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, error):
        self.handle_message(provider, None, message)


class RawConsumer(Consumer):
    """`@consume_raw(queue, requeue_on_error=True)`: the method gets (raw_body, headers, routing_key); the message
    is acked when it returns and requeued when it raises."""

    queue_consumer = _InboundQueueConsumer()

    def handle_message(self, body, message):
        args = (message.body, dict(message.headers or {}), message.delivery_info.get("routing_key"))
        context_data = self.unpack_message_headers(message)
        handle_result = functools.partial(self.handle_result, message)
        try:
            self.container.spawn_worker(self, args, {}, context_data=context_data, handle_result=handle_result)
        except Exception:  # ContainerBeingKilled: give it back
            self.queue_consumer.requeue_message(message)


consume_raw = RawConsumer.decorator


class RegistryChecksService:
    name = spec.SERVICE

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()

    receive_applicants_events = inbox_receiver("applicants")

    @consume_raw(spec.inbound_queue(), requeue_on_error=True)
    def receive_inbound_result(self, raw_body, headers, routing_key):
        try:
            spec.receive_result(self.kernel, raw_body, headers, routing_key=routing_key)
        except Exception:
            # Only the database can fail here (assessing never raises): back to the queue, after a pause so
            # that an outage is not a busy loop.
            log.exception("could not store an inbound result; it goes back to the queue")
            eventlet.sleep(1.0)
            raise

    @timer(interval=EXPIRY_INTERVAL)
    def expire_due_periodically(self):
        expired = spec.expire_due(self.kernel)
        if expired:
            log.info("expired %d check(s)", expired)

    # --- RPC ----------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def checks_for_applicant(self, applicant_id):
        with self.kernel.connection() as conn:
            checks = projection.checks_of_applicant(conn, spec.normalise_applicant_id(applicant_id))
        for municipality in {check["municipality"] for check in checks}:
            self.caller.require(municipality, *CHECK_READERS)
        return checks

    @rpc
    @reports_problems
    def record_manual_result(self, check_id, body):
        check = spec.find_check(self.kernel, check_id)
        self.caller.require(check["municipality"], RECRUITER)
        if not self.caller.actor:
            raise ServiceProblem("forbidden", "a manual result needs a person who entered it")
        return spec.record_manual_result(self.kernel, check["check_id"], body, municipality=check["municipality"],
                                         by=self.caller.actor)

    @rpc
    @reports_problems
    def renew_check(self, check_id):
        check = spec.find_check(self.kernel, check_id)
        self.caller.require(check["municipality"], RECRUITER)
        return spec.renew_check(self.kernel, check["check_id"], municipality=check["municipality"],
                                by=self.caller.actor or spec.ACTOR)

    @rpc
    @reports_problems
    def worklist(self, municipality=None):
        if municipality is not None:
            self.caller.require(municipality, RECRUITER)
            municipalities = [municipality]
        elif self.caller.system:
            municipalities = None
        else:
            if RECRUITER not in self.caller.roles:
                raise ServiceProblem("forbidden", "your role may not do this")
            municipalities = sorted(self.caller.municipalities)
        with self.kernel.connection() as conn:
            return projection.worklist(conn, spec.today_in_sweden(), municipalities)

    @rpc
    @reports_problems
    def list_refused_results(self, limit=100, register=None, reason_code=None, since=None):
        if not (self.caller.system or ADMIN in self.caller.roles):
            raise ServiceProblem("forbidden", "your role may not do this")
        problems = []
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= REFUSED_LIMIT_MAX:
            problems.append({"message": f"limit must be a whole number from 1 to {REFUSED_LIMIT_MAX}",
                             "field": "limit", "code": "invalid"})
        since_at = None
        if since is not None:
            try:
                since_at = datetime.fromisoformat(str(since))
                if since_at.tzinfo is None:
                    raise ValueError
            except ValueError:
                problems.append({"message": "since must be an ISO 8601 date and time with an offset",
                                 "field": "since", "code": "invalid"})
        if problems:
            raise ServiceProblem("invalid", "the request has invalid fields", problems)
        municipalities = None if self.caller.system else sorted(self.caller.municipalities)
        with self.kernel.connection() as conn:
            return projection.refused_results(conn, limit=limit, municipalities=municipalities, register=register,
                                              reason_code=reason_code, since=since_at)

    @rpc
    @reports_problems
    def expire_due(self, today=None):
        if not (self.caller.system or ADMIN in self.caller.roles):
            raise ServiceProblem("forbidden", "your role may not do this")
        real_today = spec.today_in_sweden()
        day = real_today
        if today is not None:
            try:
                day = date.fromisoformat(str(today))
            except ValueError:
                raise ServiceProblem("invalid", "the request has invalid fields", [
                    {"message": "today must be an ISO 8601 date", "field": "today", "code": "invalid"}])
            # A later day would expire results that are still valid: only the system (tests, operations) may.
            if day > real_today and not self.caller.system:
                raise ServiceProblem("invalid", "the request has invalid fields", [
                    {"message": "today may not be later than today", "field": "today", "code": "invalid"}])
        return spec.expire_due(self.kernel, day, actor=self.caller.actor or spec.ACTOR)

    @rpc
    def health(self):
        with self.kernel.connection() as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM dead_letters), "
                "       (SELECT count(*) FROM checks WHERE state = 'pending'), "
                "       (SELECT count(*) FROM refused_results WHERE received_at > now() - interval '1 day')"
            ).fetchone()
        return {"service": spec.SERVICE, "status": "ok", "database": "ok", "outbox": row[0], "dead_letters": row[1],
                "pending_checks": row[2], "refused_results_last_day": row[3],
                "registers_with_keys": sorted(spec.register_keys()), "dev_keys": spec.uses_dev_keys()}
