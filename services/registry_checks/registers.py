"""The registers an applicant is checked against, and for how long a result stays valid.

Everything here is data plus two small functions, so a municipality's rules can be read (and changed)
without reading the decider. Which registers each role is checked in is the file registers_by_role.csv beside
this module (role, register, source: why that register is asked for that role):

    required_registers(roles, municipality, config) -> ["polisen_belastningsregister", ...]
    validity(register, roles, config) -> months a result may be relied on, counted from its completion

`ChecksConfig` is plain data; the service builds it from the `REGISTRY_CHECKS_CONFIG` environment variable
with `schemas.parse_config`, and tests build it directly.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping


@dataclass(frozen=True)
class Register:
    id: str  # stable: on the wire (routing key, body), in events and in keys; never rename
    name: str  # Swedish, as recruiters see it


POLISEN_BELASTNINGSREGISTER = "polisen_belastningsregister"
POLISEN_MISSTANKEREGISTER = "polisen_misstankeregister"
SOCIALREGISTRET = "socialregistret"
KRONOFOGDEN = "kronofogden"
FORSAKRINGSKASSAN = "forsakringskassan"

# In the order a recruiter expects to see them.
REGISTERS: dict[str, Register] = {r.id: r for r in (
    Register(POLISEN_BELASTNINGSREGISTER, "Polisen: belastningsregistret"),
    Register(POLISEN_MISSTANKEREGISTER, "Polisen: misstankeregistret"),
    Register(SOCIALREGISTRET, "Socialregistret (socialtjänstens register)"),
    Register(KRONOFOGDEN, "Kronofogden"),
    Register(FORSAKRINGSKASSAN, "Försäkringskassan"),
)}

# The roles of interest an applicant registers for (the applicants service uses the same names).
ROLES: tuple[str, ...] = ("kontaktperson", "kontaktfamilj", "skkp", "familjehem", "jourhem")

REGISTERS_BY_ROLE_CSV = Path(__file__).parent / "registers_by_role.csv"


def _registers_by_role() -> dict[str, tuple[str, ...]]:
    with open(REGISTERS_BY_ROLE_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_role: dict[str, list[str]] = {role: [] for role in ROLES}
    for row in rows:
        if row["role"] not in by_role or row["register"] not in REGISTERS or not row["source"].strip():
            raise ValueError(f"{REGISTERS_BY_ROLE_CSV.name}: {row['role']}, {row['register']}: not a role and "
                             "register of this module, or no source")
        by_role[row["role"]].append(row["register"])
    return {role: tuple(registers) for role, registers in by_role.items()}


# role -> the registers an applicant for it is checked in (registers_by_role.csv); Försäkringskassan is in no
# role's list: it is checked only where a municipality asks for it, through ChecksConfig.extra_registers.
REGISTERS_BY_ROLE: Mapping[str, tuple[str, ...]] = _registers_by_role()
# The registers every role is checked in (docs/domain.md, "Register checks").
DEFAULT_REGISTERS: tuple[str, ...] = tuple(
    register for register in REGISTERS if all(register in REGISTERS_BY_ROLE[role] for role in ROLES))

# A qualifier that may travel with the roles: the applicant will work with children under LSS.
# The applicant's roles alone cannot say this (a kontaktperson may be granted under SoL or LSS), so
# whoever requests the check adds it where it applies.
LSS_CHILDREN = "lss_barn"
ROLE_QUALIFIERS: tuple[str, ...] = (LSS_CHILDREN,)
KNOWN_ROLES: tuple[str, ...] = ROLES + ROLE_QUALIFIERS

DEFAULT_VALIDITY_MONTHS = 12


@dataclass(frozen=True)
class ValidityCap:
    """A limit no configuration may lift: a result for `register` is valid at most `max_months`
    when `role` is among the check's roles."""

    register: str
    role: str
    max_months: int
    basis: str  # why the limit exists, for whoever reads this table


# Lag (2010:479) om registerkontroll av personal som utför vissa insatser enligt LSS riktade till barn:
# the extract from belastningsregistret may be at most one year old.
STATUTORY_CAPS: tuple[ValidityCap, ...] = (
    ValidityCap(POLISEN_BELASTNINGSREGISTER, LSS_CHILDREN, 12,
                "lag (2010:479): utdrag ur belastningsregistret högst ett år gammalt (LSS, barn)"),
)


@dataclass(frozen=True)
class ChecksConfig:
    """A deployment's choices. Empty means the defaults above."""

    # kommunkod -> registers checked there on top of DEFAULT_REGISTERS, e.g. {"0180": ("forsakringskassan",)}
    extra_registers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # register -> months a result is valid, for every role
    validity_months: Mapping[str, int] = field(default_factory=dict)
    # register -> role -> months, overriding validity_months for that role
    validity_months_by_role: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


DEFAULT_CONFIG = ChecksConfig()


def required_registers(roles: Iterable[str], municipality: str,
                       config: ChecksConfig = DEFAULT_CONFIG) -> list[str]:
    """The registers to check for an applicant with these roles in this municipality, in display order: each
    role's (REGISTERS_BY_ROLE; a qualifier such as lss_barn adds none) and the municipality's extra ones."""
    wanted = {register for role in roles for register in REGISTERS_BY_ROLE.get(role, ())}
    wanted |= set(config.extra_registers.get(municipality, ()))
    return [register for register in REGISTERS if register in wanted]


def validity(register: str, roles: Iterable[str], config: ChecksConfig = DEFAULT_CONFIG) -> int:
    """Months a result from `register` may be relied on, counted from the day it was completed.

    One check serves all of the applicant's roles, so the strictest role decides; statutory caps apply last.
    """
    roles = set(roles)
    base = config.validity_months.get(register, DEFAULT_VALIDITY_MONTHS)
    by_role = config.validity_months_by_role.get(register, {})
    # A qualifier (lss_barn) is not a role of its own: it counts only where it has an override.
    months = min((by_role.get(role, base) for role in roles
                  if role in by_role or role not in ROLE_QUALIFIERS), default=base)
    for cap in STATUTORY_CAPS:
        if cap.register == register and cap.role in roles:
            months = min(months, cap.max_months)
    return months

