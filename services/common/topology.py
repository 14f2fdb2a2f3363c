"""RabbitMQ topology: every service's events exchange and every consumer's durable queue, declared before any
relay publishes.

nameko publishes with mandatory=False and a relay does too: a message routed to no queue is dropped silently. So the
queues exist from the start, with exactly the names and arguments nameko's `event_handler` will declare again
(a differing declaration would fail), bound with `#` because a consumer must see every version of the streams it
follows (see inbox.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kombu import Connection, Exchange, Queue

ALL_EVENTS = "#"


def events_exchange(service: str) -> Exchange:
    # nameko.standalone.events.get_event_exchange, with the defaults nameko uses
    return Exchange(f"{service}.events", type="topic", durable=True, delivery_mode=2, auto_delete=False)


@dataclass(frozen=True)
class Subscription:
    """`service.method` consumes every event of `source`."""

    source: str
    service: str
    method: str

    @property
    def queue_name(self) -> str:
        # nameko's SERVICE_POOL naming: evt-<source>-<event type>--<service>.<method>
        return f"evt-{self.source}-{ALL_EVENTS}--{self.service}.{self.method}"

    def queue(self) -> Queue:
        return Queue(self.queue_name, exchange=events_exchange(self.source), routing_key=ALL_EVENTS,
                     durable=True, auto_delete=False, exclusive=False)


def declare_exchange(connection: Connection, service: str) -> None:
    events_exchange(service)(connection.default_channel).declare()


def declare(amqp_uri: str, publishers: Iterable[str], subscriptions: Iterable[Subscription]) -> None:
    """Declare the exchanges of `publishers` and the queue of every subscription (idempotent)."""
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.default_channel
        for service in publishers:
            events_exchange(service)(channel).declare()
        for subscription in subscriptions:
            events_exchange(subscription.source)(channel).declare()
            subscription.queue()(channel).declare()
