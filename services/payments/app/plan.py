"""The genomförandeplan's compensation terms, as the assignments service publishes them in AssignmentStarted, read
as payments' Terms (domain/calculation.py). See docs/domain.md, "Compensation".

The plan carries plan.arvode {basis, category, percent, monthly_ore} and plan.omkostnad {level, receipts_allowed}.
Read as: kontaktperson arvode `percent` % of PBB/12 within the category's band; omkostnad `level` 1-3 is the rate
table's kontaktperson.omkostnad.level_N in force that month; skkp arvode `monthly_ore`, omkostnad
`plan.omkostnad.monthly_ore` when given, else the level's monthly amount; kontaktfamilj needs the child's birth
date, published in AssignmentStarted's `client_birth_dates` (for a pair of siblings the first child's is used).
A plan that carries `terms` (schemas.TermsBody) is used as is.
"""
from __future__ import annotations

from typing import Any

from services.common.rows import json_value
from services.common.validation import load_body

from ..domain.calculation import KontaktfamiljTerms, KontaktpersonTerms, SetAmountTerms, Terms, month_start
from ..domain.money import rate_in_whole_kronor
from ..domain.rate_table import RateTable
from ..schemas import TermsBody


def terms_of(assignment: dict, rates: RateTable, month: str) -> Terms:
    """The assignment's plan (a pay_assignments row) as the Terms in force in `month`. Raises ValidationError
    naming what the plan lacks."""
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
        body.update(client_birth_date=json_value(assignment.get("client_birth_date")))
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
        return KontaktfamiljTerms(fields["client_birth_date"], fields["omkostnad_percent_child"],
                                  fields["omkostnad_percent_youth"], **common)
    return SetAmountTerms(fields["arvode_ore"], fields["omkostnad_ore"], **common)
