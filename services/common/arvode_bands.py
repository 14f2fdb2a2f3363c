"""SKR's bands for a kontaktperson's arvode: for each svårighetsgrad (category 1-3), the lowest and highest
percentage of PBB/12 the recommendation allows, dated (data/skr_arvode_bands.csv, with its source).

Two parts need the same bands: the assignments service refuses a genomförandeplan whose arvode lies outside its
category's band when the plan is made, and payments checks the terms again when it pays. So the rule lives here, once.
A municipality's own band (payments' `PublishRates` of `kontaktperson.arvode.category_N.min/max`) is known only to
payments; see docs/domain.md, "Compensation", for what that means for a plan.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

BANDS_CSV = Path(__file__).parent / "data" / "skr_arvode_bands.csv"
CATEGORIES = (1, 2, 3)


@dataclass(frozen=True)
class Band:
    category: int
    effective_from: date
    min_percent: Decimal
    max_percent: Decimal
    source: str

    def holds(self, percent) -> bool:
        return self.min_percent <= Decimal(percent) <= self.max_percent


@lru_cache(maxsize=1)
def _bands() -> tuple[Band, ...]:
    with open(BANDS_CSV, encoding="utf-8") as f:
        rows = [Band(int(r["category"]), date.fromisoformat(r["effective_from"]), Decimal(r["min_percent"]),
                     Decimal(r["max_percent"]), r["source"]) for r in csv.DictReader(f)]
    return tuple(sorted(rows, key=lambda band: (band.category, band.effective_from)))


def band(category: int, on: date) -> Band | None:
    """The band of `category` in force on `on` (the latest row from that day or before); None for a category
    SKR does not know or a day before the first row."""
    found = None
    for row in _bands():
        if row.category == category and row.effective_from <= on:
            found = row
    return found
