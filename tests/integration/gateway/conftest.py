"""Fixtures of the gateway's tests (helpers in gateway_testing.py)."""
from __future__ import annotations

import pytest
from nameko.containers import ServiceContainer

from services.common import config

from gateway_testing import STAND, StandInApplicants, StandInRegistryChecks, running_gateway


@pytest.fixture(scope="module")
def stand_ins(test_environment):
    containers = [ServiceContainer(cls, config={"AMQP_URI": config.amqp_uri()})
                  for cls in (StandInApplicants, StandInRegistryChecks)]
    for container in containers:
        container.start()
    try:
        yield STAND
    finally:
        for container in containers:
            container.stop()


@pytest.fixture(scope="module")
def gateway(test_environment):
    # An applicant is shown without assignments when they do not come within 2 s; a loaded test machine may take
    # longer, and the tests read them (5 s: below GATEWAY_READ_TIMEOUT, past which the whole read is a 503).
    with running_gateway(GATEWAY_PART_TIMEOUT=5) as base:
        yield base
