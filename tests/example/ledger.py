"""The example's producer: counters that are incremented, with an inline balance projection."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.common.decider import CommandRefused, Decider, NewEvent, Problem
from services.common.kernel import ServiceSpec
from services.common.projections import Projection


@dataclass(frozen=True)
class Increment:
    amount: int
    poison: bool = False  # lets tests play an event that a consumer's handler has a bug for


def decide(total: int, command: Increment) -> list[NewEvent]:
    if command.amount <= 0:
        raise CommandRefused(Problem("must be a positive whole number", field="amount"))
    data = {"amount": command.amount, **({"poison": True} if command.poison else {})}
    return [NewEvent("Incremented", data)]


def evolve(total: int, event) -> int:
    return total + event.data["amount"] if event.type == "Incremented" else total


# Increments commute, so a command decided on an old state is still right on a newer one.
counter = Decider("counter", initial=lambda: 0, decide=decide, evolve=evolve,
                  retry_on_conflict=lambda command: True)


class Balances(Projection):
    tables = ("balances",)

    def on_Incremented(self, conn, event):
        conn.execute("INSERT INTO balances (stream_id, total) VALUES (%s, %s) ON CONFLICT (stream_id) "
                     "DO UPDATE SET total = balances.total + excluded.total",
                     (event.stream_id, event.data["amount"]))

    def apply_batch(self, conn, events):
        # Increments commute: a rebuild's batch folds into one upsert per counter.
        totals: dict[str, int] = {}
        for event in events:
            if event.event_type == "Incremented":
                totals[event.stream_id] = totals.get(event.stream_id, 0) + event.data["amount"]
        conn.cursor().executemany(
            "INSERT INTO balances (stream_id, total) VALUES (%s, %s) ON CONFLICT (stream_id) "
            "DO UPDATE SET total = balances.total + excluded.total", list(totals.items()))


def spec(name: str | None = None) -> ServiceSpec:
    return ServiceSpec(name=name or os.environ.get("EXAMPLE_LEDGER", "ledger"), projections=(Balances(),),
                       migrations=Path(__file__).parent / "ledger_migrations")


SPEC = spec()
