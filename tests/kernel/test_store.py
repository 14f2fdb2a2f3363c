"""The event store's contract: append with an expected version, load, read everything from a position."""
from __future__ import annotations

import threading
import uuid

import eventlet
import pytest
from marshmallow import ValidationError

from services.common.decider import CommandRefused, NewEvent, NotFound
from services.common.envelope import Metadata, from_wire, to_wire, upcaster
from services.common.projections import rebuild
from services.common.store import START, ConcurrencyError
from tests.example import ledger
from tests.kernel.helpers import wait_until


@pytest.fixture
def kernel(kernel_for, service_name):
    return kernel_for(ledger.spec(service_name), pool_size=25)


def stream() -> str:
    return f"counter-{uuid.uuid4()}"


def incremented(amount: int = 1) -> NewEvent:
    return NewEvent("Incremented", {"amount": amount})


def test_appended_events_load_back_with_their_envelope(kernel):
    # given a stream id and who is acting
    sid = stream()
    meta = Metadata(municipality="2521", actor="rekryterare-1", correlation_id=uuid.uuid4())
    # when two events are appended to a new stream
    with kernel.connection() as conn:
        kernel.store.append(conn, sid, "counter", 0, [incremented(2), incremented(3)], meta)
    # then they load back in order with versions 1 and 2 and the metadata on each
    with kernel.connection() as conn:
        events = kernel.store.load(conn, sid)
    assert [(e.stream_version, e.data["amount"]) for e in events] == [(1, 2), (2, 3)]
    assert {(e.municipality, e.actor, e.correlation_id, e.stream_type) for e in events} == {
        ("2521", "rekryterare-1", meta.correlation_id, "counter")}
    assert all(e.recorded_at.tzinfo is not None for e in events)


def test_a_stale_expected_version_is_a_conflict_naming_stream_and_versions(kernel):
    # given a stream at version 1
    sid = stream()
    with kernel.connection() as conn:
        kernel.store.append(conn, sid, "counter", 0, [incremented()])
    # when a writer appends expecting version 0 again
    with pytest.raises(ConcurrencyError) as raised, kernel.connection() as conn:
        kernel.store.append(conn, sid, "counter", 0, [incremented(5)])
    # then the error names the stream and both versions, and the stream is unchanged
    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (sid, 0, 1)
    assert sid in str(raised.value) and "version 1" in str(raised.value) and "version 0" in str(raised.value)
    with kernel.connection() as conn:
        assert [e.data["amount"] for e in kernel.store.load(conn, sid)] == [1]


def test_an_expected_version_ahead_of_the_stream_is_refused_rather_than_leaving_a_gap(kernel):
    sid = stream()
    with pytest.raises(ConcurrencyError) as raised, kernel.connection() as conn:
        kernel.store.append(conn, sid, "counter", 3, [incremented()])
    assert (raised.value.expected, raised.value.actual) == (3, 0)


def test_twenty_concurrent_writers_leave_every_version_exactly_once(kernel):
    # given one stream and twenty writers who all read version 0 at once
    sid = stream()
    start = threading.Barrier(20)
    outcomes = []

    def writer(n: int) -> None:
        start.wait()
        expected = 0
        for attempt in range(50):
            try:
                with kernel.connection() as conn:
                    kernel.store.append(conn, sid, "counter", expected, [incremented(n)])
                outcomes.append(("appended", n, attempt))
                return
            except ConcurrencyError as conflict:
                outcomes.append(("conflict", n, conflict.actual))
                expected = conflict.actual  # retry on the version the winner reached
        outcomes.append(("gave up", n, None))

    # when they all append, retrying on conflict
    pile = eventlet.GreenPool(20)
    for n in range(1, 21):
        pile.spawn(writer, n)
    pile.waitall()

    # then versions 1..20 exist exactly once each, every writer got in, and losers saw conflicts
    with kernel.connection() as conn:
        events = kernel.store.load(conn, sid)
    assert [e.stream_version for e in events] == list(range(1, 21))
    assert sorted(e.data["amount"] for e in events) == list(range(1, 21))
    assert sum(1 for o in outcomes if o[0] == "appended") == 20
    assert not [o for o in outcomes if o[0] == "gave up"]
    assert any(o[0] == "conflict" for o in outcomes)


def read_until(kernel, position, expected_count: int):
    """Read on from `position` until `expected_count` events came. Transactions open anywhere on the server (other
    tests' databases too) hold a reader back for a moment, never make it skip: so wait, then count exactly."""
    seen = []

    def more():
        nonlocal position
        with kernel.connection() as conn:
            while page := kernel.store.read_all(conn, position, limit=3):
                seen.extend(event for _, event in page)
                position = page[-1][0]
        return len(seen) >= expected_count

    wait_until(more, timeout=10, message=lambda: f"{expected_count} events read, got {len(seen)}")
    return seen, position


def test_a_reader_by_position_never_skips_an_event_of_a_transaction_that_commits_late(kernel):
    # given writer A has appended in a transaction it holds open
    sid_a, sid_b = stream(), stream()
    conn_a = kernel.pool.getconn()
    try:
        conn_a.execute("BEGIN")
        kernel.store.append(conn_a, sid_a, "counter", 0, [incremented(1)])
        # and writer B appended after it and committed
        with kernel.connection() as conn:
            kernel.store.append(conn, sid_b, "counter", 0, [incremented(2)])
        # when a reader reads from the start and remembers its position
        with kernel.connection() as conn:
            first = kernel.store.read_all(conn, START)
        position = first[-1][0] if first else START
        # then A commits, and the reader reads on from its position
        conn_a.execute("COMMIT")
    finally:
        kernel.pool.putconn(conn_a)
    rest, _ = read_until(kernel, position, 2 - len(first))
    # then between the two reads it saw A's event and B's, each once
    seen = [e.stream_id for _, e in first] + [e.stream_id for e in rest]
    assert sorted(seen) == sorted([sid_a, sid_b])


def test_read_all_pages_through_everything_in_order(kernel):
    sids = [stream() for _ in range(5)]
    with kernel.connection() as conn:
        for sid in sids:
            kernel.store.append(conn, sid, "counter", 0, [incremented(), incremented()])
            conn.commit()
    seen, position = read_until(kernel, START, 10)
    assert [(e.stream_id, e.stream_version) for e in seen] == [(s, v) for s in sids for v in (1, 2)]
    with kernel.connection() as conn:
        assert kernel.store.read_all(conn, position) == []


def test_old_schema_versions_are_upcast_on_read(kernel):
    # given an event type whose v1 data said "value" and whose v2 says "amount"
    event_type = f"Renamed{uuid.uuid4().hex[:6]}"
    upcaster(event_type, 1)(lambda data: {"amount": data["value"]})
    sid = stream()
    # when a v1 event is stored and read back
    with kernel.connection() as conn:
        kernel.store.append(conn, sid, "counter", 0, [NewEvent(event_type, {"value": 7}, schema_version=1)])
        [event] = kernel.store.load(conn, sid)
    # then the reader sees the current shape
    assert (event.schema_version, event.data) == (2, {"amount": 7})


def test_the_inline_projection_commits_with_the_append_or_not_at_all(kernel):
    sid = stream()
    # when a command appends, the balance is readable at once
    kernel.execute(ledger.counter, sid, ledger.Increment(5))
    with kernel.connection() as conn:
        assert conn.execute("SELECT total FROM balances WHERE stream_id = %s", (sid,)).fetchone() == (5,)
    # and when a transaction appends and then rolls back, neither events nor projection change
    with kernel.connection() as conn:
        kernel.store.append(conn, sid, "counter", 1, [incremented(100)])
        conn.rollback()
    with kernel.connection() as conn:
        assert conn.execute("SELECT total FROM balances WHERE stream_id = %s", (sid,)).fetchone() == (5,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (1,)


def test_a_refused_command_appends_nothing(kernel):
    sid = stream()
    with pytest.raises(CommandRefused) as refused:
        kernel.execute(ledger.counter, sid, ledger.Increment(0))
    assert refused.value.problems[0].field == "amount"
    with kernel.connection() as conn:
        assert kernel.store.load(conn, sid) == []


def test_the_command_handler_retries_a_conflict_when_the_command_allows(kernel):
    # given twenty concurrent increments of one counter through the command handler
    sid = stream()
    pile = eventlet.GreenPool(20)
    for _ in range(20):
        pile.spawn(kernel.execute, ledger.counter, sid, ledger.Increment(1))
    pile.waitall()
    # then all twenty landed, in versions 1..20
    with kernel.connection() as conn:
        assert [e.stream_version for e in kernel.store.load(conn, sid)] == list(range(1, 21))
        assert conn.execute("SELECT total FROM balances WHERE stream_id = %s", (sid,)).fetchone() == (20,)


def test_rebuild_recreates_the_projection_from_the_events(kernel):
    sids = [stream() for _ in range(3)]
    for n, sid in enumerate(sids, start=1):
        for _ in range(n):
            kernel.execute(ledger.counter, sid, ledger.Increment(n))
    with kernel.connection() as conn:
        before = conn.execute("SELECT stream_id, total FROM balances ORDER BY stream_id").fetchall()
        conn.execute("UPDATE balances SET total = -1")  # damage it
        conn.commit()
        count = rebuild(conn, kernel.spec.projections, progress=False)
        after = conn.execute("SELECT stream_id, total FROM balances ORDER BY stream_id").fetchall()
    assert count == 6
    assert after == before


def test_a_malformed_envelope_is_refused_naming_the_fields():
    with pytest.raises(ValidationError) as raised:
        from_wire({"event_id": "not-a-uuid", "event_type": "X", "stream_version": 0})
    assert {"event_id", "stream_version", "stream_id", "occurred_at", "data"} <= set(raised.value.messages)


def test_the_envelope_round_trips_through_the_wire_format(kernel):
    sid = stream()
    [event] = kernel.execute(ledger.counter, sid, ledger.Increment(3), Metadata(municipality="0180"))
    assert from_wire(to_wire(event), source="ledger") == event


def test_private_data_stays_in_the_store_and_is_removed_from_what_is_published(kernel_for, service_name):
    # given a service that publishes only the amount of its events, not the note
    spec = ledger.spec(service_name)
    spec = type(spec)(**{**spec.__dict__, "published_data": lambda event_type, data: {"amount": data["amount"]}})
    kernel = kernel_for(spec)
    # when an event with a private note is appended
    with kernel.connection() as conn:
        kernel.store.append(conn, "counter-1", "counter", 0,
                            [NewEvent("Incremented", {"amount": 1, "note": "only for the case worker"})])
        stored = kernel.store.load(conn, "counter-1")[0].data
        published = conn.execute("SELECT body->'data' FROM outbox").fetchone()[0]
    # then the store keeps it whole and the outbox holds the published part only
    assert stored == {"amount": 1, "note": "only for the case worker"}
    assert published == {"amount": 1}


def test_find_answers_not_found_alike_for_a_key_that_did_not_parse_and_one_that_names_nothing(kernel):
    # given a projection query that knows one counter
    kernel.execute(ledger.counter, "counter-known", ledger.Increment(4))

    def total_of(conn, stream_id):
        row = conn.execute("SELECT total FROM balances WHERE stream_id = %s", (stream_id,)).fetchone()
        return row[0] if row else None

    # then the known one is found, and both kinds of unknown are the same NotFound, naming only the kind
    assert kernel.find("counter-known", total_of, "counter") == 4
    for key in (None, "counter-unknown"):
        with pytest.raises(NotFound, match="^no such counter$"):
            kernel.find(key, total_of, "counter")
