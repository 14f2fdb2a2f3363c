"""Every rate a municipality published (RatesPublished), with who and why: the history finance and auditors see.
The rates in force are folded from the stream itself (app/rates.py)."""
from __future__ import annotations

from services.common.envelope import Event
from services.common.projections import Projection
from services.common.rows import json_row

from .query import rows


class Rates(Projection):
    tables = ("pay_rates",)

    def on_RatesPublished(self, conn, event: Event) -> None:
        d = event.data
        for rate in d["rates"]:
            conn.execute(
                "INSERT INTO pay_rates (event_id, municipality, key, effective_from, value, unit, reason, "
                "published_by, published_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (str(event.event_id), d["municipality"], rate["key"], d["effective_from"], rate["value"],
                 rate["unit"], d["reason"], d["by"], event.recorded_at))


def rate_changes(conn, municipality: str) -> list[dict]:
    return [json_row(r) for r in rows(conn, "SELECT key, effective_from, value, unit, reason, published_by, "
                                            "published_at FROM pay_rates WHERE municipality = %s "
                                            "ORDER BY published_at, key", (municipality,))]
