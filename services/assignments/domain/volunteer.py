"""A volunteer as the matching pool holds them: what eligibility and ranking read (read/pool.py builds these from
applicants' and registry_checks' events, and the service's own offers and ends). See docs/domain.md, "Matching".

A volunteer's id is their applicant's stream id, "applicant-<uuid>": the form applicants' events carry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.common.ids import stream_key
from services.common.places import normalise_postnummer

from .need import normalise_words

AVAILABILITY_KINDS = ("weekdays", "evenings", "weekends", "holidays")


def canonical_volunteer_id(value) -> str | None:
    """"applicant-<uuid>" from any spelling of it or the bare uuid (a volunteer's token may carry either); None if
    it names none."""
    return stream_key("applicant", value)


@dataclass(frozen=True)
class PoolEntry:
    """One volunteer as the matching pool holds them. A volunteer not approved, or whose approval has run out, holds
    no roles (read/pool.py), so that eligibility names why they may not be asked."""

    volunteer_id: str
    municipality: str  # kommunkod of the volunteer's home municipality
    roles: frozenset[str]  # insatser approved for: kontaktperson, kontaktfamilj, skkp
    checks_clear_until: date | None  # earliest expiry among their register checks; None unless all are clear
    regional_consent: bool = False  # may be matched by the region's other municipalities
    max_assignments: int = 1
    active_assignments: int = 0
    age_min: int | None = None  # preferred client age, inclusive
    age_max: int | None = None
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    postnummer: str | None = None
    availability: frozenset[str] = frozenset()  # subset of AVAILABILITY_KINDS
    household_birth_years: tuple[int, ...] = ()
    area: str | None = field(default=None, init=False)  # first three digits of postnummer

    def __post_init__(self):
        # Normalised once here so ranking compares plain sets.
        set_ = object.__setattr__
        set_(self, "roles", frozenset(self.roles))
        set_(self, "interests", frozenset(normalise_words(self.interests)))
        set_(self, "languages", frozenset(normalise_words(self.languages)))
        set_(self, "availability", frozenset(self.availability))
        if self.postnummer:
            set_(self, "postnummer", normalise_postnummer(self.postnummer))
            set_(self, "area", self.postnummer[:3])
