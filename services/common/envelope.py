"""The event envelope: what every stored and published event looks like, and how old versions are read.

The envelope is the contract between services. Its data part belongs to the event type and carries a schema
version; when a type's data changes shape, the owner registers an upcaster from the old version, so readers (the
store's loads and every consumer) only ever see the current shape.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable

from marshmallow import Schema, ValidationError, fields, validate


@dataclass(frozen=True)
class Metadata:
    """Who and why, given with a command and copied onto every event it produces."""

    municipality: str | None = None
    actor: str | None = None
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None
    occurred_at: datetime | None = None  # defaults to the moment of the append

    def caused_by(self, event: "Event", actor: str | None = None) -> "Metadata":
        """Metadata for what an event makes happen elsewhere: same correlation, caused by that event."""
        return Metadata(
            municipality=event.municipality,
            actor=actor or event.actor,
            correlation_id=event.correlation_id or event.event_id,
            causation_id=event.event_id,
        )


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    event_type: str
    schema_version: int
    stream_id: str
    stream_type: str
    stream_version: int
    occurred_at: datetime
    recorded_at: datetime
    data: dict[str, Any]
    municipality: str | None = None
    actor: str | None = None
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None
    source: str | None = field(default=None, compare=False)  # the publishing service, for received events

    @property
    def type(self) -> str:  # deciders' evolve reads .type and .data alike on new and stored events
        return self.event_type


class _AwareDateTime(fields.AwareDateTime):
    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, **kwargs)


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    stream_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    stream_type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    stream_version = fields.Integer(required=True, validate=validate.Range(min=1))
    municipality = fields.String(allow_none=True, load_default=None, validate=validate.Regexp(r"^\d{4}$"))
    occurred_at = _AwareDateTime(required=True)
    recorded_at = _AwareDateTime(required=True)
    actor = fields.String(allow_none=True, load_default=None)
    correlation_id = fields.UUID(allow_none=True, load_default=None)
    causation_id = fields.UUID(allow_none=True, load_default=None)
    data = fields.Dict(required=True)


_schema = EnvelopeSchema()


def to_wire(event: Event) -> dict[str, Any]:
    """The JSON-ready envelope, as published to RabbitMQ and stored in inboxes."""
    return _schema.dump(event)


def from_wire(body: dict[str, Any], source: str | None = None) -> Event:
    """Validate a received envelope and upcast its data. Raises ValidationError naming the fields at fault."""
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["an event envelope must be a JSON object"]})
    return upcast(Event(**_schema.load(body), source=source))


# --- upcasting ---------------------------------------------------------------------------------------------

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_upcasters: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function turning `event_type` data of `from_version` into `from_version + 1`."""

    def register(fn: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in _upcasters and _upcasters[key] is not fn:
            raise ValueError(f"an upcaster for {event_type} v{from_version} is already registered")
        _upcasters[key] = fn
        return fn

    return register


def upcast(event: Event) -> Event:
    data, version = event.data, event.schema_version
    while (event.event_type, version) in _upcasters:
        data = _upcasters[(event.event_type, version)](data)
        version += 1
    if version == event.schema_version:
        return event
    return replace(event, data=data, schema_version=version)
