"""Events of issue 11: every type payments publishes has a schema, and the old versions of the types whose data
changed are read as the current one (upcasters in events.py), so old streams still fold and old rows still load."""
import uuid
from datetime import date, datetime, timezone

from services.common.envelope import Event, upcast
from services.payments.domain.compensation import COMPENSATION
from services.payments.domain.payment_run import PAYMENT_RUN
from services.payments.events import EVENT_SCHEMAS

from .examples import approve, calculate, history, kp_terms, meeting

NOW = datetime(2025, 4, 1, tzinfo=timezone.utc)


def stored(event_type: str, version: int, data: dict) -> Event:
    return Event(uuid.uuid4(), event_type, version, "s-1", "s", 1, NOW, NOW, data, "0180", "x")


def current(event: Event) -> dict:
    """The event read now: upcast, then loaded with its type's current schema (unchanged by the load)."""
    read = upcast(event)
    version, schema = EVENT_SCHEMAS[event.event_type]
    assert read.schema_version == version
    assert schema().load(read.data) == read.data
    return read.data


V1_REPORT = {"municipality": "0180", "assignment_id": "a-1", "month": "2025-03", "volunteer_id": "v-1",
             "kind": "kontaktperson", "revision": 1, "approved_by": "cw", "approved_on": "2025-03-31",
             "meetings": [{"meeting_id": "m1", "date": "2025-03-04", "status": "held", "start": None, "end": None,
                           "expense_ore": 0, "receipt": False}]}


def v1_compensation() -> dict:
    """A CompensationCalculated as version 1 wrote it: today's, less what version 2 added."""
    data = history(approve("2025-03", meeting("m1", date(2025, 3, 4))), calculate("2025-03", kp_terms()))[-1].data
    tax = {k: v for k, v in data["tax"].items() if k not in (
        "withholding_exemption", "further_pay_expected", "employer_contribution_rules", "employer_contribution_parts")}
    return {**{k: v for k, v in data.items() if k not in ("paid_on", "employer_contributions_catch_up_base_ore")},
            "tax": {**tax, "employer_contribution_rule": "reduced_65_plus", "employer_contribution_percent": "10.21"},
            "rates_used": [{k: v for k, v in r.items() if k not in ("valid_to", "confidence")}
                           for r in data["rates_used"]]}


def test_every_published_type_has_a_schema():
    assert set(EVENT_SCHEMAS) == {"RatesPublished", "ReportApproved", "CompensationCalculated", "PaymentRunPrepared",
                                  "PaymentRunApproved", "PaymentIssued", "TaxDetailsChanged", "ArvodeLevelDecided",
                                  "OmkostnadExcessApproved"}


def test_a_version_1_report_is_read_with_no_stays_of_the_month_before():
    data = current(stored("ReportApproved", 1, V1_REPORT))
    assert data["preceding_stays"] == []
    assert COMPENSATION.fold([upcast(stored("ReportApproved", 1, V1_REPORT))]).preceding == ()


def test_a_version_1_calculation_is_read_with_its_one_rule_and_no_catch_up_base():
    data = current(stored("CompensationCalculated", 1, v1_compensation()))
    assert (data["paid_on"], data["employer_contributions_catch_up_base_ore"]) == (None, None)
    assert data["tax"]["employer_contribution_rules"] == [
        {"rule": "reduced_65_plus", "percent": "10.21", "monthly_cap_ore": None}]
    # its one part: the taxable lines (the 980 kr arvode) with the contributions recorded on them
    [part] = data["tax"]["employer_contribution_parts"]
    assert (part["base_ore"], part["contributions_ore"]) == (980_00, 307_92)


def test_version_1_runs_are_read_with_no_warnings():
    prepared = {"run_id": "paymentrun-0180-2025-04", "municipality": "0180", "period": "2025-04", "preparation": 1,
                "items": [], "item_count": 0, "total_payout_ore": 0, "prepared_by": "e1", "prepared_on": "2025-04-25"}
    approved = {"run_id": "paymentrun-0180-2025-04", "municipality": "0180", "period": "2025-04", "preparation": 1,
                "item_count": 0, "total_payout_ore": 0, "approved_by": "e2", "approved_on": "2025-04-26"}
    assert current(stored("PaymentRunPrepared", 1, prepared))["warnings"] == []
    assert current(stored("PaymentRunApproved", 1, approved))["warnings"] == []
    assert PAYMENT_RUN.fold([upcast(stored("PaymentRunPrepared", 1, prepared))]).warnings == ()


def test_a_version_1_tax_details_change_with_a_tax_table_still_loads():
    data = {"municipality": "0180", "volunteer_id": "v-1", "withholding_basis": "tax_table",
            "withholding_percent": "32.5", "changed_fields": ["withholding_basis"], "reason": "blankett",
            "changed_by": "e1", "changed_on": "2025-01-02"}
    assert current(stored("TaxDetailsChanged", 1, data)) == data
