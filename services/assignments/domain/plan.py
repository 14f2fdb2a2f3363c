"""The genomförandeplan an assignment starts under (and is revised to): goals, frequency, and the compensation
terms payments reads.

Amounts are never computed here: payments owns the dated rate tables. The plan states which level applies, and a
plan payments could not pay is refused when it is made, not months later in a payment run:
- kontaktperson (basis `category`): SKR svårighetsgrad 1-3 and the arvode as a percent of PBB/12, which must lie
  in the category's SKR band on the day the plan takes effect (services/common/arvode_bands.py; category 1 is
  10-35 %). There is no default percent: the case worker chooses one within the band.
- kontaktfamilj (basis `per_dygn`): the svårighetsgrad 1-3 is recorded; the arvode per dygn is SKR's figure for
  the child's age on each day, so a percent is not taken (payments would not apply it).
- skkp (basis `fixed`): no SKR recommendation, so the municipality fixes a monthly amount in öre; no category or
  percent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.common.arvode_bands import band
from services.common.decider import Problem

ARVODE_BASIS = {"kontaktperson": "category", "kontaktfamilj": "per_dygn", "skkp": "fixed"}


@dataclass(frozen=True)
class Arvode:
    basis: str  # category | per_dygn | fixed; must fit the insats (ARVODE_BASIS)
    category: int | None = None  # svårighetsgrad 1-3, for category and per_dygn
    percent: int | None = None  # % of PBB/12 within the category's SKR band: category only
    monthly_ore: int | None = None  # fixed

    def problems(self, insats: str, on: date) -> list[Problem]:
        """What stops payments from paying this arvode from `on` (the day the plan takes effect)."""
        out = []
        expected = ARVODE_BASIS.get(insats)
        if self.basis != expected:
            out.append(Problem(f"arvode for {insats} is set as {expected}", "plan.arvode.basis", "arvode_basis"))
        if self.basis in ("category", "per_dygn") and self.category not in (1, 2, 3):
            out.append(Problem("arvode category must be 1, 2 or 3", "plan.arvode.category", "required"))
        if self.basis == "category":
            out += self._band_problems(on)
        elif self.percent is not None:
            out.append(Problem(f"a {self.basis} arvode takes no percent", "plan.arvode.percent", "not_applicable"))
        if self.basis == "fixed":
            if not (isinstance(self.monthly_ore, int) and self.monthly_ore > 0):
                out.append(Problem("a fixed arvode needs a monthly amount in öre", "plan.arvode.monthly_ore",
                                   "required"))
            if self.category is not None:
                out.append(Problem("a fixed arvode takes no category", "plan.arvode.category", "not_applicable"))
        elif self.monthly_ore is not None:
            out.append(Problem(f"a {self.basis} arvode takes no monthly amount", "plan.arvode.monthly_ore",
                               "not_applicable"))
        return out

    def _band_problems(self, on: date) -> list[Problem]:
        if self.percent is None:
            return [Problem("a kontaktperson's arvode needs its percent of PBB/12, within the category's band",
                            "plan.arvode.percent", "required")]
        if not 1 <= self.percent <= 300:
            return [Problem("arvode percent must be 1 to 300", "plan.arvode.percent", "invalid")]
        found = band(self.category, on) if self.category in (1, 2, 3) else None
        if found is None or found.holds(self.percent):
            return []
        return [Problem(f"arvode {self.percent} % is outside category {self.category}'s band "
                        f"{found.min_percent}-{found.max_percent} %", "plan.arvode.percent", "arvode_outside_band")]

    def to_data(self) -> dict:
        if self.basis == "fixed":
            return {"basis": self.basis, "category": None, "percent": None, "monthly_ore": self.monthly_ore}
        return {"basis": self.basis, "category": self.category, "percent": self.percent, "monthly_ore": None}

    @classmethod
    def from_data(cls, d: dict) -> "Arvode":
        return cls(d["basis"], d["category"], d["percent"], d["monthly_ore"])


@dataclass(frozen=True)
class Omkostnad:
    level: int  # omkostnadsersättning level 1-3 of the municipality's rate table
    receipts_allowed: bool = False  # actual costs may also be reimbursed against receipts (kvitto)

    def problems(self) -> list[Problem]:
        if self.level not in (1, 2, 3):
            return [Problem("omkostnad level must be 1, 2 or 3", "plan.omkostnad.level")]
        return []

    def to_data(self) -> dict:
        return {"level": self.level, "receipts_allowed": self.receipts_allowed}

    @classmethod
    def from_data(cls, d: dict) -> "Omkostnad":
        return cls(d["level"], d["receipts_allowed"])


@dataclass(frozen=True)
class Plan:
    goals: tuple[str, ...]
    frequency_per_month: int  # meetings, or dygn for kontaktfamilj
    arvode: Arvode
    omkostnad: Omkostnad
    scope: str = ""  # omfattning, free text: what the assignment covers

    def problems(self, insats: str, on: date) -> list[Problem]:
        """Every problem of the plan for an assignment of `insats`, taking effect on `on`."""
        out = []
        if not any(g.strip() for g in self.goals):
            out.append(Problem("the plan needs at least one goal", "plan.goals"))
        if not 1 <= self.frequency_per_month <= 62:
            out.append(Problem("frequency per month must be 1 to 62", "plan.frequency_per_month"))
        return out + self.arvode.problems(insats, on) + self.omkostnad.problems()

    def to_data(self) -> dict:
        return {"goals": [g.strip() for g in self.goals if g.strip()],
                "frequency_per_month": self.frequency_per_month, "scope": self.scope,
                "arvode": self.arvode.to_data(), "omkostnad": self.omkostnad.to_data()}

    @classmethod
    def from_data(cls, d: dict) -> "Plan":
        return cls(tuple(d["goals"]), d["frequency_per_month"], Arvode.from_data(d["arvode"]),
                   Omkostnad.from_data(d["omkostnad"]), d.get("scope", ""))
