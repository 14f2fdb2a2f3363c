"""The inbound exchange the register services publish their signed results to, and the one queue we read them from
(docs/register-contract.md). Kontakt declares both: a register's broker user may not declare anything."""
from __future__ import annotations

from kombu import Connection, Exchange, Queue

INBOUND_EXCHANGE = "registry_checks.inbound"
INBOUND_QUEUE = "registry_checks.inbound"


def inbound_exchange() -> Exchange:
    # Topic: the routing key is the register id; one queue takes every register's results.
    return Exchange(INBOUND_EXCHANGE, type="topic", durable=True, auto_delete=False, delivery_mode=2)


def inbound_queue() -> Queue:
    return Queue(INBOUND_QUEUE, exchange=inbound_exchange(), routing_key="#", durable=True, auto_delete=False,
                 exclusive=False)


def declare_inbound(amqp_uri: str) -> None:
    """Declare the inbound exchange and its queue (idempotent): a result published before the queue is bound would
    be lost."""
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.default_channel
        inbound_exchange()(channel).declare()
        inbound_queue()(channel).declare()
