"""The kernel under nameko: the inbox receiver end to end through RabbitMQ, and database waits that yield."""
from __future__ import annotations

import time
import uuid

from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy

from services.common.adapters import KernelProvider
from services.common.inbox import list_dead_letters, replay_dead_letters
from services.common.kernel import ServiceSpec
from services.common.topology import declare
from tests.conftest import prepare_database
from tests.example import ledger, tally
from tests.kernel.helpers import running_relay, running_service, wait_until


def test_events_flow_from_one_service_to_another_and_a_poison_event_waits_as_a_dead_letter(
        kernel_for, amqp_uri, monkeypatch):
    suffix = uuid.uuid4().hex[:8]
    producer = kernel_for(ledger.spec(f"ledger{suffix}"))
    consumer_spec = tally.spec(f"tally{suffix}", source=producer.spec.name)
    consumer = kernel_for(consumer_spec)
    declare(amqp_uri, [producer.spec.name], consumer_spec.subscriptions)
    monkeypatch.setenv("INBOX_RETRY_BACKOFF", "0.01,0.01")
    monkeypatch.setitem(tally.POISON, "enabled", True)

    # given a tally service running under nameko and a relay for the ledger
    with running_service(tally.service_class(consumer_spec), amqp_uri), running_relay(producer.spec.name):
        # when the ledger appends 50 events on 5 streams, one of them poisoned
        poison_id = None
        for n in range(10):
            for s in range(5):
                poisoned = (s, n) == (3, 9)
                [event] = producer.execute(ledger.counter, f"counter-{s}", ledger.Increment(1, poison=poisoned))
                poison_id = event.event_id if poisoned else poison_id
        # then 49 are applied, and the poisoned one is a dead letter with its error
        wait_until(lambda: _count(consumer) == 49 and _dead(consumer), timeout=15,
                   message=lambda: f"49 applied and 1 dead letter, got {_count(consumer)} and {_dead(consumer)}")
    [letter] = _dead(consumer)
    assert letter.event_id == str(poison_id) and "poisoned increment" in letter.error

    # when the bug is fixed and the dead letter replayed, it is applied, once
    monkeypatch.setitem(tally.POISON, "enabled", False)
    assert replay_dead_letters(consumer.pool, consumer.inbox) == {letter.event_id: "applied"}
    assert _count(consumer) == 50
    with consumer.connection() as conn:
        assert conn.execute("SELECT count(DISTINCT event_id) FROM tally_applied").fetchone() == (50,)


def test_events_waiting_in_the_queue_are_applied_in_batches_each_exactly_once(kernel_for, amqp_uri):
    suffix = uuid.uuid4().hex[:8]
    producer = kernel_for(ledger.spec(f"ledger{suffix}"))
    consumer_spec = tally.spec(f"tally{suffix}", source=producer.spec.name)
    consumer = kernel_for(consumer_spec)
    declare(amqp_uri, [producer.spec.name], consumer_spec.subscriptions)
    # given 300 events on 3 streams already published while the consumer was not running
    for n in range(100):
        for s in range(3):
            producer.execute(ledger.counter, f"counter-{s}", ledger.Increment(1))
    with running_relay(producer.spec.name):
        wait_until(lambda: _outbox(producer) == 0, timeout=15, message=lambda: "the relay published everything")
    # when the tally service starts
    with running_service(tally.service_class(consumer_spec), amqp_uri):
        wait_until(lambda: _count(consumer) == 300, timeout=30, message=lambda: f"300 applied, got {_count(consumer)}")
    # then each event is applied once, in its stream's order, and far fewer transactions than events did it
    with consumer.connection() as conn:
        rows = conn.execute("SELECT stream_id, stream_version, xmin::text FROM tally_applied ORDER BY seq").fetchall()
    assert len({(sid, version) for sid, version, _ in rows}) == 300
    for s in range(3):
        assert [v for sid, v, _ in rows if sid == f"counter-{s}"] == list(range(1, 101))
    transactions = len({xmin for _, _, xmin in rows})
    assert transactions <= 30, f"300 waiting events took {transactions} transactions"


def _outbox(kernel) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]


def _count(kernel) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM tally_applied").fetchone()[0]


def _dead(kernel):
    with kernel.connection() as conn:
        return list_dead_letters(conn)


def test_concurrent_requests_that_wait_on_postgresql_overlap(service_name, amqp_uri):
    # given a nameko service whose RPC waits 0.3 s in PostgreSQL
    spec = ServiceSpec(name=service_name)
    prepare_database(spec)

    class Sleepy:
        name = service_name
        kernel = KernelProvider(spec)

        @rpc
        def wait_in_database(self, seconds):
            with self.kernel.connection() as conn:
                conn.execute("SELECT pg_sleep(%s)", (seconds,))
            return seconds

    n, wait = 8, 0.3
    with running_service(Sleepy, amqp_uri), ClusterRpcProxy({"AMQP_URI": amqp_uri}) as proxy:
        getattr(proxy, service_name).wait_in_database(0.01)  # warm the pool and the reply queue
        # when eight requests arrive at once
        started = time.monotonic()
        replies = [getattr(proxy, service_name).wait_in_database.call_async(wait) for _ in range(n)]
        assert [reply.result() for reply in replies] == [wait] * n
        elapsed = time.monotonic() - started
    # then they took about one wait, not eight in a row
    assert elapsed < n * wait / 3, f"{n} requests of {wait}s took {elapsed:.2f}s: database waits block the hub"
