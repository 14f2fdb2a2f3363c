"""marshmallow's nested error messages as the flat list of field problems every answer carries."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError


def field_problems(error: ValidationError, prefix: str = "") -> list[dict]:
    """{"contact": {"email": ["Not a valid email."]}} becomes
    [{"field": "contact.email", "message": "Not a valid email.", "code": "invalid"}]; a missing field's code is
    "required". Messages name fields and rules, never the value that was sent."""
    def problem(message: str, field: str | None, code: str = "invalid") -> dict:
        return {"field": field, "message": message, "code": code}

    def walk(messages, path):
        if isinstance(messages, dict):
            for key, value in messages.items():
                yield from walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            for message in messages:
                yield problem(message, path or None, "required" if message.startswith("Missing") else "invalid")
        elif isinstance(messages, list):
            for index, value in enumerate(messages):
                yield from walk(value, f"{path}[{index}]")
        else:
            yield problem(str(messages), path or None)
    return list(walk(error.messages, prefix))


def body_of(body: Any) -> dict:
    """A command's body: a JSON object, or none at all (an empty one); anything else is invalid."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["the body must be a JSON object"]})
    return body


def load_body(schema: type[Schema] | Schema, body: Any) -> dict:
    """The one way a request body becomes a command's fields: checked against its schema, or ValidationError."""
    return (schema() if isinstance(schema, type) else schema).load(body_of(body))
