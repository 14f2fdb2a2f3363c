"""Who may do what: the staff and volunteer roles, and the caller the gateway vouches for.

Roles (see docs/domain.md, "Roles"): recruiter (familjehemssekreterare), case_worker (socialsekreterare),
volunteer (uppdragstagare: own assignments only), finance (payment runs), admin (rates, registers, configuration),
auditor (the audit log). The gateway checks the token; every service checks the municipality again on every call.
"""
from __future__ import annotations

import json

from .problems import ServiceProblem

RECRUITER, CASE_WORKER, VOLUNTEER, FINANCE, ADMIN, AUDITOR = ROLES = (
    "recruiter", "case_worker", "volunteer", "finance", "admin", "auditor")


class Caller:
    """Who is calling, as the gateway vouched for them."""

    def __init__(self, data: dict | None):
        data = data or {}
        self.actor: str | None = data.get("sub")
        self.name: str | None = data.get("name")
        self.roles: frozenset[str] = frozenset(data.get("roles", ()))
        self.municipalities: frozenset[str] = frozenset(data.get("municipalities", ()))
        self.system: bool = bool(data.get("system"))  # a service or the public form, not a person

    def may_act_in(self, municipality: str | None) -> bool:
        return self.system or (municipality is not None and municipality in self.municipalities)

    def has_role(self, *roles: str) -> bool:
        """A person holding one of `roles`; a system caller holds every role."""
        return self.system or bool(self.roles & set(roles))

    def is_only_volunteer(self) -> bool:
        """A person whose one staff-free role is volunteer: they see their own assignments and nothing else."""
        return not self.system and VOLUNTEER in self.roles and not (self.roles - {VOLUNTEER})

    def require(self, municipality: str | None, *roles: str) -> None:
        """Refuse unless the caller has one of `roles` in `municipality`; a foreign municipality is 'not found',
        so that existence does not leak across municipalities."""
        if not self.may_act_in(municipality):
            raise ServiceProblem("not_found", "no such resource", municipality=municipality)
        self.require_role(*roles)

    def require_role(self, *roles: str) -> None:
        if roles and not self.has_role(*roles):
            raise ServiceProblem("forbidden", "your role may not do this")

    def as_context_data(self) -> str:
        return json.dumps({"sub": self.actor, "name": self.name, "roles": sorted(self.roles),
                           "municipalities": sorted(self.municipalities), "system": self.system})
