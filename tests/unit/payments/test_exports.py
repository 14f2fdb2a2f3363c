"""Exports of a run: the payroll file (per person and pay type) and the summary per assignment."""
import csv
import io
from datetime import date

from services.payments.domain.exports import assignment_summary, payroll_csv, payroll_rows, summary_csv

from .examples import approve, calculate, history, kp_terms, meeting

MARCH = history(approve("2025-03", meeting("m1", date(2025, 3, 4))),
                calculate("2025-03", kp_terms(omkostnad="50", omkostnad_justification="taxi"), paid_in="2025-04"))[-1]
MARCH_B = history(approve("2025-03", meeting("m1", date(2025, 3, 5)), assignment="a-2"),
                  calculate("2025-03", kp_terms(), paid_in="2025-04", assignment="a-2"))[-1]


def test_payroll_keeps_arvode_and_omkostnad_apart_per_person():
    rows = payroll_rows("2025-04", [MARCH.data, MARCH_B.data])
    by_type = {r.pay_type: r for r in rows}
    assert [r.pay_type for r in rows] == ["arvode", "omkostnad", "omkostnad_taxable"]  # one person, two assignments
    assert by_type["arvode"].amount_ore == 2 * 980_00
    assert by_type["arvode"].tax_withheld_ore == 2 * 294_00
    assert by_type["omkostnad"].amount_ore == 1960_00 + 490_00
    assert by_type["omkostnad"].tax_withheld_ore == 0
    assert by_type["omkostnad_taxable"].amount_ore == 490_00


def test_the_payroll_file_is_ready_for_agi():
    text = payroll_csv(payroll_rows("2025-04", [MARCH.data]), personnummer={"v-1": "19800501-1234"})
    rows = list(csv.DictReader(io.StringIO(text)))
    arvode = rows[0]
    assert (arvode["period"], arvode["personnummer"], arvode["pay_type_code"], arvode["agi_box"]) == (
        "2025-04", "19800501-1234", "ARV", "011")
    assert (arvode["amount_kr"], arvode["tax_withheld_kr"], arvode["employer_contributions_kr"]) == (
        "980.00", "294.00", "307.92")
    # omkostnad within the SKR level is a kostnadsersättning: AGI 020 (övriga kostnadsersättningar), not pay
    assert rows[1]["agi_box"] == "020" and rows[1]["taxable"] == "nej"
    assert "skattefri" not in text


def test_the_summary_per_assignment():
    summaries = assignment_summary([MARCH.data, MARCH_B.data])
    assert [(s["assignment_id"], s["arvode_ore"], s["months"]) for s in summaries] == [
        ("a-1", 980_00, ["2025-03"]), ("a-2", 980_00, ["2025-03"])]
    assert summary_csv(summaries).splitlines()[0].startswith("assignment_id,volunteer_id,kind,months")
