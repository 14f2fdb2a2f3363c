"""Where a service declares what it publishes, and what its source says it publishes.

Every services/<name>/events.py declares its events in one registry, `EVENT_SCHEMAS`: {event type: (schema
version, the marshmallow Schema class of the event's data)}. An event's type is decided where the domain writes
`NewEvent("<EventType>", ...)`.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

from marshmallow import Schema

ROOT = Path(__file__).resolve().parents[2]


def declared_events(service: str) -> dict[str, tuple[int, type[Schema]]]:
    return importlib.import_module(f"services.{service}.events").EVENT_SCHEMAS


def decided_event_types(service: str) -> set[str]:
    """The event types named in `NewEvent("<type>", ...)` anywhere in the service's package."""
    found = set()
    for path in sorted((ROOT / "services" / service).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and _name_of(node.func) == "NewEvent":
                named = node.args[0] if node.args else next(
                    (keyword.value for keyword in node.keywords if keyword.arg == "type"), None)
                if isinstance(named, ast.Constant) and isinstance(named.value, str):
                    found.add(named.value)
    return found


def _name_of(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else None
