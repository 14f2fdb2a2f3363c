"""Rates: the admin publishes a municipality's own figures; staff read the table in force and its history.
The table a calculation uses is folded from the stream "rates-<kommunkod>" (domain/rates.py)."""
from __future__ import annotations

from services.common.envelope import Metadata
from services.common.roles import ADMIN, AUDITOR, CASE_WORKER, FINANCE, Caller
from services.common.sweden import today
from services.common.validation import load_body

from ..domain.rate_table import RateTable, skr_defaults
from ..domain.rates import RATES, PublishRates, RateChange, stream_id, table
from ..read import rates as rate_history
from ..schemas import PublishRatesBody


def publish_rates(kernel, caller: Caller, municipality: str, body) -> dict:
    """RatesPublished: `body` is a PublishRatesBody {effective_from, rates: [{key, value}], reason}.
    Returns rates(municipality)."""
    caller.require(municipality, ADMIN)
    command = publish_rates_command(body, municipality=municipality, by=caller.actor)
    kernel.execute(RATES, stream_id(municipality), command, Metadata(municipality=municipality, actor=caller.actor))
    return _rates(kernel, municipality)


def publish_rates_command(body, *, municipality: str, by: str) -> PublishRates:
    fields = load_body(PublishRatesBody, body)
    return PublishRates(municipality, by, fields["effective_from"],
                        tuple(RateChange(r["key"], r["value"]) for r in fields["rates"]), fields["reason"])


def rates(kernel, caller: Caller, municipality: str) -> dict:
    """{"municipality", "on", "rates": [{key, value, unit, effective_from, source, carried_forward}],
    "changes": [{key, effective_from, value, unit, reason, published_by, published_at}]}"""
    caller.require(municipality, ADMIN, FINANCE, CASE_WORKER, AUDITOR)
    return _rates(kernel, municipality)


def _rates(kernel, municipality: str) -> dict:
    on = today()
    with kernel.connection() as conn:
        in_force = rates_of(kernel, conn, municipality)
        changes = rate_history.rate_changes(conn, municipality)
    shown = []
    for key in sorted(skr_defaults().keys):
        try:
            found = in_force.lookup(key, on)
        except KeyError:
            continue
        shown.append({**found.to_data(), "unit": in_force.keys[key].unit})
    return {"municipality": municipality, "on": on.isoformat(), "rates": shown, "changes": changes}


def rates_of(kernel, conn, municipality: str) -> RateTable:
    return table(RATES.fold(kernel.store.load(conn, stream_id(municipality))))


class RateTables:
    """Each municipality's rate table, folded again only when its stream has moved (a calculation job reads it
    for every job)."""

    def __init__(self):
        self._tables: dict[tuple[str, str], tuple[int, RateTable]] = {}

    def get(self, kernel, conn, municipality: str) -> tuple[tuple, RateTable]:
        """(a key naming this version of the table, the table)."""
        key = (kernel.spec.name, municipality)
        version = kernel.store.version(conn, stream_id(municipality))
        cached = self._tables.get(key)
        if cached is None or cached[0] != version:
            cached = (version, rates_of(kernel, conn, municipality))
            self._tables[key] = cached
        return (*key, version), cached[1]


RATE_TABLES = RateTables()
