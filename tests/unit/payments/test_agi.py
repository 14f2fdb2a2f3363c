"""The payroll file and the AGI file of one month (issue 11, item 3 and its "Must show"), every box and amount as
a payroll officer checks it.

The run of May 2026 pays April's work to five volunteers of one municipality (org nr 212000-0142, arbetsställe 12):

    anna     born 1958  kontaktperson category 2 at 45 %, omkostnad level 2   reduced 10.21 % (67 >= riktålder 67)
    bo       born 1959  the same                                              full 31.42 % (66 < 67)
    cecilia  born 2005  the same                                              youth 20.81 % (20; SFS 2026:100)
    david    born 1980  category 1 at 11 %, omkostnad level 1; March (paid in April) kept the year under
                        1,000 kr, April's payment takes it over: 011 this month, 010 March's
    eva      born 1975  kontaktfamilj, a 9-year-old; one stay logged weekly, Monday 23 March 10:00 to Sunday
                        12 April 17:00 (handovers Mondays 10:00), across the end of March

PBB 2026 59,200 kr. Kontaktperson per month (% of PBB/12, whole kronor): 45 % = 2,220; 25 % = 1,233.33 -> 1,233;
11 % = 542.67 -> 543; 10 % = 493.33 -> 493. Kontaktfamilj: arvode 225 kr per dygn (SKR 2023, carried forward),
doubled on weekends and helgdagar within the first 14 days; omkostnad 59,200 x 105 % / 365 = 170.30 -> 170 kr.
Skatteavdrag 30 % (sidoinkomst). AGI amounts in whole kronor, öre dropped; 487 per rate on the summed bases.
"""
import csv
import io
from datetime import date
from decimal import Decimal

from services.common.identity import personnummer_for
from services.common.testing import given
from services.payments.domain import agi
from services.payments.domain.calculation import KontaktpersonTerms, SetAmountTerms
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.exports import payroll_csv, payroll_rows
from services.payments.domain.tax import YearToDate

from .examples import approve, at, calculate, history, kf_terms, meeting, profile, stay

BORN = {"v-anna": date(1958, 6, 1), "v-bo": date(1959, 6, 1), "v-cecilia": date(2005, 8, 1),
        "v-david": date(1980, 5, 1), "v-eva": date(1975, 3, 1)}
PERSONNUMMER = {person: personnummer_for(born, 100 + i) for i, (person, born) in enumerate(BORN.items())}
EMPLOYER = agi.Employer("2120000142", "12")
CATEGORY_2 = KontaktpersonTerms(2, Decimal(45), Decimal(25))
DAVID = KontaktpersonTerms(1, Decimal(11), Decimal(10))
PAID_EARLIER = YearToDate(2026, 10_000_00, period="2026-05")  # the year is well over 1,000 kr already
WEEKS = (stay("w1", at(2026, 3, 23, 10), at(2026, 3, 30, 10)), stay("w2", at(2026, 3, 30, 10), at(2026, 4, 6, 10)),
         stay("w3", at(2026, 4, 6, 10), at(2026, 4, 12, 17)))


def calculated(person: str, month: str, terms, ytd: YearToDate, paid_on: date, *meetings, kind="kontaktperson",
               preceding=()) -> dict:
    report = approve(month, *meetings, kind=kind, assignment=f"a-{person}", volunteer=person, preceding=preceding)
    events = given(COMPENSATION, *history(report)).when(calculate(
        month, terms, paid_in=paid_on.isoformat()[:7], paid_on=paid_on, tax=profile(birth=BORN[person], person=person),
        ytd=ytd, assignment=f"a-{person}")).then("CompensationCalculated")
    return events[0].data


def april_run() -> list[dict]:
    """David's March, paid on 24 April 2026: 543 kr, the first pay of his year."""
    return [calculated("v-david", "2026-03", DAVID, YearToDate(2026, period="2026-04"), date(2026, 4, 24),
                       meeting("m-david-mar", date(2026, 3, 10)))]


def may_run() -> list[dict]:
    april = meeting("m-apr", date(2026, 4, 14))
    paid_on = date(2026, 5, 25)
    david_ytd = YearToDate.from_compensations(2026, april_run(), period="2026-05")
    return [calculated("v-anna", "2026-04", CATEGORY_2, PAID_EARLIER, paid_on, april),
            calculated("v-bo", "2026-04", CATEGORY_2, PAID_EARLIER, paid_on, april),
            calculated("v-cecilia", "2026-04", CATEGORY_2, PAID_EARLIER, paid_on, april),
            calculated("v-david", "2026-04", DAVID, david_ytd, paid_on, april),
            calculated("v-eva", "2026-04", kf_terms(date(2016, 9, 1)), PAID_EARLIER, paid_on, *WEEKS[1:],
                       kind="kontaktfamilj", preceding=WEEKS[:1])]


def agi_file(compensations, period="2026-05") -> tuple[list[str], list[dict]]:
    text = agi.agi_csv(agi.agi(period, compensations, EMPLOYER, PERSONNUMMER))
    notes = [line for line in text.splitlines() if line.startswith("#")]
    return notes, list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def boxes(row: dict) -> dict:
    return {key.split("_")[0][2:]: value for key, value in row.items() if key.startswith("fk") and value != ""}


def test_the_kontaktfamilj_stay_counts_its_14_days_from_march():
    eva = may_run()[4]
    # April: 1-5 (10 halves), 6 (the handover morning once, and the afternoon), 7-11 (10), 12 (to 17:00) = 12 dygn
    assert eva["basis"]["dygn"] == "12"
    # arrival 23 March is day 1: 3 April (långfredagen) day 12, 4 April day 13, 5 April (påskdagen) day 14 are
    # doubled; 6 April (annandag påsk) is day 15, 11-12 April days 20-21: not doubled
    assert sorted(d["date"] for d in eva["basis"]["days"] if d["doubled"]) == ["2026-04-03", "2026-04-04",
                                                                                "2026-04-05"]
    assert eva["totals"]["arvode_ore"] == (12 + 3) * 225_00  # 3,375 kr
    assert eva["totals"]["omkostnad_ore"] == 12 * 170_00  # 2,040 kr
    assert "kontaktfamilj.arvode.child: no figure published for 2026, the one from 2023-01-01 is used" \
        in eva["warnings"]


def test_the_payroll_file_of_may_2026():
    rows = list(csv.DictReader(io.StringIO(payroll_csv(payroll_rows("2026-05", may_run()), PERSONNUMMER))))
    got = [(r["person_id"], r["pay_type_code"], r["agi_box"], r["amount_kr"], r["tax_withheld_kr"],
            r["employer_contributions_kr"]) for r in rows]
    assert got == [
        # arvode 2,220: tax 30 % = 666.00; contributions 2,220 x 10.21 % = 226.662
        ("v-anna", "ARV", "011", "2220.00", "666.00", "226.66"),
        ("v-anna", "OMK", "020", "1233.00", "0.00", "0.00"),
        ("v-bo", "ARV", "011", "2220.00", "666.00", "697.52"),  # 2,220 x 31.42 % = 697.524
        ("v-bo", "OMK", "020", "1233.00", "0.00", "0.00"),
        ("v-cecilia", "ARV", "011", "2220.00", "666.00", "461.98"),  # 2,220 x 20.81 % = 461.982
        ("v-cecilia", "OMK", "020", "1233.00", "0.00", "0.00"),
        # 543 x 30 % = 162.90; 543 x 31.42 % = 170.6106
        ("v-david", "ARV", "011", "543.00", "162.90", "170.61"),
        ("v-david", "OMK", "020", "493.00", "0.00", "0.00"),
        # March's 543 kr becomes underlag: 010, its contributions 543 x 31.42 % = 170.61 due now
        ("v-david", "AGA-EFTER", "010", "543.00", "0.00", "170.61"),
        # 3,375 x 30 % = 1,012.50; 3,375 x 31.42 % = 1,060.425 -> 1,060.43 (half up)
        ("v-eva", "ARV", "011", "3375.00", "1012.50", "1060.43"),
        ("v-eva", "OMK", "020", "2040.00", "0.00", "0.00")]
    assert rows[0]["personnummer"] == PERSONNUMMER["v-anna"] and rows[0]["period"] == "2026-05"
    assert all("skattefri" not in r["description"] for r in rows)


def test_the_agi_file_of_may_2026():
    notes, rows = agi_file(may_run())
    hu, *iu = rows
    # 487, per rate on the whole-krona bases (öre dropped after each rate):
    #   10.21 %: anna 2,220 -> 226.662 -> 226
    #   20.81 %: cecilia 2,220 -> 461.982 -> 461
    #   31.42 %: bo 2,220 + david 543 + 543 + eva 3,375 = 6,681 -> 2,099.1702 -> 2,099
    # 497: 666 + 666 + 666 + 162 (162.90) + 1,012 (1,012.50) = 3,172
    assert boxes(hu) == {"201": "162120000142", "006": "202605", "487": str(226 + 461 + 2099), "497": "3172"}
    assert hu["uppgift"] == "HU"
    common = {"201": "162120000142", "006": "202605", "570": "1", "060": "12"}
    digits = {person: number.replace("-", "") for person, number in PERSONNUMMER.items()}
    assert [boxes(row) for row in iu] == [
        {**common, "215": digits["v-anna"], "011": "2220", "020": "1233", "001": "666"},
        {**common, "215": digits["v-bo"], "011": "2220", "020": "1233", "001": "666"},
        {**common, "215": digits["v-cecilia"], "011": "2220", "020": "1233", "001": "666"},
        {**common, "215": digits["v-david"], "011": "543", "010": "543", "020": "493", "001": "162"},
        {**common, "215": digits["v-eva"], "011": "3375", "020": "2040", "001": "1012"}]
    assert {row["uppgift"] for row in iu} == {"IU"}
    assert notes[0].startswith("# AGI-underlag som CSV") and "EJ validerad" in notes[0]
    # the run booked 226.66 + 697.52 + 461.98 + 341.22 + 1,060.43 = 2,787.81 kr; Skatteverket computes 2,786 kr
    assert "# avstämning arbetsgivaravgifter: 487 = 2786 kr, bokfört 278781 öre, differens -181 öre" in notes
    # tax: booked 3 x 666.00 + 162.90 + 1,012.50 = 3,173.40 kr; declared 3,172 kr
    assert "# avstämning skatteavdrag: 497 = 3172 kr, bokfört 317340 öre, differens -140 öre" in notes


def test_the_month_before_the_year_reached_1000_kr_is_box_131():
    notes, [hu, david] = agi_file(april_run(), period="2026-04")
    # 543 kr is the year so far: not underlag (131), no contributions; the tax 162.90 -> 162
    assert boxes(david) == {"201": "162120000142", "006": "202604", "215": PERSONNUMMER["v-david"].replace("-", ""),
                            "570": "1", "131": "543", "020": "493", "001": "162", "060": "12"}
    assert boxes(hu)["487"] == "0"


def test_amounts_are_whole_kronor_with_the_ore_dropped():
    assert [agi.whole_kronor(ore) for ore in (1999_99, 1000_00, 0, -5_50)] == [1999, 1000, 0, -5]


def test_contributions_are_computed_per_rate_on_the_summed_bases():
    # two payees at 31.42 %: 980.50 and 1,000.99 kr. Per line: 308.07 + 314.51 = 622.58 kr. Skatteverket: the
    # bases in whole kronor 980 + 1,000 = 1,980 x 31.42 % = 622.116 -> 622 kr
    paid = [calculated(person, "2026-04", SetAmountTerms(amount, 0), PAID_EARLIER, date(2026, 5, 25),
                       meeting("m", date(2026, 4, 2)))
            for person, amount in (("v-bo", 980_50), ("v-david", 1000_99))]
    declaration = agi.agi("2026-05", paid, EMPLOYER, PERSONNUMMER)
    assert declaration.by_rate() == [{"percent": "31.42", "rules": ["standard"], "base_kr": 1980,
                                      "contributions_kr": 622}]
    assert declaration.reconciliation()["employer_contributions"] == {
        "agi_487_kr": 622, "booked_ore": 308_07 + 314_51, "difference_ore": 622_00 - 622_58}


def test_without_the_municipalitys_organisationsnummer_the_file_says_201_is_missing():
    text = agi.agi_csv(agi.agi("2026-05", may_run()[:1], agi.Employer(None), PERSONNUMMER))
    assert "# fältkod 201 saknas: kommunens organisationsnummer (agi.organisationsnummer) är inte satt" in text


def test_sink_is_declared_in_field_274_instead_of_001():
    report = approve("2026-04", meeting("m", date(2026, 4, 2)), assignment="a-bo", volunteer="v-bo")
    [event] = given(COMPENSATION, *history(report)).when(calculate(
        "2026-04", SetAmountTerms(1000_00, 0), paid_in="2026-05", paid_on=date(2026, 5, 25), ytd=PAID_EARLIER,
        assignment="a-bo", tax=profile(birth=BORN["v-bo"], person="v-bo", withholding_basis="sink"))) \
        .then("CompensationCalculated")
    _, [hu, bo] = agi_file([event.data])
    # SINK 22.5 % in 2026 (not confirmed as enacted): 1,000 x 22.5 % = 225 kr
    assert (boxes(bo)["274"], "001" in boxes(bo), boxes(hu)["497"]) == ("225", False, "225")
