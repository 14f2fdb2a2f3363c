"""Aggregates as deciders: pure functions over events, no I/O.

A service's domain.py defines, per stream type, a `Decider`:

    decide(state, command) -> list[NewEvent]   # validate, then emit; or raise CommandRefused
    evolve(state, event) -> state              # fold one event (a NewEvent or a stored Event)

Loading an aggregate is folding its stream with `evolve`, starting from `initial()`. The kernel's
command handler (services/common/commands.py) does the I/O around these three functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterable, Protocol, TypeVar

S = TypeVar("S")


@dataclass(frozen=True)
class NewEvent:
    """An event a decision produced, before the store gives it a stream version and an id."""

    type: str  # stable, past tense: "ApplicantRegistered"; never a Python class path
    data: dict[str, Any]  # JSON-ready: str, int, bool, None, list, dict (dates as ISO strings)
    schema_version: int = 1


class EventLike(Protocol):
    type: str
    data: dict[str, Any]


class CommandRefused(Exception):
    """A command broke a rule. `problems` lists every reason, each naming what is wrong.

    Texts go to users and logs: never put personal data (names, personnummer) in them.
    `field` names the input at fault where there is one; `code` is a stable machine name.
    """

    def __init__(self, *problems: "Problem | str"):
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass(frozen=True)
class Problem:
    message: str
    field: str | None = None
    code: str | None = None


class NotFound(Exception):
    """The stream (or the thing asked for) does not exist, or is not visible to the caller."""


@dataclass(frozen=True)
class Decider(Generic[S]):
    stream_type: str  # "applicant"; stream ids are "<stream_type>-<uuid>"
    initial: Callable[[], S]
    decide: Callable[[S, Any], list[NewEvent]]
    evolve: Callable[[S, EventLike], S]
    # Commands whose decision stays valid on a newer state may be retried on a version conflict.
    retry_on_conflict: Callable[[Any], bool] = field(default=lambda command: False)

    def fold(self, events: Iterable[EventLike], state: S | None = None) -> S:
        state = self.initial() if state is None else state
        for event in events:
            state = self.evolve(state, event)
        return state
