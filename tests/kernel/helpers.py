"""Small helpers the kernel's tests share: running a relay or a nameko container for the length of a block."""
from __future__ import annotations

import contextlib
import time

import eventlet
from kombu import Connection

from services.common.relay import Relay


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
