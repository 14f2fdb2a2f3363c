"""Exactly-once effect under faults, with the relay and the consumer as real processes.

10,000 events are appended by concurrent writers over 100 streams of the example ledger; the relay process
publishes them and a `nameko run` tally process applies them through its inbox. Mid-stream, one fault is injected:
the relay killed and restarted, every broker connection closed, or the consumer killed with SIGKILL and restarted.
Then every event must be in the tally's projection exactly once, each stream in version order, no dead letters.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid

import eventlet
import pytest

from services.common.decider import NewEvent
from services.common.topology import declare
from services.common.store import ConcurrencyError
from tests.example import ledger, tally
from tests.faults.processes import ROOT, Processes
from tests.kernel.helpers import wait_until

pytestmark = pytest.mark.faults

EVENTS, STREAMS, WRITERS = 10_000, 100, 10


@pytest.fixture
def scenario(kernel_for, amqp_uri):
    suffix = uuid.uuid4().hex[:8]
    producer = kernel_for(ledger.spec(f"ledger{suffix}"), pool_size=WRITERS)
    consumer_spec = tally.spec(f"tally{suffix}", source=producer.spec.name)
    consumer = kernel_for(consumer_spec, pool_size=2)
    declare(amqp_uri, [producer.spec.name], consumer_spec.subscriptions)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EXAMPLE_LEDGER": producer.spec.name,
           "EXAMPLE_TALLY": consumer_spec.name, "AMQP_URI": amqp_uri,
           "KONTAKT_DATABASE_URL_TEMPLATE": os.environ["KONTAKT_DATABASE_URL_TEMPLATE"]}
    processes = Processes(env, lambda name: {
        "relay": [sys.executable, "-m", "services.common.relay", env["EXAMPLE_LEDGER"], "--poll-interval", "0.2"],
        "consumer": [sys.executable, "-m", "nameko", "run", "tests.example.tally:TallyService",
                     "--broker", env["AMQP_URI"]],
    }[name])
    processes.start("relay")
    processes.start("consumer")
    try:
        yield producer, consumer, processes
    finally:
        processes.stop_all()


def write_concurrently(producer, written: list[int]) -> eventlet.GreenPool:
    """WRITERS greenthreads append EVENTS in all, each to random streams, retrying on version conflicts."""
    pool = eventlet.GreenPool(WRITERS)
    versions: dict[str, int] = {}

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(EVENTS // WRITERS):
            stream_id = f"counter-{rng.randrange(STREAMS)}"
            while True:
                try:
                    with producer.connection() as conn:
                        producer.store.append(conn, stream_id, "counter", versions.get(stream_id, 0),
                                              [NewEvent("Incremented", {"amount": 1})])
                    versions[stream_id] = versions.get(stream_id, 0) + 1
                    written[0] += 1
                    break
                except ConcurrencyError as conflict:
                    versions[stream_id] = conflict.actual

    for seed in range(WRITERS):
        pool.spawn(writer, seed)
    return pool


def writing_under_way(producer, consumer) -> eventlet.GreenPool:
    """The writers, once a third of the events is written and the first is applied."""
    written = [0]
    writers = write_concurrently(producer, written)
    wait_until(lambda: written[0] >= EVENTS * 0.3 and applied_count(consumer) > 0, timeout=120,
               message="the stream under way")
    return writers

def applied_count(consumer) -> int:
    with consumer.connection() as conn:
        return conn.execute("SELECT count(*) FROM tally_applied").fetchone()[0]


def assert_exactly_once_in_order(producer, consumer, processes) -> None:
    try:
        wait_until(lambda: applied_count(consumer) >= EVENTS, timeout=240, interval=0.5,
                   message=lambda: f"{EVENTS} applied, got {applied_count(consumer)}")
    except AssertionError:
        print(processes.tail())
        raise
    eventlet.sleep(1)  # anything doubled would arrive now
    with producer.connection() as conn:
        written = {str(row[0]): (row[1], row[2]) for row in conn.execute(
            "SELECT event_id, stream_id, stream_version FROM events")}
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    with consumer.connection() as conn:
        rows = conn.execute("SELECT event_id::text, stream_id, stream_version FROM tally_applied ORDER BY seq"
                            ).fetchall()
        dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
    assert len(written) == EVENTS
    assert len(rows) == EVENTS, "an event was applied twice or lost"
    assert {row[0]: (row[1], row[2]) for row in rows} == written
    by_stream: dict[str, list[int]] = {}
    for _, stream_id, version in rows:
        by_stream.setdefault(stream_id, []).append(version)
    assert all(versions == list(range(1, len(versions) + 1)) for versions in by_stream.values())
    assert dead == 0


def test_the_relay_killed_and_restarted_mid_stream(scenario):
    producer, consumer, processes = scenario
    writers = writing_under_way(producer, consumer)
    processes.kill("relay")  # SIGKILL: no chance to finish a batch or delete its rows
    eventlet.sleep(0.5)
    processes.start("relay")
    writers.waitall()
    assert_exactly_once_in_order(producer, consumer, processes)


def test_every_broker_connection_closed_mid_stream(scenario):
    producer, consumer, processes = scenario
    writers = writing_under_way(producer, consumer)
    subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "kontakt fault test"], check=True,
                   capture_output=True, timeout=60)
    writers.waitall()
    assert_exactly_once_in_order(producer, consumer, processes)


def test_the_consumer_killed_with_sigkill_mid_stream_and_restarted(scenario):
    producer, consumer, processes = scenario
    written = [0]
    writers = write_concurrently(producer, written)
    wait_until(lambda: applied_count(consumer) >= EVENTS * 0.1, timeout=120, message="the consumer under way")
    processes.kill("consumer")
    before_restart = applied_count(consumer)
    processes.start("consumer")
    writers.waitall()
    assert before_restart < EVENTS, "the fault came too late to test anything"
    assert_exactly_once_in_order(producer, consumer, processes)
