"""A payments worker process: takes payment-run jobs off the durable RabbitMQ queue `payments.jobs` and does
them (app/jobs.py, process_job). Run as many as the work needs, on any machines:

    python -m services.payments.worker [--prefetch 2] [--name payments-worker-1]

Each message is acked only after its job's transaction committed; SIGKILL at any moment loses nothing (the broker
redelivers what was unacked) and doubles nothing (see app/jobs.py). SIGTERM finishes the job at hand, then stops.
When idle, a worker also sweeps: it ends a phase whose last worker died before ending it, and publishes again a
job whose message was lost (queued for longer than --stale-after seconds).

Plain kombu and psycopg, no nameko and no eventlet: a worker process is one thread doing one job at a time, so
two processes use two cores.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import time

from kombu import Connection, Consumer

from services.common import config
from services.common.db import make_pool
from services.common.kernel import Kernel
from services.common.migrations import migrate

from .app.issuing import RunCache
from .app.jobs import process_job, record_failure
from .app.phases import sweep
from .job_queue import JobQueue, job_queue
from .spec import SPEC

log = logging.getLogger("services.payments.worker")


class Worker:
    def __init__(self, kernel: Kernel, amqp_uri: str, *, name: str | None = None, prefetch: int = 2,
                 idle_interval: float = 5.0, stale_after: float = 300.0, heartbeat: int = 30):
        self.kernel = kernel
        self.amqp_uri = amqp_uri
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.prefetch = prefetch
        self.idle_interval = idle_interval
        self.stale_after = stale_after
        self.heartbeat = heartbeat
        self.stopping = False
        self.runs = RunCache()
        self.jobs_done = 0
        self._last_sweep = 0.0

    def stop(self) -> None:
        self.stopping = True

    def run(self) -> None:
        """Consume until stopped, reconnecting after a lost broker or database connection."""
        while not self.stopping:
            try:
                self._consume()
            except Exception as error:  # noqa: BLE001 - unacked jobs go back to the queue; start again
                log.warning("worker %s restarting after %s", self.name, type(error).__name__)
                time.sleep(1.0)

    def _consume(self) -> None:
        with Connection(self.amqp_uri, heartbeat=self.heartbeat, connect_timeout=10) as connection:
            channel = connection.channel()
            queue = job_queue()(channel)
            queue.declare()
            channel.basic_qos(prefetch_size=0, prefetch_count=self.prefetch, a_global=False)
            with Consumer(channel, [queue], callbacks=[self._on_message], accept=["json"], no_ack=False):
                log.info("worker %s consuming %s", self.name, queue.name)
                while not self.stopping:
                    try:
                        connection.drain_events(timeout=1.0)
                    except socket.timeout:
                        self._idle(connection)
                    else:
                        connection.heartbeat_check()

    def _idle(self, connection) -> None:
        connection.heartbeat_check()
        if time.monotonic() - self._last_sweep < self.idle_interval:
            return
        self._last_sweep = time.monotonic()
        stale = sweep(self.kernel, self.stale_after)
        if stale:
            log.warning("publishing %d job(s) again whose message was lost", len(stale))
            JobQueue(self.amqp_uri).publish(stale)

    def _on_message(self, body, message) -> None:
        job_id = body.get("job_id") if isinstance(body, dict) else None
        if not isinstance(job_id, int):
            log.error("dropped a job message without a job id")
            message.ack()
            return
        try:
            process_job(self.kernel, job_id, self.name, self.runs)
        except Exception as error:  # noqa: BLE001 - counted, then retried; given up after MAX_ATTEMPTS
            log.warning("job %d failed: %s", job_id, type(error).__name__)
            try:
                give_up = record_failure(self.kernel, job_id, error)
            except Exception:  # noqa: BLE001 - the database is gone: the job goes back to the queue
                give_up = False
            if give_up:
                message.ack()
            else:
                time.sleep(0.5)
                message.requeue()
            return
        message.ack()
        self.jobs_done += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Do payment-run jobs from the payments.jobs queue.")
    parser.add_argument("--prefetch", type=int, default=config.env_int("PAYMENTS_WORKER_PREFETCH", 2))
    parser.add_argument("--name", default=None)
    parser.add_argument("--stale-after", type=float, default=config.env_float("PAYMENTS_JOB_STALE_AFTER", 300.0))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    url = config.database_url(SPEC.name)
    migrate(url, SPEC.migrations)
    pool = make_pool(url, min_size=1, max_size=2, name="payments-worker")
    worker = Worker(Kernel(SPEC, pool), config.amqp_uri(), name=args.name, prefetch=args.prefetch,
                    stale_after=args.stale_after)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    try:
        worker.run()
    finally:
        pool.close()


if __name__ == "__main__":
    main()
