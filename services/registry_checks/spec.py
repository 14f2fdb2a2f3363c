"""registry_checks as the kernel sees it: the checks projection, the applicants' events it follows, and its reaction
to them (app.reactions). What the service does is in app/, its nameko wiring in service.py."""
from __future__ import annotations

from pathlib import Path

from services.common.kernel import ServiceSpec

from .app import react
from .projection import Checks

SERVICE = "registry_checks"
MIGRATIONS = Path(__file__).parent / "migrations"


def make_spec(name: str = SERVICE) -> ServiceSpec:
    """The spec under another name gives tests a database of their own; the service itself is SPEC."""
    return ServiceSpec(name=name, projections=(Checks(),), sources=("applicants",), react=react,
                       migrations=MIGRATIONS)


SPEC = make_spec()
