"""Which registers an applicant is checked against, and how long a result is valid (registers.py)."""
from datetime import date

from services.common.sweden import add_months
from services.registry_checks.registers import (
    FORSAKRINGSKASSAN, KRONOFOGDEN, LSS_CHILDREN, POLISEN_BELASTNINGSREGISTER, POLISEN_MISSTANKEREGISTER,
    REGISTERS, SOCIALREGISTRET, ChecksConfig, required_registers, validity)

STOCKHOLM, GOTEBORG = "0180", "1480"
DEFAULT_FOUR = [POLISEN_BELASTNINGSREGISTER, POLISEN_MISSTANKEREGISTER, SOCIALREGISTRET, KRONOFOGDEN]


def test_every_register_has_a_swedish_display_name():
    assert REGISTERS[FORSAKRINGSKASSAN].name == "Försäkringskassan"
    assert REGISTERS[POLISEN_BELASTNINGSREGISTER].name.startswith("Polisen")


def test_every_role_needs_polisen_socialregistret_and_kronofogden():
    for role in ("kontaktperson", "kontaktfamilj", "skkp", "familjehem", "jourhem"):
        assert required_registers([role], STOCKHOLM) == DEFAULT_FOUR


def test_forsakringskassan_is_checked_where_the_municipality_says_so():
    config = ChecksConfig(extra_registers={STOCKHOLM: (FORSAKRINGSKASSAN,)})
    assert required_registers(["kontaktperson"], STOCKHOLM, config) == DEFAULT_FOUR + [FORSAKRINGSKASSAN]
    assert required_registers(["kontaktperson"], GOTEBORG, config) == DEFAULT_FOUR


def test_a_result_is_valid_twelve_months_by_default():
    assert validity(KRONOFOGDEN, ["kontaktperson"]) == 12


def test_validity_is_configurable_per_register():
    config = ChecksConfig(validity_months={KRONOFOGDEN: 6})
    assert validity(KRONOFOGDEN, ["kontaktperson"], config) == 6
    assert validity(SOCIALREGISTRET, ["kontaktperson"], config) == 12


def test_validity_is_configurable_per_register_and_role_and_the_strictest_role_decides():
    config = ChecksConfig(validity_months_by_role={SOCIALREGISTRET: {"familjehem": 6, "kontaktperson": 24}})
    assert validity(SOCIALREGISTRET, ["kontaktperson"], config) == 24
    assert validity(SOCIALREGISTRET, ["kontaktperson", "familjehem"], config) == 6


def test_an_extract_for_work_with_children_under_lss_is_at_most_a_year_old_whatever_the_configuration():
    config = ChecksConfig(validity_months={POLISEN_BELASTNINGSREGISTER: 24})
    assert validity(POLISEN_BELASTNINGSREGISTER, ["kontaktperson"], config) == 24
    assert validity(POLISEN_BELASTNINGSREGISTER, ["kontaktperson", LSS_CHILDREN], config) == 12


def test_the_lss_qualifier_is_not_a_role_of_its_own():
    config = ChecksConfig(validity_months_by_role={KRONOFOGDEN: {"kontaktperson": 24}})
    assert validity(KRONOFOGDEN, ["kontaktperson", LSS_CHILDREN], config) == 24


def test_months_are_added_calendar_wise():
    assert add_months(date(2025, 3, 10), 12) == date(2026, 3, 10)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


# --- which registers, as data, and what the README says of them ---------------------------------------------------

def _rows():
    import csv

    from services.registry_checks.registers import REGISTERS_BY_ROLE_CSV
    with open(REGISTERS_BY_ROLE_CSV, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_registers_each_role_is_checked_in_are_the_data_files_each_row_with_its_source():
    # given the file registers_by_role.csv
    rows = _rows()
    assert all(row["source"].strip() for row in rows)
    # then each role is checked in exactly its rows' registers, in the recruiters' order
    for role in ("kontaktperson", "kontaktfamilj", "skkp", "familjehem", "jourhem"):
        named = {row["register"] for row in rows if row["role"] == role}
        assert required_registers([role], STOCKHOLM) == [r for r in REGISTERS if r in named]
    # and a qualifier alone asks for nothing
    assert required_registers([LSS_CHILDREN], STOCKHOLM) == []


def test_the_readme_names_the_registers_make_run_requests_and_forsakringskassan_only_where_asked():
    from pathlib import Path
    root = Path(__file__).resolve().parents[3]
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    # given make run sets no extra registers (no REGISTRY_CHECKS_CONFIG in what it starts)
    started = (root / "deploy/local/Procfile").read_text() + (root / "deploy/local/nameko.yaml").read_text()
    assert "REGISTRY_CHECKS_CONFIG" not in started
    # then the README names the registers every role is checked in, and points at the data file
    assert ("for every role Polisen's belastningsregister and misstankeregister, socialregistret and Kronofogden"
            in readme)
    assert {row["register"] for row in _rows()} == set(DEFAULT_FOUR)
    assert "Försäkringskassan only where a municipality asks for it" in readme
    assert "services/registry_checks/registers_by_role.csv" in readme
