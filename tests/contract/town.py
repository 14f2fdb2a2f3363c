"""The four services in this process, each over a database of its own, and the broker played in between.

RPC methods are called as nameko calls them (nameko's `worker_factory` gives each call the service's kernel and
the caller the gateway vouches for), and `deliver` does what the relays and RabbitMQ do: it hands every event a
service published, in the order published, to the inbox of each service that follows it. So a service learns of
the others only through their published events, as in production.
"""
from __future__ import annotations

import importlib
from dataclasses import replace

from nameko.testing.services import worker_factory

from services.common.db import make_pool
from services.common.kernel import Kernel, ServiceSpec, load_spec
from services.common.roles import Caller
from tests.infrastructure import prepare_database

SERVICES = ("applicants", "registry_checks", "assignments", "payments")


def service_class(service: str) -> type:
    """The nameko service class of services/<service>/service.py: the class there named `service`."""
    module = importlib.import_module(f"services.{service}.service")
    [found] = [value for value in vars(module).values()
               if isinstance(value, type) and value.__module__ == module.__name__ and getattr(value, "name", None)
               == service]
    return found


class Town:
    def __init__(self):
        # Databases of their own (contract_<service>), not those of the integration tests in the same run.
        self.specs: dict[str, ServiceSpec] = {
            service: replace(load_spec(service), name=f"contract_{service}") for service in SERVICES}
        self.kernels: dict[str, Kernel] = {}
        for service, spec in self.specs.items():
            pool = make_pool(prepare_database(spec), max_size=4)
            self.kernels[service] = Kernel(spec, pool, retry_backoff=())
        self.delivered = {service: 0 for service in SERVICES}  # the last outbox row handed on, per publisher

    def as_(self, service: str, caller: dict):
        """`service` as one RPC worker sees it, called by `caller` (the gateway's vouched identity)."""
        return worker_factory(service_class(service), kernel=self.kernels[service], caller=Caller(caller))

    def deliver(self) -> None:
        """Every event published and not yet delivered, to its followers, until nothing new is published (a
        reaction to one event may publish more)."""
        while any([self._deliver_from(publisher) for publisher in SERVICES]):
            pass

    def _deliver_from(self, publisher: str) -> bool:
        with self.kernels[publisher].connection() as conn:
            rows = conn.execute("SELECT id, body FROM outbox WHERE id > %s ORDER BY id",
                                (self.delivered[publisher],)).fetchall()
        if not rows:
            return False
        self.delivered[publisher] = rows[-1][0]
        for follower, spec in self.specs.items():
            if publisher in spec.sources:
                outcomes = self.kernels[follower].receive_batch([body for _, body in rows], publisher)
                refused = [outcome.status for outcome in outcomes if outcome.status != "applied"]
                assert not refused, f"{follower} did not apply {publisher}'s events: {refused}"
        return True

    def close(self) -> None:
        for kernel in self.kernels.values():
            kernel.pool.close()
