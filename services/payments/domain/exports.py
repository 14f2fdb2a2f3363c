"""Exports of a payment run, as pure functions over the `CompensationCalculated` data of the compensations paid.

Payroll file: one row per person, pay type and AGI box, arvode and omkostnad kept apart, so payroll can check and
report the month's arbetsgivardeklaration (agi.py makes the AGI file itself; docs/payroll-export.md lists every
field): arvode and omkostnad above the SKR level go in box 011, or 131 while the year is under 1,000 kr; in the month
the year reaches 1,000 kr the earlier months' pay in 010 (row AGA-EFTER, with the contributions caught up);
omkostnad within the SKR level (or an individual decision's) in 020; the tax withheld in 001 (274 for SINK);
expenses against receipts are not reported. Employer contributions are per row so the huvuduppgift can be checked
against them.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable, Mapping

from .agi import TAXABLE_PAY_TYPES, individuals
from .money import as_kronor_text
from .tax import LEGACY_BASES


@dataclass(frozen=True)
class PayType:
    code: str
    description: str  # Swedish: shown to payroll staff
    taxable: bool  # pay: tax withheld and employer contributions due


PAY_TYPES = {
    "arvode": PayType("ARV", "Arvode", True),
    "omkostnad": PayType("OMK", "Omkostnadsersättning inom SKR-nivån eller enligt individuellt beslut: "
                                "kostnadsersättning, ej underlag för skatteavdrag eller arbetsgivaravgifter "
                                "(inkomst för mottagaren, förifylls i ruta 1.2)", False),
    "omkostnad_taxable": PayType("OMK-SKPL", "Omkostnadsersättning över SKR-nivån: lön", True),
    "expenses": PayType("UTL", "Utlägg mot kvitto", False),
    # When the year reaches 1,000 kr: the earlier months' pay becomes underlag, and its contributions are due.
    "contributions_catch_up": PayType("AGA-EFTER", "Avräkning från avgiftsfri ersättning: tidigare månaders "
                                                   "arvode blir underlag när året når 1 000 kr", False),
}
AGI_BOX = {"omkostnad": "020", "expenses": "", "contributions_catch_up": "010"}  # arvode: 011 or 131

PAYROLL_COLUMNS = ["period", "person_id", "personnummer", "pay_type", "pay_type_code", "description", "taxable",
                   "agi_box", "amount_ore", "amount_kr", "tax_withheld_ore", "tax_withheld_kr",
                   "employer_contributions_ore", "employer_contributions_kr", "months", "compensation_ids",
                   "withholding_basis"]


@dataclass(frozen=True)
class PayrollRow:
    period: str  # the month of payment (the AGI period)
    person_id: str
    pay_type: str
    agi_box: str
    amount_ore: int
    tax_withheld_ore: int
    employer_contributions_ore: int
    months: tuple[str, ...]  # the months worked the row pays for
    compensation_ids: tuple[str, ...]
    withholding_basis: str = ""


def payroll_rows(period: str, compensations: Iterable[dict]) -> list[PayrollRow]:
    """Rows per person, pay type and box, in a stable order; rows with nothing in them are left out."""
    compensations = list(compensations)
    people = {(p.person_id, p.sink): p for p in individuals(compensations)}
    sums: dict[tuple[str, str, str], list] = {}

    def add(person: str, pay_type: str, box: str, amount: int, tax: int, fees: int, data: dict) -> None:
        entry = sums.setdefault((person, pay_type, box), [0, 0, 0, set(), [], set()])
        entry[0] += amount
        entry[1] += tax
        entry[2] += fees
        entry[3].add(data["month"])
        entry[4].append(data["compensation_id"])
        entry[5].add(data["tax"]["withholding_basis"])

    for data in compensations:
        person = people[(data["volunteer_id"], data["tax"]["withholding_basis"] == "sink")]
        charged = person.crossed or not data["tax"]["under_threshold"]
        for line in data["lines"]:
            box = AGI_BOX.get(line["pay_type"]) if line["pay_type"] not in TAXABLE_PAY_TYPES else \
                "011" if charged else "131"
            if line["amount_ore"] or line["tax_withheld_ore"] or line["employer_contributions_ore"]:
                add(person.person_id, line["pay_type"], box, line["amount_ore"], line["tax_withheld_ore"],
                    line["employer_contributions_ore"], data)
        if data["employer_contributions_catch_up_ore"] or data["employer_contributions_catch_up_base_ore"]:
            add(person.person_id, "contributions_catch_up", "010", 0, 0, data["employer_contributions_catch_up_ore"],
                data)
    for (person_id, pay_type, _), values in sums.items():
        if pay_type == "contributions_catch_up":  # the 010 amount is the person's, as the AGI file has it
            values[0] = sum(p.box_010_ore for p in people.values() if p.person_id == person_id)
    order = list(PAY_TYPES)
    return [PayrollRow(period, person, pay_type, box, *values[:3], tuple(sorted(values[3])), tuple(values[4]),
                       " ".join(sorted(values[5])))
            for (person, pay_type, box), values in sorted(sums.items(),
                                                          key=lambda kv: (kv[0][0], order.index(kv[0][1]), kv[0][2]))]


def payroll_csv(rows: Iterable[PayrollRow], personnummer: Mapping[str, str] | None = None) -> str:
    """The payroll file. `personnummer` (person id -> personnummer) is added by the caller that may hold it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYROLL_COLUMNS)
    for row in rows:
        pay_type = PAY_TYPES[row.pay_type]
        writer.writerow([
            row.period, row.person_id, (personnummer or {}).get(row.person_id, ""), row.pay_type, pay_type.code,
            pay_type.description, "ja" if pay_type.taxable else "nej", row.agi_box,
            row.amount_ore, as_kronor_text(row.amount_ore), row.tax_withheld_ore, as_kronor_text(row.tax_withheld_ore),
            row.employer_contributions_ore, as_kronor_text(row.employer_contributions_ore),
            " ".join(row.months), " ".join(row.compensation_ids), _basis_text(row.withholding_basis)])
    return out.getvalue()


def _basis_text(bases: str) -> str:
    return " ".join(f"{basis} (skattetabell stöds inte: procentsats)" if basis in LEGACY_BASES else basis
                    for basis in bases.split())


SUMMARY_FIELDS = ["arvode_ore", "omkostnad_ore", "omkostnad_taxable_ore", "expenses_ore", "tax_withheld_ore",
                  "employer_contributions_ore", "payout_ore"]


def assignment_summary(compensations: Iterable[dict]) -> list[dict]:
    """Per assignment: the months paid, how many of the payments were adjustments, and the totals in öre."""
    summaries: dict[str, dict] = {}
    for data in compensations:
        entry = summaries.setdefault(data["assignment_id"], {
            "assignment_id": data["assignment_id"], "volunteer_id": data["volunteer_id"], "kind": data["kind"],
            "months": set(), "compensations": 0, "adjustments": 0, **{name: 0 for name in SUMMARY_FIELDS}})
        entry["months"].add(data["month"])
        entry["compensations"] += 1
        entry["adjustments"] += 1 if data["adjustment"] else 0
        for name in SUMMARY_FIELDS:
            entry[name] += data["totals"][name]
    return [{**entry, "months": sorted(entry["months"])} for _, entry in sorted(summaries.items())]


def summary_csv(summaries: Iterable[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["assignment_id", "volunteer_id", "kind", "months", "compensations", "adjustments", *SUMMARY_FIELDS]
    writer.writerow(head)
    for s in summaries:
        writer.writerow([" ".join(s["months"]) if name == "months" else s[name] for name in head])
    return out.getvalue()
