"""The gateway's own database (audit log, idempotency keys), migrated by the kernel like any service's, by its
owner; then the role the gateway writes as is granted what it may do (gateway/database.py)."""
from pathlib import Path

from services.common.kernel import ServiceSpec

from .database import grant_writer

SPEC = ServiceSpec(name="gateway", migrations=Path(__file__).parent / "migrations", after_migrations=grant_writer)
