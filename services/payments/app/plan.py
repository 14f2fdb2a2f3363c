"""The genomförandeplan's compensation terms, as the assignments service publishes them in AssignmentStarted, read
as payments' Terms (domain/calculation.py). See docs/domain.md, "Compensation".

The plan carries plan.arvode {basis, category, percent, monthly_ore} and plan.omkostnad {level, receipts_allowed}.
Read as: kontaktperson arvode `percent` % of PBB/12 within the category's band; omkostnad `level` 1-3 is the rate
table's kontaktperson.omkostnad.level_N in force that month; skkp arvode `monthly_ore`, omkostnad
`plan.omkostnad.monthly_ore` when given, else the level's monthly amount; kontaktfamilj needs each child's birth
date, published in AssignmentStarted's `client_birth_dates` (a syskonpar: both; omkostnad is paid per child).
A plan that carries `terms` (schemas.TermsBody) is used as is.

The individual decisions in force in the month (domain/decisions.py) are laid on top: a decided arvode per dygn
(kontaktfamilj), and omkostnad above SKR's level kept as omkostnad.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from services.common.rows import json_value
from services.common.validation import load_body

from ..domain.calculation import (IndividualDecision, KontaktfamiljTerms, KontaktpersonTerms, SetAmountTerms, Terms,
                                  month_start)
from ..domain.decisions import ARVODE, OMKOSTNAD
from ..domain.money import rate_in_whole_kronor
from ..domain.rate_table import RateTable
from ..schemas import TermsBody


def terms_of(assignment: dict, rates: RateTable, month: str,
             decisions: Mapping[str, IndividualDecision] | None = None) -> Terms:
    """The assignment's plan (a pay_assignments row) as the Terms in force in `month`, with the individual
    decisions in force then (decisions.in_force). Raises ValidationError naming what the plan lacks."""
    found = _plan_terms(assignment, rates, month)
    decisions = decisions or {}
    if decisions.get(OMKOSTNAD):
        found = replace(found, omkostnad_decision=decisions[OMKOSTNAD])
    if decisions.get(ARVODE) and isinstance(found, KontaktfamiljTerms):
        found = replace(found, arvode_decision=decisions[ARVODE])
    return found


def _plan_terms(assignment: dict, rates: RateTable, month: str) -> Terms:
    plan = assignment["plan"]
    kind = assignment["kind"]
    if plan.get("terms"):
        return terms({"kind": kind, **plan["terms"]})
    arvode, omkostnad = plan.get("arvode") or {}, plan.get("omkostnad") or {}
    on = month_start(month)
    body: dict[str, Any] = {"kind": kind, "expenses_allowed": bool(omkostnad.get("receipts_allowed"))}
    level = omkostnad.get("level")
    level_percent = rates.value(f"kontaktperson.omkostnad.level_{level}", on) if level in (1, 2, 3) else None
    if kind == "kontaktperson":
        body.update(category=arvode.get("category"),
                    arvode_percent=None if arvode.get("percent") is None else str(arvode["percent"]),
                    omkostnad_percent=None if level_percent is None else str(level_percent))
    elif kind == "kontaktfamilj":
        births = assignment.get("client_birth_dates") or [assignment.get("client_birth_date")]
        body.update(client_birth_dates=[json_value(birth) for birth in births if birth])
    else:
        monthly = omkostnad.get("monthly_ore")
        if monthly is None and level_percent is not None:
            monthly = rate_in_whole_kronor(rates.value("prisbasbelopp", on) * level_percent / 100 / 12)
        body.update(arvode_ore=arvode.get("monthly_ore"), omkostnad_ore=monthly)
    return terms(body)


def terms(body: dict) -> Terms:
    """A TermsBody as the Terms of its kind. Raises ValidationError."""
    fields = load_body(TermsBody, body)
    common = {"expenses_allowed": fields["expenses_allowed"],
              "omkostnad_justification": fields["omkostnad_justification"]}
    if fields["kind"] == "kontaktperson":
        return KontaktpersonTerms(fields["category"], fields["arvode_percent"], fields["omkostnad_percent"],
                                  **common)
    if fields["kind"] == "kontaktfamilj":
        children = tuple(fields["client_birth_dates"]) or (fields["client_birth_date"],)
        return KontaktfamiljTerms(children, fields["omkostnad_percent_child"], fields["omkostnad_percent_youth"],
                                  **common)
    return SetAmountTerms(fields["arvode_ore"], fields["omkostnad_ore"], **common)
