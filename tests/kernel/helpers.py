"""Small helpers the kernel's tests share: running a relay or a nameko container for the length of a block."""
from __future__ import annotations

import contextlib
import json
import time

import eventlet
from kombu import Connection, Producer

from services.common.relay import Relay
from services.common.signing import EVENT_SIGNATURE_HEADER, event_signature
from services.common.topology import events_exchange


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        eventlet.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message() if callable(message) else message}")


@contextlib.contextmanager
def running_relay(service: str, **kwargs):
    relay = Relay(service, poll_interval=kwargs.pop("poll_interval", 0.2), **kwargs)
    thread = eventlet.spawn(relay.run)
    try:
        yield relay
    finally:
        relay.stop()
        thread.wait()


@contextlib.contextmanager
def running_service(service_cls, amqp_uri: str):
    from nameko.containers import ServiceContainer

    container = ServiceContainer(service_cls, config={"AMQP_URI": amqp_uri})
    container.start()
    try:
        yield container
    finally:
        container.stop()


def publish_as_relay(amqp_uri: str, source: str, *envelopes: dict, signed: bool = True,
                     signature: str | None = None) -> None:
    """What `source`'s relay publishes: each envelope on `<source>.events`, routed by its event type, signed as the
    relay signs it; `signed=False` publishes it without a signature, `signature` with a forger's."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel, exchange=events_exchange(source))
        for envelope in envelopes:
            body = json.dumps(envelope).encode("utf-8")
            headers = {}
            if signature is not None:
                headers[EVENT_SIGNATURE_HEADER] = signature
            elif signed:
                headers[EVENT_SIGNATURE_HEADER] = event_signature(source, body)
            producer.publish(body, routing_key=envelope["event_type"], content_type="application/json",
                             content_encoding="utf-8", headers=headers, delivery_mode=2)


def drain_queue(amqp_uri: str, queue_name: str, expected: int, timeout: float = 30.0) -> list[dict]:
    """Take `expected` messages off a queue (acking them) and return their bodies in delivery order."""
    bodies = []
    with Connection(amqp_uri) as connection:
        queue = connection.SimpleQueue(queue_name, no_ack=False)
        deadline = time.monotonic() + timeout
        while len(bodies) < expected and time.monotonic() < deadline:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                continue
            bodies.append(message.payload)
            message.ack()
        queue.close()
    return bodies
