"""Input schemas, the published event schemas, and the example publisher against the contract."""
import importlib.util
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from marshmallow import ValidationError

from services.common.testing import given
from services.registry_checks.app import manual_result_command
from services.registry_checks.domain import CHECK, CancelCheck, ExpireCheck, RecordResult, requests_for_applicant
from services.registry_checks.events import EVENT_SCHEMAS
from services.registry_checks.registers import ChecksConfig
from services.registry_checks.schemas import InboundResultSchema, ManualResultSchema, parse_config
from services.registry_checks.signing import verify
from tests.unit.registry_checks.examples import CHECK_ID

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2025, 3, 11, 9, 0, tzinfo=timezone.utc)


def test_the_inbound_body_schema_names_each_field_at_fault():
    with pytest.raises(ValidationError) as error:
        InboundResultSchema().load({"register_id": "skatteverket", "check_id": "not-a-uuid", "outcome": "clear",
                                    "completed_at": "2025-03-11T09:00:00", "summary": "x" * 2001})
    assert set(error.value.messages) == {"register_id", "check_id", "register_reference", "completed_at",
                                         "summary"}


def test_a_manual_result_is_loaded_into_a_record_result_with_the_recruiter():
    data = ManualResultSchema().load({"outcome": "clear", "completed_on": "2025-03-01"})
    command = manual_result_command(data, check_id=CHECK_ID, municipality="0180", by="rekryterare-1", recorded_at=NOW)
    assert (command.source, command.by, command.completed_at.date()) == ("manual", "rekryterare-1",
                                                                        date(2025, 3, 1))


def test_a_manual_result_needs_an_outcome_and_the_extracts_date():
    with pytest.raises(ValidationError) as error:
        ManualResultSchema().load({"outcome": "ok"})
    assert set(error.value.messages) == {"outcome", "completed_on"}


def test_the_configuration_is_read_from_json():
    config = parse_config('{"extra_registers": {"0180": ["forsakringskassan"]}, '
                          '"validity_months_by_role": {"kronofogden": {"familjehem": 6}}}')
    assert config == ChecksConfig(extra_registers={"0180": ("forsakringskassan",)},
                                  validity_months={}, validity_months_by_role={"kronofogden": {"familjehem": 6}})
    assert parse_config("") == ChecksConfig()


def test_a_bad_configuration_names_each_field_at_fault():
    with pytest.raises(ValidationError) as error:
        parse_config('{"extra_registers": {"9999": ["forsakringskassan"]}, "validity_months": {"kronofogden": 0},'
                     ' "typo": 1}')
    assert set(error.value.messages) == {"extra_registers", "validity_months", "typo"}


def test_every_event_the_decider_emits_follows_its_published_schema():
    [request] = [c for c in requests_for_applicant("a-1", ["kontaktperson"], "0180", NOW) if
                 c.register == "kronofogden"]
    [requested] = given(CHECK).when(request).then("CheckRequested")
    result = RecordResult(check_id=request.check_id, municipality="0180", outcome="clear", completed_at=NOW,
                          recorded_at=NOW, register="kronofogden", register_reference="KFM-1")
    [completed] = given(CHECK, requested).when(result).then("CheckCompleted")
    [expired] = given(CHECK, requested, completed).when(
        ExpireCheck(request.check_id, "0180", date(2026, 3, 12))).then("CheckExpired")
    [cancelled] = given(CHECK, requested).when(
        CancelCheck(request.check_id, "0180", "applicant_rejected", NOW)).then("CheckCancelled")
    for event in (requested, completed, expired, cancelled):
        version, schema = EVENT_SCHEMAS[event.type]
        assert version == event.schema_version
        assert schema().validate(event.data) == {}, event.type


def test_the_example_publisher_signs_by_the_contract():
    spec = importlib.util.spec_from_file_location(
        "example_publisher", ROOT / "deploy" / "register_simulator" / "example_publisher.py")
    publisher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(publisher)
    raw, headers = publisher.signed_message("kronofogden", "key-kfm", CHECK_ID, "clear", NOW)
    assert verify(b"key-kfm", headers["x-kontakt-timestamp"], raw, headers["x-kontakt-signature"])
    InboundResultSchema().loads(raw)
    assert json.loads(raw)["valid_until"] == (NOW.date() + timedelta(days=365)).isoformat()
