"""The applicants service as the kernel sees it: its read tables, and the service whose events it follows.

It follows registry_checks (CheckRequested, CheckCompleted, CheckExpired, CheckCancelled) only to project each
check's state, which an approval reads; it reacts to nothing, so `react` is None.
"""
from pathlib import Path

from services.common.kernel import ServiceSpec

from .projection import Applicants

SPEC = ServiceSpec(
    name="applicants",
    projections=(Applicants(),),
    sources=("registry_checks",),
    react=None,
    migrations=Path(__file__).parent / "migrations",
)
