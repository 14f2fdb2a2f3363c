"""The contract suite: what every service must do, one suite parametrised over the four. Its tests of the running
services share one town (town.py) that lives one season (cases.py); its tests of the source need no database."""
from __future__ import annotations

import pytest

from .cases import live_a_season
from .town import Town


@pytest.fixture(scope="module")
def town(test_environment):
    town = Town()
    try:
        yield town
    finally:
        town.close()


@pytest.fixture(scope="module")
def season(town):
    return live_a_season(town)
