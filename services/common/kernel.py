"""A service as the kernel sees it: what it projects, how it reacts to others' events, whose events it follows;
and the runtime facade its nameko wiring, its CLI and its tests use.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from marshmallow import ValidationError

from .commands import CommandHandler
from .decider import Decider, NotFound
from .envelope import Event, Metadata, from_wire
from .inbox import RETRY_BACKOFF, Inbox, Outcome, store_refused
from .projections import Projection
from .store import EventStore
from .topology import Subscription

log = logging.getLogger(__name__)

# (kernel, conn, event): what a service does when a foreign event is applied, in the inbox's transaction.
Reaction = Callable[["Kernel", Any, Event], None]


def receiver_name(source: str) -> str:
    """The nameko method (and so queue) name that receives `source`'s events."""
    return f"receive_{source}_events"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    projections: tuple[Projection, ...] = ()
    sources: tuple[str, ...] = ()  # services whose events this one consumes
    react: Reaction | None = None
    migrations: Path | None = None
    # (event type, data) -> what other services may see of it; None publishes the whole event
    published_data: Callable[[str, dict], dict] | None = None
    # run with the owner's database URL each time the migrations are: the database roles a service's process
    # connects as, and their grants (the gateway's audit writer: gateway/database.py)
    after_migrations: Callable[[str], None] | None = None

    @property
    def subscriptions(self) -> list[Subscription]:
        return [Subscription(source, self.name, receiver_name(source)) for source in self.sources]


def load_spec(path: str) -> ServiceSpec:
    """'services.applicants.spec:SPEC', or just 'applicants' for a service under services/."""
    if ":" not in path:
        path = f"services.{path}.spec:SPEC"
    module, attribute = path.split(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass
class Kernel:
    spec: ServiceSpec
    pool: Any  # psycopg_pool.ConnectionPool
    retry_backoff: tuple[float, ...] = RETRY_BACKOFF
    sleep: Callable[[float], None] | None = None
    store: EventStore = field(init=False)
    commands: CommandHandler = field(init=False)
    inbox: Inbox = field(init=False)

    def __post_init__(self):
        self.store = EventStore(self.spec.name, self.spec.projections, self.spec.published_data)
        self.commands = CommandHandler(self.store)
        react = (lambda conn, event: self.spec.react(self, conn, event)) if self.spec.react else None
        self.inbox = Inbox(self.spec.projections, react)

    def execute(self, decider: Decider, stream_id: str, command: Any, metadata: Metadata = Metadata(),
                conn=None) -> list[Event]:
        """Run one command; in `conn`'s transaction when given (a reaction), else in a pooled connection's."""
        if conn is not None:
            return self.commands.handle(conn, decider, stream_id, command, metadata)
        with self.pool.connection() as conn:
            return self.commands.handle(conn, decider, stream_id, command, metadata)

    def receive(self, body: Any, source: str) -> Outcome:
        """One message from `source`'s exchange: validated, then applied exactly once, or kept as a dead letter."""
        return self.receive_batch([body], source)[0]

    def receive_batch(self, bodies: list[Any], source: str) -> list[Outcome]:
        """Messages from `source`'s exchange, in the order they arrived: each validated, then all applied in one
        transaction (or, if one fails, each on its own), exactly once; what fails for good is kept as a dead
        letter. Returns each message's outcome, in order."""
        outcomes: list[Outcome | None] = []
        received = []
        for body in bodies:
            try:
                received.append((from_wire(body, source=source), body))
                outcomes.append(None)
            except ValidationError as error:
                # Not an envelope at all, so no event id to keep it by; the fields are named, no values logged.
                log.error("dropped a malformed message from %s: invalid fields %s", source, sorted(error.messages))
                outcomes.append(Outcome("malformed"))
        kwargs = {"backoff": self.retry_backoff}
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        applied = iter(self.inbox.receive_batch(self.pool, received, **kwargs) if received else ())
        return [outcome or next(applied) for outcome in outcomes]

    def refuse(self, refused: list[tuple[bytes, Any, str]], source: str) -> None:
        """Keep messages from `source`'s exchange that its relay did not sign, (raw body, decoded body, reason)
        each, so that an operator sees them; they are never applied (docs/security.md)."""
        with self.pool.connection() as conn:
            store_refused(conn, source, refused)

    def connection(self):
        return self.pool.connection()

    def check_database(self) -> None:
        """Raises unless the service's database answers (for a health check)."""
        with self.connection() as conn:
            conn.execute("SELECT 1").fetchone()

    def find(self, key: str | None, query: Callable[[Any, str], Any], what: str = "resource") -> Any:
        """What `query(conn, key)` finds in a projection; NotFound when the key did not parse (None) or names
        nothing. Callers then check the caller's municipality on what was found, and answer a foreign one as not
        found too, so that existence does not leak."""
        if key is None:
            raise NotFound(f"no such {what}")
        with self.connection() as conn:
            found = query(conn, key)
        if found is None:
            raise NotFound(f"no such {what}")
        return found


def all_subscriptions(specs: Iterable[ServiceSpec]) -> list[Subscription]:
    return [subscription for spec in specs for subscription in spec.subscriptions]
