"""Fictional people for tests: valid personnummer that no real person is likely to hold twice in one run."""
from __future__ import annotations

import random
from datetime import date, timedelta

from services.common.identity import personnummer_for


def a_personnummer(rng: random.Random | None = None, born: date | None = None) -> str:
    """A valid personnummer "YYYYMMDD-NNNC" of an adult born 1955-1994, or on `born`."""
    rng = rng or random
    born = born or date(1955, 1, 1) + timedelta(days=rng.randrange(40 * 365))
    return personnummer_for(born, rng.randrange(1, 1000))


def a_childs_personnummer(rng: random.Random | None = None) -> str:
    """A valid personnummer of a child born in 2014, in the 12-digit form without a separator."""
    rng = rng or random
    return a_personnummer(rng, born=date(2014, 1, 1) + timedelta(days=rng.randrange(365))).replace("-", "")
