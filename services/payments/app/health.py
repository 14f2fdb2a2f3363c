"""Whether the service can work: its database answers, and how many run jobs wait for a worker."""
from __future__ import annotations

from .phases import queued_jobs


def health(kernel) -> dict:
    with kernel.connection() as conn:
        return {"database": True, "queued_jobs": queued_jobs(conn)}
