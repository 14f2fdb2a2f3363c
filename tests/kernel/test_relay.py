"""The outbox relay: publishes committed events in order, with confirms, one active relay per service."""
from __future__ import annotations

import uuid

import eventlet

from services.common.store import EventStore
from services.common.topology import Subscription, declare
from tests.example import ledger
from tests.kernel.helpers import drain_queue, running_relay, wait_until


def outbox_size(kernel) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]


def subscribe(amqp_uri: str, source: str) -> str:
    subscription = Subscription(source, f"probe{uuid.uuid4().hex[:6]}", "receive")
    declare(amqp_uri, [source], [subscription])
    return subscription.queue_name


def test_the_relay_publishes_every_committed_event_in_stream_order_and_empties_the_outbox(
        kernel_for, service_name, amqp_uri):
    # given a consumer queue bound before anything is published, and 3 streams of 20 events each
    kernel = kernel_for(ledger.spec(service_name))
    queue = subscribe(amqp_uri, service_name)
    sids = [f"counter-{uuid.uuid4()}" for _ in range(3)]
    for round_ in range(20):
        for sid in sids:
            kernel.execute(ledger.counter, sid, ledger.Increment(round_ + 1))
    # when the relay runs
    with running_relay(service_name):
        wait_until(lambda: outbox_size(kernel) == 0, message="outbox drained")
    # then every event arrived once, as a nameko-compatible envelope, each stream in version order
    bodies = drain_queue(amqp_uri, queue, 60)
    assert len(bodies) == 60 and len({b["event_id"] for b in bodies}) == 60
    for sid in sids:
        assert [b["stream_version"] for b in bodies if b["stream_id"] == sid] == list(range(1, 21))
    assert {b["event_type"] for b in bodies} == {"Incremented"}


def test_an_event_committed_late_is_still_published(kernel_for, service_name, amqp_uri):
    # given writer A appended and holds its transaction open, and writer B appended after it and committed
    kernel = kernel_for(ledger.spec(service_name))
    queue = subscribe(amqp_uri, service_name)
    store = EventStore(service_name)
    conn_a = kernel.pool.getconn()
    try:
        conn_a.execute("BEGIN")
        store.append(conn_a, "counter-a", "counter", 0, [ledger.decide(0, ledger.Increment(1))[0]])
        kernel.execute(ledger.counter, "counter-b", ledger.Increment(2))
        with running_relay(service_name):
            # when the relay has run and published B
            first = drain_queue(amqp_uri, queue, 1)
            assert [b["stream_id"] for b in first] == ["counter-b"]
            # and then A commits
            conn_a.execute("COMMIT")
            # then A's event is published too
            second = drain_queue(amqp_uri, queue, 1)
    finally:
        kernel.pool.putconn(conn_a)
    assert [b["stream_id"] for b in second] == ["counter-a"]


def test_only_one_relay_is_active_and_a_standby_takes_over(kernel_for, service_name, amqp_uri):
    # given two relays for one service
    kernel = kernel_for(ledger.spec(service_name))
    queue = subscribe(amqp_uri, service_name)
    with running_relay(service_name) as first:
        wait_until(first.active.is_set, message="first relay active")
        with running_relay(service_name) as second:
            eventlet.sleep(0.5)
            # then only one holds the lock
            assert first.active.is_set() and not second.active.is_set()
            kernel.execute(ledger.counter, "counter-x", ledger.Increment(1))
            wait_until(lambda: outbox_size(kernel) == 0, message="published by the active relay")
            assert (first.published_total, second.published_total) == (1, 0)
            # when the active one stops, the standby takes over and publishes what comes next
            first.stop()
            wait_until(second.active.is_set, message="standby active")
            kernel.execute(ledger.counter, "counter-x", ledger.Increment(1))
            wait_until(lambda: outbox_size(kernel) == 0, message="published by the standby")
            assert second.published_total == 1
    assert [b["stream_version"] for b in drain_queue(amqp_uri, queue, 2)] == [1, 2]


def test_an_idle_relay_keeps_its_broker_connection(kernel_for, service_name, amqp_uri):
    # given a relay with a 2-second heartbeat and nothing to publish
    kernel = kernel_for(ledger.spec(service_name))
    queue = subscribe(amqp_uri, service_name)
    with running_relay(service_name, heartbeat=2) as relay:
        wait_until(relay.active.is_set, message="relay active")
        # when it idles for more than two heartbeat intervals
        eventlet.sleep(6)
        # then it has not taken the broker for dead, and still publishes at once
        assert relay.restarts == 0
        kernel.execute(ledger.counter, "counter-idle", ledger.Increment(1))
        wait_until(lambda: outbox_size(kernel) == 0, message="published after idling")
    assert len(drain_queue(amqp_uri, queue, 1)) == 1
