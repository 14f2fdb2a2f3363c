"""Free texts users write into commands (reasons, notes, descriptions): how long they may be, and how they are kept."""
from __future__ import annotations

from services.common.decider import Problem

MAX_TEXT = 4000


def text_problems(text: str | None, name: str, required: bool = False) -> list[Problem]:
    """What is wrong with the text `name`: missing (only blank counts as missing) when required, or too long."""
    if text is None or not text.strip():
        return [Problem(f"{name} is required", name, "required")] if required else []
    if len(text) > MAX_TEXT:
        return [Problem(f"{name} is longer than {MAX_TEXT} characters", name, "too_long")]
    return []


def optional_text(text: str | None) -> str | None:
    """An optional text as the event keeps it: trimmed, and None when blank."""
    return text.strip() if text and text.strip() else None
