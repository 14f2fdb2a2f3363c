"""nameko at the edge: the dependency that gives a service worker its kernel, and the inbox's event handler.

Only service.py modules import this file; the kernel's other modules know nothing of nameko or eventlet.
"""
from __future__ import annotations

import os

import eventlet
from nameko.events import event_handler
from nameko.extensions import DependencyProvider

from . import config
from .db import assert_cooperative_wait, make_pool
from .kernel import Kernel, ServiceSpec, receiver_name
from .migrations import migrate
from .topology import ALL_EVENTS


class KernelProvider(DependencyProvider):
    """Opens the service's connection pool when the container starts (migrating first) and closes it in stop():
    a pool closed from __del__ under eventlet raises at exit."""

    def __init__(self, spec: ServiceSpec, pool_size: int = 10):
        self.spec = spec
        self.pool_size = pool_size
        self.kernel: Kernel | None = None

    def setup(self):
        assert_cooperative_wait()
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
    text = os.environ.get("INBOX_RETRY_BACKOFF", "0.05,0.2,1.0")
    return tuple(float(part) for part in text.split(",") if part)


def inbox_receiver(source: str, kernel_attribute: str = "kernel"):
    """A nameko event handler for every event of `source`, applied through the kernel's inbox.

    nameko's own `event_handler` acks and drops a message whose handler raised. This one never raises for a
    broken event: the inbox retries it, then keeps it as a dead letter with its error. It raises only when even
    that fails (the database is unreachable), and then the message is requeued, not dropped.

        class ApplicantsService:
            kernel = KernelProvider(SPEC)
            receive_registry_checks_events = inbox_receiver("registry_checks")
    """

    def receive(self, body):
        getattr(self, kernel_attribute).receive(body, source)

    receive.__name__ = receiver_name(source)
    return event_handler(source, ALL_EVENTS, requeue_on_error=True)(receive)
