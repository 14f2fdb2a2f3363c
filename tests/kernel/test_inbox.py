"""The inbox: each foreign event applied exactly once, each stream in version order, failures kept."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace

import eventlet
import pytest
from psycopg import OperationalError

from services.common.envelope import Metadata, from_wire, to_wire
from services.common.inbox import list_dead_letters, replay_dead_letters
from services.common.projections import rebuild
from tests.example import ledger, tally
from tests.kernel.helpers import wait_until


@pytest.fixture
def pair(kernel_for):
    """A ledger producing events and a tally receiving them, each with its own database."""
    suffix = uuid.uuid4().hex[:8]
    producer = kernel_for(ledger.spec(f"ledger{suffix}"))
    consumer = kernel_for(tally.spec(f"tally{suffix}", source=f"ledger{suffix}"),
                          retry_backoff=(0.0, 0.0), sleep=lambda _: None)
    return producer, consumer


def produce(producer, sid: str, count: int, **data) -> list[dict]:
    bodies = []
    for _ in range(count):
        [event] = producer.execute(ledger.counter, sid, ledger.Increment(1), Metadata(municipality="2521"))
        if data:
            event = replace(event, data={**event.data, **data})
        bodies.append(json.loads(json.dumps(to_wire(event))))  # as the broker delivers it
    return bodies


def transactions(consumer) -> int:
    """How many transactions wrote the tally's rows."""
    with consumer.connection() as conn:
        return conn.execute("SELECT count(DISTINCT xmin::text) FROM tally_applied").fetchone()[0]


def applied(consumer) -> list[tuple[str, int]]:
    with consumer.connection() as conn:
        return conn.execute("SELECT stream_id, stream_version FROM tally_applied ORDER BY seq").fetchall()


def unreachable(consumer):
    """The consumer's kernel over a database whose every connection is refused."""

    class Unreachable:
        def connection(self):
            raise OperationalError("connection refused")

    return type(consumer)(consumer.spec, Unreachable(), retry_backoff=(0.0,), sleep=lambda _: None)


def test_a_repeated_event_is_applied_once(pair):
    producer, consumer = pair
    [body] = produce(producer, "counter-1", 1)
    source = producer.spec.name
    assert consumer.receive(body, source).status == "applied"
    assert consumer.receive(body, source).status == "duplicate"
    assert applied(consumer) == [("counter-1", 1)]


def test_an_early_event_is_parked_until_the_gap_fills(pair):
    # given versions 1..4 of a stream arriving as 3, 1, 4, 2
    producer, consumer = pair
    bodies = produce(producer, "counter-1", 4)
    source = producer.spec.name
    outcomes = [consumer.receive(bodies[i], source) for i in (2, 0, 3, 1)]
    # then 3 and 4 waited, and 2 applied itself and both parked successors
    assert [o.status for o in outcomes] == ["parked", "applied", "parked", "applied"]
    assert outcomes[3].applied == 3
    assert applied(consumer) == [("counter-1", v) for v in (1, 2, 3, 4)]


def test_events_the_service_does_not_use_still_count_as_seen(pair):
    # given a stream whose version 1 is of a type the tally has no handler for
    producer, consumer = pair
    [first, second] = produce(producer, "counter-1", 2)
    first = {**first, "event_type": "SomethingElse"}
    source = producer.spec.name
    # when both arrive
    consumer.receive(first, source)
    # then version 2 is applied, not parked behind a type nobody handles
    assert consumer.receive(second, source).status == "applied"
    assert applied(consumer) == [("counter-1", 2)]


def test_a_poison_event_becomes_a_dead_letter_and_a_replay_after_the_fix_applies_it_once(pair, monkeypatch):
    producer, consumer = pair
    source = producer.spec.name
    # given a handler that fails on one event (version 2 of stream 1), and events on two streams
    monkeypatch.setitem(tally.POISON, "enabled", True)
    stream_1 = produce(producer, "counter-1", 1) + produce(producer, "counter-1", 1, poison=True) \
        + produce(producer, "counter-1", 2)
    stream_2 = produce(producer, "counter-2", 3)
    # when they all arrive
    outcomes = [consumer.receive(body, source).status for body in stream_1 + stream_2]
    # then the poison event is a dead letter with its error after its retries, its stream's later events wait,
    # and every other event is applied
    assert outcomes == ["applied", "dead_letter", "parked", "parked", "applied", "applied", "applied"]
    with consumer.connection() as conn:
        [letter] = list_dead_letters(conn)
    assert letter.event_id == stream_1[1]["event_id"] and letter.attempts == 3
    assert "ValueError: the tally cannot handle a poisoned increment" in letter.error
    assert applied(consumer) == [("counter-1", 1), ("counter-2", 1), ("counter-2", 2), ("counter-2", 3)]

    # when the bug is fixed and the dead letters are replayed, twice
    monkeypatch.setitem(tally.POISON, "enabled", False)
    assert replay_dead_letters(consumer.pool, consumer.inbox) == {letter.event_id: "applied"}
    assert replay_dead_letters(consumer.pool, consumer.inbox) == {}
    # then the poison event and the ones parked behind it are applied exactly once, in order
    assert sorted(applied(consumer)) == [("counter-1", v) for v in (1, 2, 3, 4)] + [
        ("counter-2", v) for v in (1, 2, 3)]
    with consumer.connection() as conn:
        assert list_dead_letters(conn) == []


def test_a_replay_that_fails_again_keeps_the_dead_letter_with_one_more_attempt(pair, monkeypatch):
    producer, consumer = pair
    source = producer.spec.name
    # given a dead letter, after its three attempts
    monkeypatch.setitem(tally.POISON, "enabled", True)
    [poisoned] = produce(producer, "counter-1", 1, poison=True)
    assert consumer.receive(poisoned, source).status == "dead_letter"
    # when it is replayed before the bug is fixed
    assert replay_dead_letters(consumer.pool, consumer.inbox) == {poisoned["event_id"]: "failed again"}
    # then it is still a dead letter, with one more attempt, and nothing was applied
    with consumer.connection() as conn:
        [letter] = list_dead_letters(conn)
    assert letter.attempts == 4 and "poisoned increment" in letter.error
    assert applied(consumer) == []


def test_a_parked_successor_that_fails_is_dead_lettered_without_undoing_its_predecessor(pair, monkeypatch):
    producer, consumer = pair
    source = producer.spec.name
    monkeypatch.setitem(tally.POISON, "enabled", True)
    first = produce(producer, "counter-1", 1)[0]
    poisoned = produce(producer, "counter-1", 1, poison=True)[0]
    # given the poisoned version 2 arrived first and was parked
    assert consumer.receive(poisoned, source).status == "parked"
    # when version 1 arrives, applying it also tries the parked version 2, which fails
    assert consumer.receive(first, source).status == "applied"
    # then version 1 stays applied and version 2 is the dead letter
    assert applied(consumer) == [("counter-1", 1)]
    with consumer.connection() as conn:
        assert [d.event_id for d in list_dead_letters(conn)] == [poisoned["event_id"]]
    monkeypatch.setitem(tally.POISON, "enabled", False)
    assert replay_dead_letters(consumer.pool, consumer.inbox) == {poisoned["event_id"]: "applied"}
    assert applied(consumer) == [("counter-1", 1), ("counter-1", 2)]


def test_an_event_parked_while_a_receipt_waited_for_its_stream_is_applied_by_that_receipt(pair):
    producer, consumer = pair
    source = producer.spec.name
    first, second = produce(producer, "counter-1", 2)
    with consumer.connection() as parking:
        # given version 2 parked by a receipt that has not committed yet, and so holds its stream's lock
        parking.execute("SELECT 1")  # the receipt below then runs inside this open transaction
        assert consumer.inbox.receive(parking, from_wire(second, source=source)).status == "parked"
        # when version 1 arrives meanwhile, and its receipt waits for that lock
        receipt = eventlet.spawn(consumer.receive, first, source)
        wait_until(lambda: waiting_for_a_lock(consumer), message="the second receipt waiting for the lock")
        parking.commit()
    # then that receipt applies version 1 and the parked version 2, which its first read could not see
    outcome = receipt.wait()
    assert (outcome.status, outcome.applied) == ("applied", 2)
    assert applied(consumer) == [("counter-1", 1), ("counter-1", 2)]


def waiting_for_a_lock(kernel) -> bool:
    """Whether a session of the kernel's database (the test's own) waits for a lock."""
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'").fetchone()[0] > 0


def test_a_foreign_projection_is_rebuilt_from_the_inbox_in_the_order_it_was_applied(pair):
    producer, consumer = pair
    source = producer.spec.name
    for sid in ("counter-1", "counter-2"):
        for body in produce(producer, sid, 3):
            consumer.receive(body, source)
    with consumer.connection() as conn:
        before = conn.execute("SELECT stream_id, last_version, total FROM tally_streams ORDER BY 1").fetchall()
        conn.execute("DELETE FROM tally_streams")
        conn.commit()
        assert rebuild(conn, consumer.spec.projections, progress=False) == 6
        after = conn.execute("SELECT stream_id, last_version, total FROM tally_streams ORDER BY 1").fetchall()
    assert after == before


def test_a_malformed_message_changes_nothing(pair):
    producer, consumer = pair
    assert consumer.receive({"event_id": "nope"}, producer.spec.name).status == "malformed"
    assert applied(consumer) == []


def test_an_unreachable_database_sends_the_event_back_rather_than_dead_lettering_it(pair):
    # given a consumer whose database connections fail
    producer, consumer = pair
    [body] = produce(producer, "counter-1", 1)
    broken = unreachable(consumer)
    # when an event arrives, then the receipt raises so that the broker keeps the message
    with pytest.raises(OperationalError):
        broken.receive(body, producer.spec.name)
    # and once the database is back, the same message is applied, and nothing was dead-lettered
    assert consumer.receive(body, producer.spec.name).status == "applied"
    with consumer.connection() as conn:
        assert list_dead_letters(conn) == []


# --- batches: what a consumer receives in one transaction ----------------------------------------------------

def test_a_batch_applies_each_event_once_in_each_streams_order(pair):
    # given two streams, one arriving out of order, and a repeat inside the same batch
    producer, consumer = pair
    one, two = produce(producer, "counter-1", 3), produce(producer, "counter-2", 2)
    batch = [one[1], two[0], one[0], one[2], two[0], two[1]]
    # when they arrive as one batch
    outcomes = consumer.receive_batch(batch, producer.spec.name)
    # then each has its own outcome, in the batch's order, and each event is applied once, in its stream's order
    assert [o.status for o in outcomes] == ["parked", "applied", "applied", "applied", "duplicate", "applied"]
    assert [a for a in applied(consumer) if a[0] == "counter-1"] == [("counter-1", v) for v in (1, 2, 3)]
    assert [a for a in applied(consumer) if a[0] == "counter-2"] == [("counter-2", v) for v in (1, 2)]
    # and all in one transaction
    assert transactions(consumer) == 1
    # and the same batch again changes nothing
    assert {o.status for o in consumer.receive_batch(batch, producer.spec.name)} == {"duplicate"}
    assert len(applied(consumer)) == 5


def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_the_rest_is_applied(pair, monkeypatch):
    # given a batch whose third event the handler fails on, and a malformed message
    producer, consumer = pair
    source = producer.spec.name
    monkeypatch.setitem(tally.POISON, "enabled", True)
    first = produce(producer, "counter-1", 2)
    poisoned = produce(producer, "counter-2", 1, poison=True)
    later = produce(producer, "counter-1", 1) + produce(producer, "counter-2", 1)
    batch = first + poisoned + [{"event_id": "nope"}] + later
    # when the batch arrives
    outcomes = consumer.receive_batch(batch, source)
    # then the batch's transaction was rolled back and its events received one by one: only the poison event
    # is a dead letter, the one after it in its stream waits, every other event is applied once
    assert [o.status for o in outcomes] == ["applied", "applied", "dead_letter", "malformed", "applied", "parked"]
    assert applied(consumer) == [("counter-1", 1), ("counter-1", 2), ("counter-1", 3)]
    with consumer.connection() as conn:
        assert [d.event_id for d in list_dead_letters(conn)] == [poisoned[0]["event_id"]]
    # and after the fix a replay applies the poison event and the one parked behind it
    monkeypatch.setitem(tally.POISON, "enabled", False)
    assert replay_dead_letters(consumer.pool, consumer.inbox) == {poisoned[0]["event_id"]: "applied"}
    assert sorted(applied(consumer))[-2:] == [("counter-2", 1), ("counter-2", 2)]


def test_an_unreachable_database_sends_a_whole_batch_back(pair):
    producer, consumer = pair
    bodies = produce(producer, "counter-1", 3)
    broken = unreachable(consumer)
    with pytest.raises(OperationalError):
        broken.receive_batch(bodies, producer.spec.name)
    assert [o.status for o in consumer.receive_batch(bodies, producer.spec.name)] == ["applied"] * 3
    with consumer.connection() as conn:
        assert list_dead_letters(conn) == []


def test_a_batch_fills_the_gap_before_events_parked_by_an_earlier_batch(pair):
    # given versions 3 and 4 of a stream parked by one batch
    producer, consumer = pair
    source = producer.spec.name
    bodies = produce(producer, "counter-1", 5)
    assert [o.status for o in consumer.receive_batch([bodies[3], bodies[2]], source)] == ["parked", "parked"]
    # when the next batch brings 2, 1 and 5
    outcomes = consumer.receive_batch([bodies[1], bodies[0], bodies[4]], source)
    # then 1 applies itself, 2 and the parked 3 and 4; 5 applies itself; all in version order, once
    assert [(o.status, o.applied) for o in outcomes] == [("parked", 0), ("applied", 4), ("applied", 1)]
    assert applied(consumer) == [("counter-1", v) for v in (1, 2, 3, 4, 5)]
    # and a rebuild of the foreign projection replays them in that same order
    with consumer.connection() as conn:
        conn.execute("DELETE FROM tally_applied")
        conn.execute("DELETE FROM tally_streams")
        conn.commit()
        assert rebuild(conn, consumer.spec.projections, progress=False) == 5
    assert applied(consumer) == [("counter-1", v) for v in (1, 2, 3, 4, 5)]


def test_a_parked_successor_that_fails_in_a_batch_is_dead_lettered_and_the_batch_stays_applied(pair, monkeypatch):
    producer, consumer = pair
    source = producer.spec.name
    monkeypatch.setitem(tally.POISON, "enabled", True)
    first = produce(producer, "counter-1", 1)[0]
    poisoned = produce(producer, "counter-1", 1, poison=True)[0]
    other = produce(producer, "counter-2", 1)[0]
    # given the poisoned version 2 was parked by an earlier receipt
    assert consumer.receive(poisoned, source).status == "parked"
    # when a batch brings version 1 and another stream's event
    outcomes = consumer.receive_batch([first, other], source)
    # then the batch is applied, and version 2 is the dead letter, still parked
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert sorted(applied(consumer)) == [("counter-1", 1), ("counter-2", 1)]
    with consumer.connection() as conn:
        assert [d.event_id for d in list_dead_letters(conn)] == [poisoned["event_id"]]


def test_the_example_projection_refuses_an_older_event_alone_and_in_a_batch(pair):
    # the faults tests rely on it: a broken inbox must show, not pass unseen
    producer, consumer = pair
    bodies = produce(producer, "counter-1", 3)
    events = [from_wire(body, source=producer.spec.name) for body in bodies]
    [projection] = consumer.spec.projections
    with consumer.connection() as conn:
        projection.apply_batch(conn, events[1:])
        with pytest.raises(tally.OutOfOrder):
            projection.apply(conn, events[0])
        conn.rollback()
        projection.apply(conn, events[1])
        with pytest.raises(tally.OutOfOrder):
            projection.apply_batch(conn, [events[0], events[2]])
        conn.rollback()
        with pytest.raises(tally.OutOfOrder):
            projection.apply_batch(conn, [events[1], events[0]])
