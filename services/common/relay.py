"""The outbox relay: publishes a service's committed events to RabbitMQ, then deletes their outbox rows.

- Exactly one relay per service is active: it holds a PostgreSQL advisory lock for as long as its connection
  lives. Others wait as standbys and take over when it dies.
- It wakes on NOTIFY from each append and polls as a fallback, since a notification can be missed across a
  reconnect.
- Messages are persistent and published with publisher confirms, pipelined: a batch is sent, then the relay waits
  for the broker's acks (the broker acks many at once) and deletes exactly the rows it confirmed. A row is never
  deleted before its confirm; a crash in between publishes it again, and consumers drop the repeat by event id.
- Rows go out in outbox order on one channel, so each stream's order is kept.
- Every message is signed (header `kontakt-signature`, signing.event_signature over the body as sent, bound to
  the exchange): the inboxes receive only what a relay of the deployment published (docs/security.md).

Run as `python -m services.common.relay SERVICE`.
"""
from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
import time
import zlib

import amqp
from kombu import Connection

from . import config, signing
from .db import connect
from .store import NOTIFY_CHANNEL
from .topology import declare_exchange

log = logging.getLogger("kontakt.relay")


class BrokerRefused(Exception):
    """The broker nacked a message: it could not take responsibility for it."""


class ConfirmingPublisher:
    """Publishes a batch on one confirm-mode channel and waits until the broker confirmed all of it."""

    def __init__(self, amqp_uri: str, service: str, heartbeat: float = 30):
        self.connection = Connection(amqp_uri, heartbeat=heartbeat, connect_timeout=10)
        self.connection.connect()
        declare_exchange(self.connection, service)
        self.service = service
        self.exchange = f"{service}.events"
        self.channel = self.connection.connection.channel()  # the raw py-amqp channel
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.published = 0  # delivery tags count from 1 per channel
        self.confirmed = 0
        self.nacked = False

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self.confirmed = max(self.confirmed, delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self.nacked = True

    def publish_batch(self, rows: list[tuple[int, str, str, str]], timeout: float = 30.0) -> None:
        """rows: (outbox id, event id, routing key, JSON body). Returns once every row is confirmed."""
        for _id, event_id, routing_key, body in rows:
            raw = body.encode("utf-8")  # encoded once: the bytes signed are the bytes sent
            message = amqp.Message(raw, content_type="application/json", content_encoding="utf-8",
                                   delivery_mode=2, message_id=event_id,
                                   application_headers={signing.EVENT_SIGNATURE_HEADER:
                                                        signing.event_signature(self.service, raw)})
            self.channel.basic_publish(message, exchange=self.exchange, routing_key=routing_key)
            self.published += 1
        deadline = time.monotonic() + timeout
        while self.confirmed < self.published:
            if self.nacked:
                raise BrokerRefused("the broker nacked a message; the batch stays in the outbox")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no publisher confirm from the broker in time")
            self.connection.drain_events(timeout=remaining)
        if self.nacked:
            raise BrokerRefused("the broker nacked a message; the batch stays in the outbox")

    def keep_alive(self) -> None:
        """Read what the broker sent meanwhile (its heartbeats) and send ours when due. An idle relay that never
        read would take the broker for dead after two heartbeat intervals and reconnect for nothing."""
        try:
            self.connection.drain_events(timeout=0.001)
        except socket.timeout:
            pass
        self.connection.heartbeat_check()  # raises if the broker connection is gone

    def close(self) -> None:
        try:
            self.connection.release()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


def lock_key(service: str) -> int:
    return zlib.crc32(f"kontakt-relay:{service}".encode())


class Relay:
    def __init__(self, service: str, database_url: str | None = None, amqp_uri: str | None = None,
                 batch_size: int = 500, poll_interval: float = 1.0, heartbeat: float = 30, linger: float = 0.005):
        signing.check_keys()  # a relay that cannot sign must not start: the inboxes would refuse all it sends
        self.service = service
        self.database_url = database_url or config.database_url(service)
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.linger = linger
        self.heartbeat = heartbeat
        self.restarts = 0
        self.stopping = threading.Event()
        self.active = threading.Event()  # set while this relay holds the lock
        self.published_total = 0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Relay until stopped, reconnecting after broker or database failures."""
        while not self.stopping.is_set():
            try:
                self._run_once()
            except Exception as error:  # noqa: BLE001 - a lost connection: start again, nothing is lost
                self.active.clear()
                self.restarts += 1
                log.warning("relay for %s restarting after %s: %s", self.service, type(error).__name__, error)
                self.stopping.wait(0.5)

    def _run_once(self) -> None:
        with connect(self.database_url, autocommit=True) as conn:
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(self.service),)).fetchone()[0]:
                if self.stopping.wait(self.poll_interval):  # standby: another relay is active
                    return
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            # The relay's deletes need not wait for the disk: one lost in a crash only publishes its event again,
            # and every consumer drops a repeat by its event id.
            conn.execute("SET synchronous_commit = off")
            self.active.set()
            log.info("relay for %s active", self.service)
            publisher = ConfirmingPublisher(self.amqp_uri, self.service, self.heartbeat)
            try:
                while not self.stopping.is_set():
                    if self._relay_batch(conn, publisher) < self.batch_size:
                        self._wait_for_work(conn)
                        publisher.keep_alive()
            finally:
                publisher.close()
                self.active.clear()

    def _relay_batch(self, conn, publisher: ConfirmingPublisher) -> int:
        rows = conn.execute("SELECT id, event_id::text, routing_key, body::text FROM outbox ORDER BY id LIMIT %s",
                            (self.batch_size,)).fetchall()
        if not rows:
            return 0
        publisher.publish_batch(rows)
        conn.execute("DELETE FROM outbox WHERE id = ANY(%s)", ([row[0] for row in rows],))
        self.published_total += len(rows)
        return len(rows)

    def _wait_for_work(self, conn) -> None:
        for _ in conn.notifies(timeout=self.poll_interval, stop_after=1):
            pass
        # A few milliseconds for the appends committing right behind this one: one batch (one select, one confirm
        # round, one delete) then carries them all, and their notifications, read here, wake nobody again.
        if self.linger > 0 and not self.stopping.wait(self.linger):
            for _ in conn.notifies(timeout=0):
                pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Publish a service's outbox to RabbitMQ.")
    parser.add_argument("service")
    parser.add_argument("--batch-size", type=int, default=config.env_int("RELAY_BATCH_SIZE", 500))
    parser.add_argument("--poll-interval", type=float, default=config.env_float("RELAY_POLL_INTERVAL", 1.0))
    parser.add_argument("--linger-ms", type=float, default=config.env_float("RELAY_LINGER_MS", 5.0),
                        help="after a notification, wait this long for more appends before publishing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        relay = Relay(args.service, batch_size=args.batch_size, poll_interval=args.poll_interval,
                      linger=args.linger_ms / 1000)
    except config.NotConfigured as error:
        sys.exit(f"relay for {args.service} not started: {error}")
    signal.signal(signal.SIGTERM, lambda *_: relay.stop())
    signal.signal(signal.SIGINT, lambda *_: relay.stop())
    relay.run()


if __name__ == "__main__":
    main()
