"""The durable RabbitMQ work queue a payment run's jobs go through: `payments.jobs` (PAYMENTS_JOB_QUEUE).

One persistent message per job, on the default exchange. The service publishes a phase's jobs after their
transaction committed (app/runs.py); worker processes take them (worker.py). Plain kombu: no nameko, no eventlet.
"""
from __future__ import annotations

import os
from typing import Iterable

from kombu import Connection, Exchange, Queue

DEFAULT_JOB_QUEUE = "payments.jobs"


def job_queue_name() -> str:
    return os.environ.get("PAYMENTS_JOB_QUEUE", DEFAULT_JOB_QUEUE)


def job_queue() -> Queue:
    """Durable, on the default exchange; messages are persistent (delivery_mode 2)."""
    name = job_queue_name()
    return Queue(name, exchange=Exchange(""), routing_key=name, durable=True, auto_delete=False)


class JobQueue:
    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri

    def declare(self) -> None:
        with Connection(self.amqp_uri, connect_timeout=10) as connection:
            job_queue()(connection.default_channel).declare()

    def publish(self, job_ids: Iterable[int]) -> int:
        """Publish after the jobs' transaction committed. A message lost here is published again by a worker's
        sweep (app/phases.py), so jobs are never stranded."""
        count = 0
        with Connection(self.amqp_uri, connect_timeout=10) as connection:
            producer = connection.Producer(serializer="json")
            queue = job_queue()
            for job_id in job_ids:
                producer.publish({"job_id": job_id}, exchange="", routing_key=queue.routing_key, delivery_mode=2,
                                 declare=[queue] if count == 0 else [], retry=True)
                count += 1
        return count
