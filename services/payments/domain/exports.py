"""Exports of a payment run, as pure functions over the `CompensationCalculated` data of the compensations paid.

Payroll file: one row per person and pay type, arvode and omkostnad kept apart, so payroll can report the month's
arbetsgivardeklaration (AGI): taxable pay goes in the individuppgift's box 011 (kontant bruttolön), the tax withheld
in box 001; tax-free omkostnad and expenses against receipts are not reported as pay. Employer contributions are
per row so the huvuduppgift can be checked against them.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable, Mapping

from .money import as_kronor_text


@dataclass(frozen=True)
class PayType:
    code: str
    description: str  # Swedish: shown to payroll staff
    taxable: bool
    agi_box: str  # the individuppgift box the amount goes in; "" when it is not reported as pay


PAY_TYPES = {
    "arvode": PayType("ARV", "Arvode", True, "011"),
    "omkostnad": PayType("OMK", "Omkostnadsersättning, skattefri", False, ""),
    "omkostnad_taxable": PayType("OMK-SKPL", "Omkostnadsersättning över SKR-nivå, skattepliktig", True, "011"),
    "expenses": PayType("UTL", "Utlägg mot kvitto", False, ""),
    # Employer contributions of earlier months that became due when the year passed 1,000 kr: no pay, only fees.
    "contributions_catch_up": PayType("AGA-EFTER", "Arbetsgivaravgifter för tidigare månader (1 000-kronorsgränsen)",
                                      False, ""),
}

PAYROLL_COLUMNS = ["period", "person_id", "personnummer", "pay_type", "pay_type_code", "description", "taxable",
                   "agi_box", "amount_ore", "amount_kr", "tax_withheld_ore", "tax_withheld_kr",
                   "employer_contributions_ore", "employer_contributions_kr", "months", "compensation_ids"]


@dataclass(frozen=True)
class PayrollRow:
    period: str  # the month of payment (the AGI period)
    person_id: str
    pay_type: str
    amount_ore: int
    tax_withheld_ore: int
    employer_contributions_ore: int
    months: tuple[str, ...]  # the months worked the row pays for
    compensation_ids: tuple[str, ...]


def payroll_rows(period: str, compensations: Iterable[dict]) -> list[PayrollRow]:
    """Rows per person and pay type, in a stable order; rows with nothing in them are left out."""
    sums: dict[tuple[str, str], list] = {}

    def add(person: str, pay_type: str, amount: int, tax: int, fees: int, data: dict) -> None:
        entry = sums.setdefault((person, pay_type), [0, 0, 0, set(), []])
        entry[0] += amount
        entry[1] += tax
        entry[2] += fees
        entry[3].add(data["month"])
        entry[4].append(data["compensation_id"])

    for data in compensations:
        person = data["volunteer_id"]
        for line in data["lines"]:
            if line["amount_ore"] or line["tax_withheld_ore"] or line["employer_contributions_ore"]:
                add(person, line["pay_type"], line["amount_ore"], line["tax_withheld_ore"],
                    line["employer_contributions_ore"], data)
        if data["employer_contributions_catch_up_ore"]:
            add(person, "contributions_catch_up", 0, 0, data["employer_contributions_catch_up_ore"], data)
    order = list(PAY_TYPES)
    return [PayrollRow(period, person, pay_type, *values[:3], tuple(sorted(values[3])), tuple(values[4]))
            for (person, pay_type), values in sorted(sums.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))]


def payroll_csv(rows: Iterable[PayrollRow], personnummer: Mapping[str, str] | None = None) -> str:
    """The payroll file. `personnummer` (person id -> personnummer) is added by the caller that may hold it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYROLL_COLUMNS)
    for row in rows:
        pay_type = PAY_TYPES[row.pay_type]
        writer.writerow([
            row.period, row.person_id, (personnummer or {}).get(row.person_id, ""), row.pay_type, pay_type.code,
            pay_type.description, "ja" if pay_type.taxable else "nej", pay_type.agi_box,
            row.amount_ore, as_kronor_text(row.amount_ore), row.tax_withheld_ore, as_kronor_text(row.tax_withheld_ore),
            row.employer_contributions_ore, as_kronor_text(row.employer_contributions_ore),
            " ".join(row.months), " ".join(row.compensation_ids)])
    return out.getvalue()


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
