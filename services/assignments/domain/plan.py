"""The genomförandeplan an assignment starts under: goals, frequency, and the compensation terms payments reads.

Amounts are never computed here: payments owns the dated rate tables. The plan states which level applies:
- kontaktperson: arvode by SKR svårighetsgrad (category 1-3) at a percent of the recommended level;
- kontaktfamilj: arvode per dygn by category 1-3 (and percent);
- skkp: no SKR recommendation, so the municipality fixes a monthly amount in öre.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.decider import Problem

ARVODE_BASIS = {"kontaktperson": "category", "kontaktfamilj": "per_dygn", "skkp": "fixed"}


@dataclass(frozen=True)
class Arvode:
    basis: str  # category | per_dygn | fixed; must fit the insats (ARVODE_BASIS)
    category: int | None = None  # svårighetsgrad 1-3, for category and per_dygn
    percent: int = 100  # of the recommended level, for category and per_dygn
    monthly_ore: int | None = None  # fixed

    def problems(self, insats: str) -> list[Problem]:
        out = []
        expected = ARVODE_BASIS.get(insats)
        if self.basis != expected:
            out.append(Problem(f"arvode for {insats} is set as {expected}", "plan.arvode.basis"))
        if self.basis in ("category", "per_dygn"):
            if self.category not in (1, 2, 3):
                out.append(Problem("arvode category must be 1, 2 or 3", "plan.arvode.category"))
            if not 1 <= self.percent <= 300:
                out.append(Problem("arvode percent must be 1 to 300", "plan.arvode.percent"))
        if self.basis == "fixed" and not (isinstance(self.monthly_ore, int) and self.monthly_ore > 0):
            out.append(Problem("a fixed arvode needs a monthly amount in öre", "plan.arvode.monthly_ore"))
        return out

    def to_data(self) -> dict:
        if self.basis == "fixed":
            return {"basis": self.basis, "category": None, "percent": None, "monthly_ore": self.monthly_ore}
        return {"basis": self.basis, "category": self.category, "percent": self.percent, "monthly_ore": None}

    @classmethod
    def from_data(cls, d: dict) -> "Arvode":
        return cls(d["basis"], d["category"], d["percent"] or 100, d["monthly_ore"])


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

    def problems(self, insats: str) -> list[Problem]:
        out = []
        if not any(g.strip() for g in self.goals):
            out.append(Problem("the plan needs at least one goal", "plan.goals"))
        if not 1 <= self.frequency_per_month <= 62:
            out.append(Problem("frequency per month must be 1 to 62", "plan.frequency_per_month"))
        return out + self.arvode.problems(insats) + self.omkostnad.problems()

    def to_data(self) -> dict:
        return {"goals": [g.strip() for g in self.goals if g.strip()],
                "frequency_per_month": self.frequency_per_month, "scope": self.scope,
                "arvode": self.arvode.to_data(), "omkostnad": self.omkostnad.to_data()}

    @classmethod
    def from_data(cls, d: dict) -> "Plan":
        return cls(tuple(d["goals"]), d["frequency_per_month"], Arvode.from_data(d["arvode"]),
                   Omkostnad.from_data(d["omkostnad"]), d.get("scope", ""))
