"""Rows as what crosses RPC: JSON, with dates as "YYYY-MM-DD" and instants as ISO 8601 in UTC."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Mapping


def json_value(value: Any) -> Any:
    """One column's value as JSON carries it; lists and tuples element by element. A Decimal becomes its exact
    text, never a float (money and percentages are exact)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row (a dict of column values) as JSON."""
    return {name: json_value(value) for name, value in row.items()}
