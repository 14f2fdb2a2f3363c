"""The plain arguments of a call (a page, a limit, a status), checked as a request body's fields are: a bad one is
a marshmallow ValidationError naming it."""
from __future__ import annotations

from marshmallow import ValidationError


def whole_number(name: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError({name: [f"a whole number from {low} to {high}"]})
    return value


def one_of(name: str, value, allowed) -> str | None:
    """`value` if it is one of `allowed`, or None (no filter)."""
    if value is not None and value not in allowed:
        raise ValidationError({name: [f"must be one of {', '.join(allowed)}"]})
    return value
