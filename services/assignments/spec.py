"""The assignments service as the kernel sees it: its read models, the services whose events it follows (applicants
and registry_checks: together they make the matching pool), its reaction to them, its tables, and what of its
events may be published (events.public_data removes client identity and case notes)."""
from __future__ import annotations

from pathlib import Path

from services.common.kernel import ServiceSpec

from . import events
from .app.reactions import react
from .read.assignments import Assignments
from .read.needs import Needs
from .read.pool import MatchingPool

SPEC = ServiceSpec(
    name="assignments",
    projections=(MatchingPool(), Needs(), Assignments()),
    sources=("applicants", "registry_checks"),
    react=react,
    migrations=Path(__file__).parent / "migrations",
    published_data=events.public_data,
)
