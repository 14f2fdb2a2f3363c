"""The gateway's own database (audit log, idempotency keys), migrated by the kernel like any service's."""
from pathlib import Path

from services.common.kernel import ServiceSpec

SPEC = ServiceSpec(name="gateway", migrations=Path(__file__).parent / "migrations")
