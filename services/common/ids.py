"""Ids: one spelling of each, everywhere. See docs/contracts.md, "Ids".

Stream ids carry their kind: "applicant-<uuid>", "assignment-<uuid>", "need-<uuid>", "check-<uuid>". Callers may
name a resource by the bare uuid or the prefixed form, in any case, with or without hyphens, in braces or as a
"urn:uuid:" (what `uuid.UUID` accepts); every service and the gateway turn what they were given into the one
canonical form here before they look anything up, compare it or write it to the audit log.
"""
from __future__ import annotations

import uuid
from typing import Any


def bare_uuid(kind: str, value: Any) -> str | None:
    """The canonical uuid ("3f2b...-...") of "<kind>-<uuid>" or "<uuid>" in any spelling; None when it names none."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.lower().startswith(f"{kind}-"):
        text = text[len(kind) + 1:]
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def stream_key(kind: str, value: Any) -> str | None:
    """The canonical stream id "<kind>-<uuid>" of "<kind>-<uuid>" or "<uuid>" in any spelling; None otherwise."""
    key = bare_uuid(kind, value)
    return None if key is None else f"{kind}-{key}"
