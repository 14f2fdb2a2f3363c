"""Who may do what: the staff and volunteer roles, and the caller the gateway vouches for.

Roles (see docs/domain.md, "Roles"): recruiter (familjehemssekreterare), case_worker (socialsekreterare),
volunteer (uppdragstagare: own assignments only), finance (payment runs), admin (rates, registers, configuration),
auditor (the audit log). Roles are granted per municipality. The gateway checks the token; every service checks the
role in the municipality again on every call, for a caller whose context the gateway signed (signing.py).
"""
from __future__ import annotations

from .problems import ServiceProblem

RECRUITER, CASE_WORKER, VOLUNTEER, FINANCE, ADMIN, AUDITOR = ROLES = (
    "recruiter", "case_worker", "volunteer", "finance", "admin", "auditor")


class Caller:
    """Who is calling, as the gateway vouched for them: their roles, granted per municipality.

    The data is {"sub", "name", "roles": {"<kommunkod>": ["<role>", ...]}, "system"}: a token's grants, so that a
    recruiter of 0180 who is a case worker in 1440 is a case worker in 1440 only. Every check asks for a role in a
    municipality together (`require`, `has_role_in`, `municipalities_with`). A caller made of no data is nobody
    (what a service gets when the context is not signed by the gateway): every check refuses them.
    """

    def __init__(self, data: dict | None):
        data = data or {}
        self.anonymous: bool = not data
        self.actor: str | None = data.get("sub")
        self.name: str | None = data.get("name")
        self.grants: dict[str, frozenset[str]] = {
            municipality: frozenset(roles) for municipality, roles in dict(data.get("roles") or {}).items() if roles}
        self.system: bool = bool(data.get("system"))  # a service or the public form, not a person

    @property
    def municipalities(self) -> frozenset[str]:
        """Every municipality the caller holds some role in: for the record (the audit), not for a check."""
        return frozenset(self.grants)

    @property
    def roles(self) -> frozenset[str]:
        """Every role the caller holds somewhere: for the record (the audit), not for a check."""
        return frozenset().union(*self.grants.values())

    def has_role_in(self, municipality: str | None, *roles: str) -> bool:
        """One of `roles` in `municipality` (with no roles: any role there); a system caller holds every role."""
        if self.system:
            return True
        held = self.grants.get(municipality) if municipality is not None else None
        return bool(held) and (not roles or bool(held & set(roles)))

    def may_act_in(self, municipality: str | None) -> bool:
        return self.has_role_in(municipality)

    def has_role(self, *roles: str) -> bool:
        """One of `roles` in some municipality: whether a route is for this caller at all, before the
        municipality of what it names is known."""
        return self.system or any(held & set(roles) for held in self.grants.values())

    def municipalities_with(self, *roles: str) -> list[str] | None:
        """The municipalities where the caller holds one of `roles`, sorted; None for a system caller (every one).
        Forbidden when there is none, so that a list is never asked for nowhere."""
        self._refuse_nobody()
        if self.system:
            return None
        found = sorted(m for m, held in self.grants.items() if held & set(roles))
        if not found:
            raise ServiceProblem("forbidden", "your role may not do this")
        return found

    def require(self, municipality: str | None, *roles: str) -> None:
        """Refuse unless the caller has one of `roles` in `municipality`; a municipality where they hold no role at
        all is 'not found', so that existence does not leak across municipalities."""
        self._refuse_nobody()
        if not self.may_act_in(municipality):
            raise ServiceProblem("not_found", "no such resource", municipality=municipality)
        if roles and not self.has_role_in(municipality, *roles):
            raise ServiceProblem("forbidden", "your role may not do this")

    def require_role(self, *roles: str) -> None:
        """One of `roles` somewhere: only for what belongs to no municipality (a deployment's operations)."""
        self._refuse_nobody()
        if roles and not self.has_role(*roles):
            raise ServiceProblem("forbidden", "your role may not do this")

    def restricted_to(self, roles: tuple[str, ...]) -> "Caller":
        """The same person holding only `roles` (where they hold them): what a route of those roles may act as."""
        if self.system or self.anonymous:
            return self
        return Caller({**self.as_data(), "roles": {m: sorted(held & set(roles))
                                                    for m, held in self.grants.items() if held & set(roles)}})

    def _refuse_nobody(self) -> None:
        if self.anonymous:
            raise ServiceProblem("unauthenticated", "no caller the gateway vouched for")

    def as_data(self) -> dict:
        return {"sub": self.actor, "name": self.name,
                "roles": {m: sorted(held) for m, held in sorted(self.grants.items())}, "system": self.system}
