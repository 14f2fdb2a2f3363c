"""Kernel benchmarks: each figure beside a ceiling measured in the same run on the same machine, and the ratio.

    PYTHONPATH=. .venv/bin/python bench/kernel.py [--quick] [--writers 4] [--only append,relay,e2e,lag,rebuild]

1. append      EventStore.append through a pooled connection (inline Balances projection, outbox row, NOTIFY),
               one event per transaction and 100 per transaction, by W writer processes;
               ceiling: raw INSERT of the same rows into a plain table with the same columns, same W and sizes.
2. relay       services.common.relay.Relay draining an outbox of N events (persistent, pipelined confirms);
               ceiling: the same bodies published without confirms (kombu Producer, and bare py-amqp).
3. e2e         W writers append, the relay (its own process) publishes, `nameko run tests.example.tally`
               applies through the inbox into the tally projection; ceiling: the same writers appending alone.
4. lag         append-to-projection lag at a steady 200 events/s: tally_applied.applied_at (a clock_timestamp()
               column the bench adds to its own tally database) minus the event's recorded_at.
5. rebuild     services.common.projections.rebuild of the ledger's Balances over R events;
               ceiling: SELECT * FROM events through a server-side cursor.

Everything runs in private databases (kontakt_bench_<run>_<service>) and a private vhost, removed at the end.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/ is not a package root
sys.path.insert(0, str(_HERE.parent))

from bench.common import (REPO, BenchEnv, Row, Table, load_average, percentile, print_logs_of,  # noqa: E402
                          print_summary, run_processes, wait_until)

LEDGER, TALLY = "ledger", "tally"
LEDGER_MIGRATIONS = REPO / "tests/example/ledger_migrations"
TALLY_MIGRATIONS = REPO / "tests/example/tally_migrations"

COLUMNS = ("event_id, event_type, schema_version, stream_id, stream_type, stream_version, occurred_at, "
           "recorded_at, data, municipality, actor, correlation_id, causation_id")


# --- writer processes (spawned: module-level, picklable) -------------------------------------------------

def writer(url: str, mode: str, writer_id: int, events: int, per_txn: int, streams: int, prefix: str,
           ready, go, results) -> None:
    """Append `events` events in transactions of `per_txn`, cycling over `streams` streams of its own.

    mode "store": EventStore.append (with the ledger's inline projection) on a pooled connection;
    mode "raw":   one multi-row INSERT into raw_events and a commit, on a plain connection.
    """
    signalled = False
    try:
        from psycopg.types.json import Jsonb

        from services.common.db import connect, make_pool
        from services.common.decider import NewEvent
        from services.common.envelope import Metadata
        from services.common.store import EventStore
        from tests.example.ledger import Balances

        metadata = Metadata(municipality="0180", actor="bench")
        versions = [0] * streams
        transactions = events // per_txn
        if mode == "store":
            pool = make_pool(url, min_size=1, max_size=1)
            store = EventStore(LEDGER, [Balances()])
            batch = [NewEvent("Incremented", {"amount": 1})] * per_txn
            # warm the pool's connection and the prepared statements outside the timing
            ready.put(writer_id)
            signalled = True
            go.wait()
            start = time.monotonic()
            for i in range(transactions):
                s = i % streams
                with pool.connection() as conn:
                    store.append(conn, f"{prefix}-{writer_id}-{s}", "counter", versions[s], batch, metadata)
                versions[s] += per_txn
            end = time.monotonic()
            pool.close()
        else:
            conn = connect(url)
            one = "(" + ", ".join(["%s"] * 13) + ")"
            sql = f"INSERT INTO raw_events ({COLUMNS}) VALUES {', '.join([one] * per_txn)}"
            ready.put(writer_id)
            signalled = True
            go.wait()
            start = time.monotonic()
            for i in range(transactions):
                s = i % streams
                stream_id = f"{prefix}-{writer_id}-{s}"
                now = datetime.now(timezone.utc)
                params = []
                for k in range(1, per_txn + 1):
                    params += [uuid.uuid4(), "Incremented", 1, stream_id, "counter", versions[s] + k, now, now,
                               Jsonb({"amount": 1}), "0180", "bench", None, None]
                conn.execute(sql, params)
                conn.commit()
                versions[s] += per_txn
            end = time.monotonic()
            conn.close()
        results.put((start, end, transactions * per_txn))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails the bench
        if not signalled:
            ready.put(writer_id)
        results.put(("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}", 0))


def run_writers(url: str, mode: str, writers: int, per_writer: int, per_txn: int, prefix: str,
                streams: int = 10, during=None) -> tuple[float, float, float, object]:
    """Returns (events/s of the writers, first start, last end, what `during` returned)."""
    args = [(url, mode, w, per_writer, per_txn, streams, prefix) for w in range(writers)]
    counts, start, end, extra = run_processes(writer, args, during=during)
    return sum(counts) / (end - start), start, end, extra


# --- helpers ---------------------------------------------------------------------------------------------

def scalar(url: str, sql: str, params=()):
    from services.common.db import connect
    with connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


def execute(url: str, *statements: str) -> None:
    from services.common.db import connect
    with connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def queue_depth(amqp_uri: str, queue: str) -> tuple[int, int]:
    """(messages, consumers) of a queue."""
    from kombu import Connection
    with Connection(amqp_uri) as connection:
        ok = connection.default_channel.queue_declare(queue=queue, passive=True)
        return ok.message_count, ok.consumer_count


def purge(amqp_uri: str, queue: str) -> None:
    from kombu import Connection
    with Connection(amqp_uri) as connection:
        connection.default_channel.queue_purge(queue)


def fill_outbox(url: str, events: int, per_txn: int = 100, streams: int = 200, prefix: str = "relay") -> None:
    from services.common.db import connect
    from services.common.decider import NewEvent
    from services.common.envelope import Metadata
    from services.common.store import EventStore
    from tests.example.ledger import Balances

    store = EventStore(LEDGER, [Balances()])
    batch = [NewEvent("Incremented", {"amount": 1})] * per_txn
    versions = [0] * streams
    with connect(url) as conn:
        for i in range(events // per_txn):
            s = i % streams
            store.append(conn, f"{prefix}-{s}", "counter", versions[s], batch, Metadata(municipality="0180"))
            conn.commit()
            versions[s] += per_txn


# --- 1. append -------------------------------------------------------------------------------------------

def bench_append(env: BenchEnv, table: Table, args) -> None:
    print("append ...", flush=True)
    url = env.database("append", LEDGER_MIGRATIONS)
    execute(url, "CREATE TABLE raw_events (LIKE events INCLUDING DEFAULTS)")
    w = args.writers
    for per_txn, per_writer in ((1, args.single), (100, args.batched)):
        # alternate the order run to run would be fairer still; the ceiling goes first, on the emptier table
        raw, *_ = run_writers(url, "raw", w, per_writer, per_txn, f"raw{per_txn}")
        store, *_ = run_writers(url, "store", w, per_writer, per_txn, f"app{per_txn}")
        table.add(Row(f"append, {per_txn} event/txn, {w} writers", store, raw,
                      ceiling_name=f"raw INSERT of the same rows, {per_txn} row(s)/txn, same columns, "
                                   f"no indexes, {w} writers"))
    appended = scalar(url, "SELECT count(*) FROM events")
    expected = w * (args.single + args.batched)
    assert appended == expected, f"appended {appended} events, expected {expected}"


# --- 2. relay --------------------------------------------------------------------------------------------

def bench_relay(env: BenchEnv, table: Table, args, ledger_url: str, queue: str) -> None:
    import amqp
    from kombu import Connection, Producer

    from services.common.db import connect
    from services.common.relay import Relay
    from services.common.topology import events_exchange

    n = args.relay
    print(f"relay: filling the outbox with {n:,} events ...", flush=True)
    fill_outbox(ledger_url, n)
    with connect(ledger_url) as conn:
        rows = conn.execute("SELECT id, event_id::text, routing_key, body::text FROM outbox ORDER BY id").fetchall()
    assert len(rows) == n
    purge(env.amqp_uri, queue)

    def settle(expected: int) -> None:
        wait_until(lambda: queue_depth(env.amqp_uri, queue)[0] >= expected, timeout=60, interval=0.05,
                   message=f"{expected} messages in {queue}")
        purge(env.amqp_uri, queue)

    # ceiling a: kombu Producer.publish, persistent, no confirms; ends with a round trip on the same channel,
    # so the broker has taken every message off the wire
    with Connection(env.amqp_uri) as connection:
        channel = connection.channel()
        producer = Producer(channel, exchange=events_exchange(LEDGER))
        t0 = time.monotonic()
        for _id, event_id, routing_key, body in rows:
            producer.publish(body, routing_key=routing_key, content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2, message_id=event_id)
        channel.queue_declare(queue=queue, passive=True)
        kombu_rate = n / (time.monotonic() - t0)
        channel.close()
    settle(n)

    # ceiling b: bare py-amqp basic_publish (what the relay calls), no confirms, same closing round trip
    with Connection(env.amqp_uri) as connection:
        connection.connect()
        channel = connection.connection.channel()
        exchange = f"{LEDGER}.events"
        t0 = time.monotonic()
        for _id, event_id, routing_key, body in rows:
            channel.basic_publish(amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                                               delivery_mode=2, message_id=event_id),
                                  exchange=exchange, routing_key=routing_key)
        channel.queue_declare(queue=queue, passive=True)
        amqp_rate = n / (time.monotonic() - t0)
        channel.close()
    settle(n)

    # the relay: from start (connect, lock, declare) until it has deleted the last confirmed row
    relay = Relay(LEDGER, database_url=ledger_url, amqp_uri=env.amqp_uri, poll_interval=0.2)
    thread = threading.Thread(target=relay.run, daemon=True)
    t0 = time.monotonic()
    thread.start()
    try:
        wait_until(lambda: relay.published_total >= n, timeout=300, interval=0.002, message="relay drained")
        relay_rate = n / (time.monotonic() - t0)
    finally:
        relay.stop()
        thread.join(timeout=5)
    assert scalar(ledger_url, "SELECT count(*) FROM outbox") == 0
    settle(n)  # every relayed message reached the queue

    ceiling = max(kombu_rate, amqp_rate)
    table.add(Row(f"relay publish ({n:,} events, batch {relay.batch_size})", relay_rate, ceiling,
                  target=">= 40 %", met=relay_rate / ceiling >= 0.40,
                  ceiling_name=f"unconfirmed publish of the same bodies, the faster of kombu Producer "
                               f"({kombu_rate:,.0f}/s) and bare py-amqp ({amqp_rate:,.0f}/s)"))


# --- 3. end to end and 4. lag ------------------------------------------------------------------------------

def start_pipeline(env: BenchEnv, ledger_url: str, tally_url: str, queue: str):
    from services.common.relay import lock_key

    common = {"EXAMPLE_LEDGER": LEDGER, "EXAMPLE_TALLY": TALLY, "LEDGER_DATABASE_URL": ledger_url,
              "TALLY_DATABASE_URL": tally_url, "AMQP_URI": env.amqp_uri}
    relay = env.start("relay", [sys.executable, "-m", "services.common.relay", LEDGER], env=common)
    nameko = str(Path(sys.executable).parent / "nameko")
    consumer = env.start("tally", [nameko, "run", "tests.example.tally:TallyService", "--broker", env.amqp_uri],
                         env=common)

    def relay_active():
        if relay.poll() is not None:
            raise RuntimeError("relay exited:\n" + env.log_tail("relay"))
        key = lock_key(LEDGER)
        return scalar(ledger_url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                  "AND ((classid::bigint << 32) | objid::bigint) = %s", (key,))

    def consumer_ready():
        if consumer.poll() is not None:
            raise RuntimeError("nameko consumer exited:\n" + env.log_tail("tally"))
        return queue_depth(env.amqp_uri, queue)[1] >= 1

    wait_until(relay_active, timeout=60, interval=0.1, message="relay active")
    wait_until(consumer_ready, timeout=60, interval=0.1, message="nameko consumer on its queue")
    return relay, consumer


def applied(tally_url: str, like: str) -> int:
    return scalar(tally_url, "SELECT count(*) FROM tally_applied WHERE stream_id LIKE %s", (like,))


def bench_e2e(env: BenchEnv, table: Table, args, ledger_url: str, tally_url: str, queue: str) -> None:
    w, per_writer = args.writers, args.e2e
    n = w * per_writer
    print(f"end to end: {n:,} events, {w} writers ...", flush=True)
    # ceiling: the same writers appending alone (no relay, no consumer); their outbox rows are then dropped
    alone, *_ = run_writers(ledger_url, "store", w, per_writer, 1, "solo")
    execute(ledger_url, "TRUNCATE outbox")

    start_pipeline(env, ledger_url, tally_url, queue)
    # warm up: the consumer's pool, the relay's statements
    warm = 200
    fill_outbox(ledger_url, warm, per_txn=1, streams=20, prefix="warm")
    wait_until(lambda: applied(tally_url, "warm-%") >= warm, timeout=60, message="warm-up applied")

    def until_applied():
        # One connection for the whole wait: a new one every poll cost PostgreSQL a backend fork each time,
        # CPU the pipeline being measured then lacked.
        from services.common.db import connect
        with connect(tally_url, autocommit=True) as conn:
            count = "SELECT count(*) FROM tally_applied WHERE stream_id LIKE 'e2e-%'"
            wait_until(lambda: conn.execute(count).fetchone()[0] >= n, timeout=600, interval=0.05,
                       message="every event applied")
        return time.monotonic()

    writers_rate, start, end, done = run_writers(ledger_url, "store", w, per_writer, 1, "e2e",
                                                 during=until_applied)
    e2e = n / (done - start)
    dead = scalar(tally_url, "SELECT count(*) FROM dead_letters")
    table.add(Row(f"end to end, append -> tally ({n:,} events)", e2e, alone, target=">= 50 %",
                  met=e2e / alone >= 0.5,
                  ceiling_name=f"the same {w} writers appending alone, 1 event/txn",
                  note=f"writers appended at {writers_rate:,.0f}/s meanwhile; the last event was applied "
                       f"{done - end:.1f} s after the last append; dead letters: {dead}"))


def bench_lag(env: BenchEnv, table: Table, args, ledger_url: str, tally_url: str) -> None:
    from services.common.db import connect
    from services.common.decider import NewEvent
    from services.common.envelope import Metadata
    from services.common.store import EventStore
    from tests.example.ledger import Balances

    rate, seconds = 200, args.lag_seconds
    n = rate * seconds
    print(f"lag: {n:,} events at {rate}/s ...", flush=True)
    store = EventStore(LEDGER, [Balances()])
    batch = [NewEvent("Incremented", {"amount": 1})]
    streams, versions = 20, [0] * 20
    behind = 0.0
    with connect(ledger_url) as conn:
        t0 = time.monotonic()
        for i in range(n):
            due = t0 + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                behind = max(behind, -pause)
            s = i % streams
            store.append(conn, f"lag-{s}", "counter", versions[s], batch, Metadata(municipality="0180"))
            conn.commit()
            versions[s] += 1
        achieved = n / (time.monotonic() - t0)
    wait_until(lambda: applied(tally_url, "lag-%") >= n, timeout=120, message="lag events applied")
    with connect(tally_url) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM t.applied_at - (i.envelope->>'recorded_at')::timestamptz) * 1000, "
            "       extract(epoch FROM i.received_at - (i.envelope->>'recorded_at')::timestamptz) * 1000 "
            "FROM tally_applied t JOIN inbox i USING (event_id) WHERE t.stream_id LIKE 'lag-%'").fetchall()
    lags = [float(r[0]) for r in rows]
    received = [float(r[1]) for r in rows]
    p50, p99 = percentile(lags, 50), percentile(lags, 99)
    note = (f"{len(lags):,} events at {achieved:.0f}/s achieved; max {max(lags):.1f} ms; consumer transaction "
            f"began (inbox.received_at) p50 {percentile(received, 50):.1f} / p99 {percentile(received, 99):.1f} ms "
            f"after recorded_at")
    table.add(Row(f"lag append -> tally p50 at {rate}/s", p50, unit="ms", target="-"))
    table.add(Row(f"lag append -> tally p99 at {rate}/s", p99, unit="ms", target="< 100 ms", met=p99 < 100,
                  note=note))


# --- 5. rebuild ------------------------------------------------------------------------------------------

def bench_rebuild(env: BenchEnv, table: Table, args) -> None:
    from services.common.db import connect
    from services.common.projections import rebuild
    from tests.example.ledger import Balances

    n = args.rebuild
    print(f"rebuild: writing {n:,} events ...", flush=True)
    url = env.database("rebuild", LEDGER_MIGRATIONS)
    execute(url, f"""
        INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, schema_version,
                            municipality, occurred_at, recorded_at, actor, data)
        SELECT gen_random_uuid(), 'counter-' || (g % 1000), 'counter', g / 1000 + 1, 'Incremented', 1,
               '0180', now(), now(), 'bench', jsonb_build_object('amount', 1)
        FROM generate_series(0, {n - 1}) g""", "VACUUM ANALYZE events")

    def raw_read() -> float:
        with connect(url) as conn:
            with conn.cursor(name="raw_read") as cur:
                cur.itersize = 5000
                t0 = time.monotonic()
                cur.execute("SELECT * FROM events")
                count = sum(1 for _ in cur)
                seconds = time.monotonic() - t0
        assert count == n
        return n / seconds

    raw_read()  # warm the cache for both
    ceiling = raw_read()
    print("rebuild: replaying ...", flush=True)
    with connect(url) as conn:
        t0 = time.monotonic()
        replayed = rebuild(conn, [Balances()], progress=False)
        conn.commit()
        rate = replayed / (time.monotonic() - t0)
    assert replayed == n and scalar(url, "SELECT sum(total) FROM balances") == n
    table.add(Row(f"rebuild Balances ({n:,} events)", rate, ceiling, target=">= 25 %", met=rate / ceiling >= 0.25,
                  ceiling_name="SELECT * FROM events through a server-side cursor (itersize 5000)"))


def _load() -> str:
    return getattr(_load, "at_start", "?")


# --- main ------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a run of well under a minute")
    parser.add_argument("--writers", type=int, default=4, help="writer processes (default 4)")
    parser.add_argument("--only", default="append,relay,e2e,lag,rebuild", help="comma-separated benchmarks")
    args = parser.parse_args(argv)
    sizes = (dict(single=500, batched=2_000, relay=5_000, e2e=300, lag_seconds=5, rebuild=20_000) if args.quick
             else dict(single=2_500, batched=10_000, relay=20_000, e2e=1_500, lag_seconds=20, rebuild=200_000))
    for key, value in sizes.items():
        setattr(args, key, value)
    only = set(args.only.split(","))

    table = Table()
    started = time.monotonic()
    _load.at_start = load_average()
    print(f"kontakt kernel bench{' (quick)' if args.quick else ''}: {os.cpu_count()} cpus, "
          f"{args.writers} writers", flush=True)
    with BenchEnv() as env:
        print(f"  databases {env.db_prefix}*, vhost {env.vhost}, logs {env.logdir}", flush=True)
        try:
            if "append" in only:
                bench_append(env, table, args)
            if only & {"relay", "e2e", "lag"}:
                from services.common.kernel import receiver_name
                from services.common.topology import Subscription, declare

                ledger_url = env.database(LEDGER, LEDGER_MIGRATIONS)
                tally_url = env.database(TALLY, TALLY_MIGRATIONS)
                # the time the consumer applied each event, in the bench's own tally database
                execute(tally_url, "ALTER TABLE tally_applied "
                                   "ADD COLUMN applied_at timestamptz NOT NULL DEFAULT clock_timestamp()")
                subscription = Subscription(LEDGER, TALLY, receiver_name(LEDGER))
                declare(env.amqp_uri, [LEDGER], [subscription])
                queue = subscription.queue_name
                if "relay" in only:
                    bench_relay(env, table, args, ledger_url, queue)
                if "e2e" in only:
                    bench_e2e(env, table, args, ledger_url, tally_url, queue)
                if "lag" in only:
                    if "e2e" not in only:
                        start_pipeline(env, ledger_url, tally_url, queue)
                    bench_lag(env, table, args, ledger_url, tally_url)
            if "rebuild" in only:
                bench_rebuild(env, table, args)
        except BaseException:
            print_logs_of(env)
            raise
    print_summary(table, started, _load())
    return 0  # a missed target is a finding to report, not a failure of the run


if __name__ == "__main__":
    sys.exit(main())
