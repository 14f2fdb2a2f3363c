"""nameko at the edge: the dependency that gives a service worker its kernel, the inbox's event handler, and
what crosses RPC (the caller's identity in, refusals out).

Only service.py modules import this file; the kernel's other modules know nothing of nameko or eventlet.
"""
from __future__ import annotations

import functools
import logging
import os

import eventlet
import eventlet.event
import eventlet.queue
from marshmallow import ValidationError
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled, deserialize_to_instance
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer

from . import config, signing
from .decider import CommandRefused, NotFound
from .db import assert_cooperative_wait, make_pool, psycopg
from .inbox import RETRY_BACKOFF
from .kernel import Kernel, ServiceSpec, receiver_name
from .migrations import migrate
from .problems import ServiceProblem
from .signing import CALLER_KEY, CALLER_SIGNATURE_KEY, caller_from_context  # noqa: F401 (the keys: for the gateway)
from .store import ConcurrencyError
from .topology import ALL_EVENTS
from .validation import body_of, field_problems  # noqa: F401 (body_of: for the services' wiring)

log = logging.getLogger(__name__)


class KernelProvider(DependencyProvider):
    """Opens the service's connection pool when the container starts (migrating first) and closes it in stop():
    a pool closed from __del__ under eventlet raises at exit."""

    def __init__(self, spec: ServiceSpec, pool_size: int = 10):
        self.spec = spec
        self.pool_size = pool_size
        self.kernel: Kernel | None = None

    def setup(self):
        assert_cooperative_wait()
        signing.check_keys()  # every service verifies callers and events: no key, no start
        url = config.database_url(self.spec.name)
        migrate(url, self.spec.migrations)
        pool = make_pool(url, max_size=self.pool_size, name=self.spec.name)
        self.kernel = Kernel(self.spec, pool, retry_backoff=_backoff(), sleep=eventlet.sleep)

    def stop(self):
        if self.kernel is not None:
            self.kernel.pool.close()
            self.kernel = None

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.kernel


def _backoff() -> tuple[float, ...]:
    text = os.environ.get("INBOX_RETRY_BACKOFF")
    if text is None:
        return RETRY_BACKOFF
    return tuple(float(part) for part in text.split(",") if part)


# How many of a source's messages may be unacknowledged at once, and how many go into one transaction. The
# prefetch is larger than a batch so that the next batch arrives while one is being applied.
INBOX_PREFETCH = 200
INBOX_BATCH = 100
# How long a batch that is not full waits for more messages before it is applied: 20 ms of lag for fewer,
# larger transactions when events arrive at a steady rate (bench/README.md measures both).
INBOX_LINGER = float(os.environ.get("INBOX_LINGER_MS", "20")) / 1000


class _InboxQueueConsumer(QueueConsumer):
    """nameko's queue consumer (its own connection) with a prefetch of its own: nameko's takes the service's
    max_workers, and a batch needs more messages in flight than a service has workers."""

    @property
    def prefetch_count(self):
        return INBOX_PREFETCH

    def handle_message(self, provider, body, message):
        provider.handle_message(body, message)  # a put on the handler's queue: no thread of its own needed


_STOP = object()


class BatchEventHandler(EventHandler):
    """nameko's event handler, but it hands its method a list of message bodies: whatever has arrived, up to
    INBOX_BATCH, while the batch before was being handled. One batch at a time per handler, so batches of one
    source never take their streams' locks in different orders. The messages are acknowledged after the method
    returns; if it raises, they all go back to the queue.

    Only a message the source's relay signed (signing.event_signature over the body as it came, in the header
    `kontakt-signature`) goes to the inbox; any other is handed to the method as refused, with the reason, to be
    kept and never applied (docs/security.md)."""

    queue_consumer = _InboxQueueConsumer()

    def setup(self):
        super().setup()
        self._arrived = eventlet.queue.LightQueue()

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self._run_batches, identifier=f"{self.method_name}.batches")

    def stop(self):
        super().stop()  # no more deliveries
        self._arrived.put(_STOP)

    def handle_message(self, body, message):
        self._arrived.put((body, message, self._refusal(message)))

    def _refusal(self, message) -> str | None:
        """Why the message is not the source's relay's, or None when it is."""
        # py-amqp hands over the body decoded by its content_encoding; the relay sends UTF-8 and says so, so
        # encoding it back gives exactly the bytes it signed.
        raw = message.body.encode("utf-8") if isinstance(message.body, str) else message.body
        signature = (message.headers or {}).get(signing.EVENT_SIGNATURE_HEADER)
        if signature is None:
            return "unsigned"
        if not signing.event_is_signed(self.source_service, raw or b"", signature):
            return "bad_signature"
        return None

    def _run_batches(self):
        stopping = False
        while not stopping:
            first = self._arrived.get()
            if first is _STOP:
                return
            batch = [first]
            if self._arrived.qsize() < INBOX_BATCH - 1 and INBOX_LINGER > 0:
                eventlet.sleep(INBOX_LINGER)  # let a few more arrive: one commit then serves them all
            while len(batch) < INBOX_BATCH and not self._arrived.empty():
                item = self._arrived.get_nowait()
                if item is _STOP:  # nothing is delivered after it: handle what came before, then end
                    stopping = True
                    break
                batch.append(item)
            done = eventlet.event.Event()
            messages = [message for _, message, _ in batch]
            bodies = [body for body, _, refusal in batch if refusal is None]
            refused = [(message.body, body, refusal) for body, message, refusal in batch if refusal is not None]
            try:
                self.container.spawn_worker(self, (bodies, refused), {},
                                            handle_result=functools.partial(self._handled, messages, done))
            except ContainerBeingKilled:
                for message in messages:
                    self.queue_consumer.requeue_message(message)
                return
            done.wait()

    def _handled(self, messages, done, worker_ctx, result=None, exc_info=None):
        for message in messages:
            self.handle_message_processed(message, result, exc_info)
        done.send()
        return result, exc_info


def inbox_receiver(source: str, kernel_attribute: str = "kernel"):
    """A nameko event handler for every event of `source`, applied through the kernel's inbox in batches.

    nameko's own `event_handler` acks and drops a message whose handler raised. This one never raises for a
    broken event: the inbox retries it, then keeps it as a dead letter with its error. It raises only when even
    that fails (the database is unreachable), and then the messages are requeued, not dropped. A message that is
    not signed by the source's relay is kept as refused (Kernel.refuse) and never applied.

        class ApplicantsService:
            kernel = KernelProvider(SPEC)
            receive_registry_checks_events = inbox_receiver("registry_checks")
    """

    def receive(self, bodies, refused=()):
        try:
            kernel = getattr(self, kernel_attribute)
            if refused:
                log.warning("refused %d message(s) on %s.events not signed by its relay", len(refused), source)
                kernel.refuse(refused, source)
            if bodies:
                kernel.receive_batch(bodies, source)
        except Exception:
            eventlet.sleep(1)  # the database is down: requeue, but not in a tight loop
            raise

    receive.__name__ = receiver_name(source)
    return BatchEventHandler.decorator(source, ALL_EVENTS, requeue_on_error=True)(receive)


# --- what crosses nameko RPC -------------------------------------------------------------------------------

deserialize_to_instance(ServiceProblem)  # re-raised as itself in the caller, not as a RemoteError


def reports_problems(method):
    """Wrap an RPC method so that domain errors reach the caller as a ServiceProblem, never as a 500."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ValidationError as error:
            raise ServiceProblem("invalid", "the request has invalid fields", field_problems(error))
        except CommandRefused as refused:
            raise ServiceProblem("refused", "the command was refused", [
                {"message": p.message, "field": p.field, "code": p.code} for p in refused.problems])
        except NotFound:
            raise ServiceProblem("not_found", "no such resource")
        except ConcurrencyError as conflict:
            raise ServiceProblem("conflict", str(conflict))
        except psycopg.OperationalError:
            # The database is gone or too slow (no connection within KONTAKT_DB_POOL_TIMEOUT, a statement past
            # KONTAKT_DB_STATEMENT_TIMEOUT): the caller may retry later (503), it is no fault of the request.
            # The error's own text may quote a statement's values, so it does not travel.
            raise ServiceProblem("unavailable", "the service's database did not answer in time") from None

    return wrapper


class CallerProvider(DependencyProvider):
    """Injects the Caller the gateway put in nameko context data (`kontakt_caller`, a JSON string, signed in
    `kontakt_caller_signature`). An unsigned, forged or expired one is nobody: every check refuses them."""

    def setup(self):
        signing.check_keys()

    def get_dependency(self, worker_ctx):
        return caller_from_context(worker_ctx.data)
