"""The issue phase's work on one item (a compensation an approved run lists): IssuePayment on the compensation's
own stream, so workers paying a run in parallel never contend on one stream (jobs.py holds the job together)."""
from __future__ import annotations

from dataclasses import replace

from services.common.decider import CommandRefused, Problem
from services.common.envelope import Metadata

from ..domain.compensation import COMPENSATION, IssuePayment
from ..domain.compensation import stream_id as compensation_stream
from ..domain.payment_run import PAYMENT_RUN, PaymentRunState, RunItem
from .phases import item_problem


class RunCache:
    """An approved run's items by compensation id, kept per process: a run of 100,000 items is folded once per
    worker, not once per job. Keyed by the run stream's version, so a change is seen at once."""

    def __init__(self):
        self._runs: dict[str, tuple[int, PaymentRunState, dict[str, RunItem]]] = {}

    def get(self, kernel, conn, run_id: str) -> tuple[PaymentRunState, dict[str, RunItem]]:
        version = kernel.store.version(conn, run_id)
        cached = self._runs.get(run_id)
        if cached is None or cached[0] != version:
            state = PAYMENT_RUN.fold(kernel.store.load(conn, run_id))
            cached = (version, state, {item.compensation_id: item for item in state.items})
            if len(self._runs) > 8:
                self._runs.clear()
            self._runs[run_id] = cached
        return cached[1], cached[2]


def issue(kernel, conn, job: dict, item: dict, runs: RunCache) -> dict | None:
    """Pay one compensation in the job's transaction; None when paid (now or before), else why not."""
    run_state, index = runs.get(kernel, conn, job["run_id"])
    listed = index.get(item["compensation_id"])
    if listed is None:
        return item_problem(item, [Problem("the payment run does not list this compensation", "compensation_id",
                                           "not_in_run")])
    # The run's state as the decider needs it for this one compensation (status, municipality, the listing).
    view = replace(run_state, items=(listed,))
    command = IssuePayment(job["municipality"], item["assignment_id"], item["month"], item["compensation_id"],
                           view, job["requested_on"], by=job["requested_by"])
    try:
        kernel.execute(COMPENSATION, compensation_stream(item["assignment_id"], item["month"]), command,
                       Metadata(municipality=job["municipality"], actor=job["requested_by"]), conn=conn)
    except CommandRefused as refused:
        return item_problem(item, refused.problems)
    return None
