"""registry_checks under nameko: RPC for the gateway, the applicants' events through the inbox, signed results
from the register services on `registry_checks.inbound`, and the hourly expiry. Wiring only: what each entry
point does is in app/, the read side in projection.py.

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
    resolve_conflict(check_id, body) -> check           recruiter; body: ResolveConflictSchema (reason): a
                                                        keyed-in result the register's answer contradicted
    list_refused_results(municipality=None, page=1, page_size=50, register=None, reason_code=None, since=None)
        -> {items: [refused], total, page, page_size}   admin; those of checks of the admin's municipalities
                                                        (or the one named), newest first; since: ISO date-time
                                                        with offset. Those of no known check: operators only,
                                                        python -m services.registry_checks.refused
    expire_due(today=None) -> int                       admin (today: ISO date, not later than today) or system
    health() -> {service, status, database, outbox, dead_letters, pending_checks, refused_results_last_day,
                 registers_with_keys, dev_keys}

    check: {check_id, stream_id, applicant_id, register, register_name, municipality, roles, state (pending |
            completed | expired | cancelled), validity_months, outcome (clear | remarks | not_found | null),
            valid_until, clear_until (last day a clear result in force holds, else null), register_reference, summary,
            source (register | manual), entered_by, requested_at, completed_at, expired_on, cancelled_at,
            cancel_reason, conflict (null, or {state: open | resolved, keyed_in, register_outcome, register_reference,
            raised_at, resolved_at, resolved_by, reason}), updated_at, version}    dates and times as ISO 8601 text
    refused: {id, received_at, reason_code, message, fields, register, check_id, municipality}   (not the message's
             headers or body: those are for operators)
"""
from __future__ import annotations

import functools
import logging

import eventlet
from nameko.messaging import Consumer, QueueConsumer
from nameko.rpc import rpc
from nameko.timer import timer

from services.common import config
from services.common.adapters import CallerProvider, KernelProvider, inbox_receiver, reports_problems

from . import app, settings
from .spec import SERVICE, SPEC
from .topology import inbound_queue

log = logging.getLogger("kontakt.registry_checks")

EXPIRY_INTERVAL = config.env_float("REGISTRY_CHECKS_EXPIRY_INTERVAL", 3600.0)

# Bad configuration stops the service at start, not at its first event (ValueError / ValidationError).
settings.check_settings()


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
    name = SERVICE

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()

    receive_applicants_events = inbox_receiver("applicants")

    @consume_raw(inbound_queue(), requeue_on_error=True)
    def receive_inbound_result(self, raw_body, headers, routing_key):
        try:
            app.receive_result(self.kernel, raw_body, headers, routing_key=routing_key)
        except Exception:
            # Only the database can fail here (assessing never raises): back to the queue, after a pause so
            # that an outage is not a busy loop.
            log.exception("could not store an inbound result; it goes back to the queue")
            eventlet.sleep(1.0)
            raise

    @timer(interval=EXPIRY_INTERVAL)
    def expire_due_periodically(self):
        app.expire_due(self.kernel)

    # --- RPC ----------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def checks_for_applicant(self, applicant_id):
        return app.checks_for_applicant(self.kernel, self.caller, applicant_id)

    @rpc
    @reports_problems
    def record_manual_result(self, check_id, body):
        return app.record_manual_result(self.kernel, self.caller, check_id, body)

    @rpc
    @reports_problems
    def resolve_conflict(self, check_id, body):
        return app.resolve_conflict(self.kernel, self.caller, check_id, body)

    @rpc
    @reports_problems
    def renew_check(self, check_id):
        return app.renew_check(self.kernel, self.caller, check_id)

    @rpc
    @reports_problems
    def worklist(self, municipality=None):
        return app.worklist(self.kernel, self.caller, municipality)

    @rpc
    @reports_problems
    def list_refused_results(self, municipality=None, page=1, page_size=50, register=None, reason_code=None,
                             since=None):
        return app.list_refused_results(self.kernel, self.caller, municipality, page, page_size, register,
                                        reason_code, since)

    @rpc
    @reports_problems
    def expire_due(self, today=None):
        return app.expire_due_on_request(self.kernel, self.caller, today)

    @rpc
    @reports_problems
    def health(self):
        return app.health(self.kernel)
