"""Given / when / then for deciders, so domain tests read as the rule they check.

    given(applicant, registered, interviewed).when(ApproveApplicant(...)).then_refused("private reference")
    events = given(check).when(RequestCheck(...)).then("CheckRequested")
"""
from __future__ import annotations

from typing import Any

from .decider import CommandRefused, Decider, NewEvent


class _Given:
    def __init__(self, decider: Decider, events: tuple[NewEvent, ...]):
        self.decider = decider
        self.state = decider.fold(events)

    def when(self, command: Any) -> "_When":
        try:
            return _When(self.decider.decide(self.state, command), None)
        except CommandRefused as refused:
            return _When(None, refused)


class _When:
    def __init__(self, events: list[NewEvent] | None, refused: CommandRefused | None):
        self.events = events
        self.refused = refused

    def then(self, *expected_types: str) -> list[NewEvent]:
        """The command was accepted and emitted exactly these event types, in order."""
        assert self.refused is None, f"expected events {expected_types}, command was refused: {self.refused}"
        assert [e.type for e in self.events] == list(expected_types), [e.type for e in self.events]
        return self.events

    def then_refused(self, *fragments: str) -> CommandRefused:
        """The command was refused, and every fragment appears in one of the problems."""
        assert self.refused is not None, f"expected refusal, got {[e.type for e in self.events]}"
        messages = [p.message for p in self.refused.problems]
        for fragment in fragments:
            assert any(fragment in m for m in messages), f"{fragment!r} not in {messages}"
        return self.refused


def given(decider: Decider, *events: NewEvent) -> _Given:
    return _Given(decider, events)
