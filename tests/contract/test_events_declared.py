"""Events declared and versioned: each service's events.py holds a schema and a schema version for every event
type its domain decides. (That what it publishes on the wire matches them: test_every_service.py.)"""
from __future__ import annotations

import pytest
from marshmallow import Schema

from .published import decided_event_types, declared_events
from .town import SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_each_declared_event_has_a_schema_version_and_a_schema(service):
    declared = declared_events(service)
    assert declared, f"services/{service}/events.py declares no events"
    for event_type, (version, schema) in declared.items():
        assert isinstance(version, int) and version >= 1, f"{event_type}: schema version {version!r}"
        assert isinstance(schema, type) and issubclass(schema, Schema), f"{event_type}: {schema!r} is no Schema"


@pytest.mark.parametrize("service", SERVICES)
def test_every_event_type_a_service_decides_is_declared(service):
    # given the event types its source writes as NewEvent("<type>", ...)
    decided = decided_event_types(service)
    assert decided, f"no NewEvent(...) found in services/{service}"
    # then events.py declares each of them
    assert sorted(decided - set(declared_events(service))) == []
