"""The arbetsgivardeklaration på individnivå (AGI) of a payment run: one huvuduppgift (HU) for the municipality and
one individuppgift (IU) per payee, from the `CompensationCalculated` data of what the run paid. See
docs/payroll-export.md for every field.

Skatteverket's XML schema (version 1.1) could not be obtained here, so the file is a CSV whose columns map one to
one to the AGI's fields (fältkod and element name), NOT validated against the XSD.

The boxes (fältkoder):
  011  arvode (and omkostnad above the SKR level without an individual decision) when employer contributions are
       due: the year has reached 1,000 kr;
  131  that pay while the year is still under 1,000 kr (not underlag för socialavgifter);
  010  in the month the year reaches 1,000 kr, the earlier months' 131 amounts, which become underlag now
       (avräkning från avgiftsfri ersättning); this month's own pay goes in 011;
  020  omkostnad within the SKR level, or an individually decided one (övriga kostnadsersättningar): income to the
       volunteer, prefilled in ruta 1.2, not pay for the municipality;
  001  the tax withheld (0 when none); 274 instead for SINK;
  060  the arbetsställenummer, when the municipality set one;
  487  (HU) the employer contributions, computed as Skatteverket does (ställningstagande 2017-06-08, dnr 131
       238881-17/111): every amount in whole kronor with the öre dropped (SFF 22 kap. 1 §), the bases summed per
       rate over the individuppgifter, each rate's sum times the rate with the öre dropped, the rates added;
  497  (HU) the tax withheld, summed.
The run's own öre figures are reconciled against 487 (`Agi.reconciliation`). Expenses against receipts (utlägg)
are not reported.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Iterable, Mapping

from .money import ORE_PER_KRONA

NOTE = ("AGI-underlag som CSV, en kolumn per fältkod i Skatteverkets arbetsgivardeklaration på individnivå; "
        "EJ validerad mot Skatteverkets XML-schema 1.1 (schemat fanns inte att tillgå). Se docs/payroll-export.md.")
COLUMNS = ["uppgift", "fk201_AgRegistreradId", "fk006_RedovisningsPeriod", "fk487_SummaArbAvgSlf",
           "fk497_SummaSkatteavdr", "fk215_BetalningsmottagarId", "fk570_Specifikationsnummer",
           "fk011_KontantErsattningUlagAG", "fk131_KontantErsattningEjUlagSA", "fk010_AvrakningAvgiftsfriErs",
           "fk020_AndraKostnadsers", "fk001_AvdrPrelSkatt", "fk274_AvdrSkattSINK", "fk060_Arbetsstallenummer"]
TAXABLE_PAY_TYPES = ("arvode", "omkostnad_taxable")


def whole_kronor(ore: int) -> int:
    """Whole kronor with the öre dropped (truncated toward zero, "så att öretal bortfaller"): 1999.99 kr -> 1999."""
    kronor = abs(ore) // ORE_PER_KRONA
    return kronor if ore >= 0 else -kronor


@dataclass(frozen=True)
class RuleInChain:
    rule: str
    percent: Decimal
    monthly_cap_ore: int | None


@dataclass
class Individual:
    """One payee's amounts in the period, in öre as the run booked them, before whole kronor."""

    person_id: str
    sink: bool  # SINK is declared in its own individuppgift (field 274 instead of 001)
    under_ore: int = 0  # taxable pay calculated while the year was under 1,000 kr
    over_ore: int = 0  # taxable pay calculated after it
    catch_up_base_ore: int = 0
    catch_up_base_known: bool = True  # False: a compensation calculated before schema 2 did not record it
    omkostnad_ore: int = 0
    tax_ore: int = 0
    booked_contributions_ore: int = 0  # charged on the lines and as catch-up
    chain: tuple[RuleInChain, ...] = ()
    compensation_ids: list[str] = field(default_factory=list)

    @property
    def crossed(self) -> bool:
        """The year reached 1,000 kr in this period: all of this period's pay is underlag."""
        return self.catch_up_base_ore > 0

    @property
    def box_011_ore(self) -> int:
        return self.under_ore + self.over_ore if self.crossed else self.over_ore

    @property
    def box_131_ore(self) -> int:
        return 0 if self.crossed else self.under_ore

    @property
    def box_010_ore(self) -> int:
        """The earlier periods' 131 amounts: the catch-up base less what this period itself had under the limit."""
        return self.catch_up_base_ore - self.under_ore if self.crossed else 0

    def bases_kr(self) -> list[tuple[RuleInChain, int]]:
        """The avgiftsunderlag (011 + 010 in whole kronor) by rate, as Skatteverket splits it by the payee's
        age: a capped rule (the youth reduction) takes up to its monthly cap, the next rule the rest."""
        base = whole_kronor(self.box_011_ore) + whole_kronor(self.box_010_ore)
        if not self.chain or not base:
            return []
        first = self.chain[0]
        if first.monthly_cap_ore is None or base < 0 or len(self.chain) == 1:
            return [(first, base)]
        within = min(base, first.monthly_cap_ore // ORE_PER_KRONA)
        return [(rule, amount) for rule, amount in ((first, within), (self.chain[1], base - within)) if amount]


def individuals(compensations: Iterable[dict]) -> list[Individual]:
    """Each payee's amounts (one per person, and one more for SINK), in a stable order."""
    found: dict[tuple[str, bool], Individual] = {}
    for data in compensations:
        tax = data["tax"]
        sink = tax["withholding_basis"] == "sink"
        person = found.setdefault((data["volunteer_id"], sink), Individual(data["volunteer_id"], sink))
        taxable = sum(line["amount_ore"] for line in data["lines"] if line["pay_type"] in TAXABLE_PAY_TYPES)
        if tax["under_threshold"]:
            person.under_ore += taxable
        else:
            person.over_ore += taxable
        base = data["employer_contributions_catch_up_base_ore"]
        if base is not None:
            person.catch_up_base_ore += base
        elif data["employer_contributions_catch_up_ore"]:
            person.catch_up_base_known = False
        person.omkostnad_ore += sum(line["amount_ore"] for line in data["lines"] if line["pay_type"] == "omkostnad")
        person.tax_ore += sum(line["tax_withheld_ore"] for line in data["lines"])
        person.booked_contributions_ore += (sum(line["employer_contributions_ore"] for line in data["lines"])
                                            + data["employer_contributions_catch_up_ore"])
        person.chain = tuple(RuleInChain(r["rule"], Decimal(r["percent"]), r["monthly_cap_ore"])
                             for r in tax["employer_contribution_rules"])
        person.compensation_ids.append(data["compensation_id"])
    return [found[key] for key in sorted(found)]


@dataclass(frozen=True)
class Employer:
    """The municipality as the AGI names it (its rate table: agi.organisationsnummer, agi.arbetsstallenummer)."""

    organisationsnummer: str | None  # 10 digits
    arbetsstallenummer: str | None = None

    @property
    def registered_id(self) -> str:
        """Field 201: "16" and the organisationsnummer (12 digits); empty when not set."""
        return f"16{self.organisationsnummer}" if self.organisationsnummer else ""


@dataclass(frozen=True)
class Agi:
    period: str  # YYYY-MM, the month of payment
    employer: Employer
    people: tuple[Individual, ...]
    personnummer: Mapping[str, str]

    def by_rate(self) -> list[dict]:
        """Per rate: the summed bases (kr), the contributions on them (kr, öre dropped), what the run booked."""
        rates: dict[Decimal, dict] = {}
        for person in self.people:
            for rule, base in person.bases_kr():
                entry = rates.setdefault(rule.percent, {"percent": str(rule.percent), "rules": set(), "base_kr": 0})
                entry["rules"].add(rule.rule)
                entry["base_kr"] += base
        return [{**entry, "rules": sorted(entry["rules"]),
                 "contributions_kr": int((entry["base_kr"] * percent / 100).to_integral_value(ROUND_DOWN))}
                for percent, entry in sorted(rates.items(), reverse=True)]

    @property
    def contributions_kr(self) -> int:
        """Field 487."""
        return sum(rate["contributions_kr"] for rate in self.by_rate())

    @property
    def tax_kr(self) -> int:
        """Field 497: the individuppgifter's 001 and 274, summed."""
        return sum(whole_kronor(person.tax_ore) for person in self.people)

    def reconciliation(self) -> dict:
        booked = sum(person.booked_contributions_ore for person in self.people)
        tax_booked = sum(person.tax_ore for person in self.people)
        return {"by_rate": self.by_rate(),
                "employer_contributions": {"agi_487_kr": self.contributions_kr, "booked_ore": booked,
                                           "difference_ore": self.contributions_kr * ORE_PER_KRONA - booked},
                "tax": {"agi_497_kr": self.tax_kr, "booked_ore": tax_booked,
                        "difference_ore": self.tax_kr * ORE_PER_KRONA - tax_booked}}

    def warnings(self) -> list[str]:
        """What the payroll officer must deal with before sending it (names ids, never personal data)."""
        found = []
        if not self.employer.organisationsnummer:
            found.append("fältkod 201 saknas: kommunens organisationsnummer (agi.organisationsnummer) är inte satt")
        for person in self.people:
            if not person.catch_up_base_known:
                found.append(f"{person.person_id}: fältkod 010 kan inte härledas för ersättning beräknad före "
                             f"schemaversion 2 ({', '.join(person.compensation_ids)})")
            if min(person.box_011_ore, person.box_131_ore, person.box_010_ore, person.omkostnad_ore,
                   person.tax_ore) < 0:
                found.append(f"{person.person_id}: ett negativt belopp (en rättelse som tar tillbaka): rätta "
                             f"individuppgiften för den period som betalades, inte denna")
        return found

    def rows(self) -> list[dict]:
        period = self.period.replace("-", "")
        common = {"fk201_AgRegistreradId": self.employer.registered_id, "fk006_RedovisningsPeriod": period}
        rows = [{"uppgift": "HU", **common, "fk487_SummaArbAvgSlf": self.contributions_kr,
                 "fk497_SummaSkatteavdr": self.tax_kr}]
        numbers: dict[str, int] = {}
        for person in self.people:
            # Specifikationsnummer: the same for the same payee and period whenever the file is made again (that
            # is how Skatteverket matches a replacement); a second one only for a SINK individuppgift.
            numbers[person.person_id] = numbers.get(person.person_id, 0) + 1
            rows.append({"uppgift": "IU", **common,
                         "fk215_BetalningsmottagarId": self.personnummer.get(person.person_id, "").replace("-", ""),
                         "fk570_Specifikationsnummer": numbers[person.person_id],
                         "fk011_KontantErsattningUlagAG": _amount(person.box_011_ore),
                         "fk131_KontantErsattningEjUlagSA": _amount(person.box_131_ore),
                         "fk010_AvrakningAvgiftsfriErs": _amount(person.box_010_ore),
                         "fk020_AndraKostnadsers": _amount(person.omkostnad_ore),
                         # Exactly one tax field per individuppgift, 0 when nothing was withheld.
                         "fk001_AvdrPrelSkatt": "" if person.sink else whole_kronor(person.tax_ore),
                         "fk274_AvdrSkattSINK": whole_kronor(person.tax_ore) if person.sink else "",
                         "fk060_Arbetsstallenummer": self.employer.arbetsstallenummer or ""})
        return rows


def _amount(ore: int) -> int | str:
    """A box in whole kronor; left out (empty) when there is nothing in it."""
    return whole_kronor(ore) or ""


def agi(period: str, compensations: Iterable[dict], employer: Employer,
        personnummer: Mapping[str, str] | None = None) -> Agi:
    return Agi(period, employer, tuple(individuals(compensations)), personnummer or {})


def agi_csv(declaration: Agi, notes: Iterable[str] = ()) -> str:
    """The file: notes first (lines beginning with #), the HU row, one IU row per payee, then the reconciliation
    as notes."""
    out = io.StringIO()
    for note in (NOTE, *notes, *declaration.warnings()):
        out.write(f"# {note}\n")
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(declaration.rows())
    rec = declaration.reconciliation()
    for rate in rec["by_rate"]:
        out.write(f"# avstämning {rate['percent']} % ({', '.join(rate['rules'])}): underlag {rate['base_kr']} kr, "
                  f"avgift {rate['contributions_kr']} kr\n")
    fees, tax = rec["employer_contributions"], rec["tax"]
    out.write(f"# avstämning arbetsgivaravgifter: 487 = {fees['agi_487_kr']} kr, bokfört {fees['booked_ore']} öre, "
              f"differens {fees['difference_ore']} öre\n")
    out.write(f"# avstämning skatteavdrag: 497 = {tax['agi_497_kr']} kr, bokfört {tax['booked_ore']} öre, "
              f"differens {tax['difference_ore']} öre\n")
    return out.getvalue()
