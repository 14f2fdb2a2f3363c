"""Published event schemas and the gateway's request bodies."""
from datetime import date, datetime

import pytest
from marshmallow import ValidationError

from services.assignments.domain.assignment import (
    ASSIGNMENT, CorrectMeeting, DeclineOffer, EndAssignment, FlagAssignment, InterruptAssignment, LogMeeting,
    RecordSupervision, ReportDeviation, RequestEnd, ResumeAssignment, StartAssignment)
from services.assignments.domain.plan import Arvode
from services.assignments.domain.need import NEED, CloseClientNeed, RegisterClientNeed
from services.assignments.domain.plan import Plan
from services.assignments.events import EVENT_SCHEMAS, PRIVATE_FIELDS, public_data
from services.assignments.schemas import (
    CorrectMeetingBody, DeclineOfferBody, LogMeetingBody, RegisterClientNeedBody, StartAssignmentBody)
from services.common.sweden import SWEDEN
from services.common.validation import load_body

from .examples import AT, CASE_WORKER, CHILD, STOCKHOLM, VOLUNTEER, history, meeting, offered, registered, revise


def every_event_type():
    """One real event of every type the deciders emit."""
    need = [registered()]
    need += NEED.decide(NEED.fold(need), CloseClientNeed(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "need_met"))
    declined = ASSIGNMENT.decide(ASSIGNMENT.fold([offered()]), DeclineOffer(STOCKHOLM, VOLUNTEER, AT, "Ingen tid"))
    events = history()
    for command in (revise(), meeting(), CorrectMeeting(**{**meeting(minutes=60).__dict__, "reason": "Fel tid"}),
                    ReportDeviation(STOCKHOLM, VOLUNTEER, AT, "dev-1", "Fungerar inte"),
                    RecordSupervision(STOCKHOLM, CASE_WORKER, AT, "sup-1", date(2025, 6, 1), resolves=("dev-1",)),
                    RequestEnd(STOCKHOLM, VOLUNTEER, AT, "Flyttar", date(2025, 7, 1)),
                    FlagAssignment(STOCKHOLM, AT, "flag-1", "withdrawn"),
                    InterruptAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 25), "Paus"),
                    ResumeAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 5, 30)),
                    EndAssignment(STOCKHOLM, CASE_WORKER, AT, date(2025, 6, 1), "need_met", "Målen nådda")):
        events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), command)
    return need + declined + events


def test_every_event_type_emitted_has_a_published_schema_and_validates():
    events = every_event_type()
    assert {e.type for e in events} == set(EVENT_SCHEMAS)
    for event in events:
        version, schema = EVENT_SCHEMAS[event.type]
        assert version == event.schema_version
        schema().load(event.data)  # the stored form
        schema().load(public_data(event.type, event.data))  # the published form


def test_private_fields_are_marked_in_the_schemas():
    for event_type, (_, schema_class) in EVENT_SCHEMAS.items():
        schema = schema_class()
        marked = {name for name, f in schema.fields.items() if f.metadata.get("private")}
        if "plan" in schema.fields:
            marked |= {f"plan.{n}" for n, f in schema.fields["plan"].schema.fields.items() if f.metadata.get("private")}
        assert marked == set(PRIVATE_FIELDS.get(event_type, ())), event_type


def test_published_events_carry_no_client_identity_or_case_notes():
    published = repr([public_data(e.type, e.data) for e in every_event_type()])
    for secret in (CHILD, "Alva", "11234", "Bryta isolering", "Gick bra", "Fungerar inte", "Flyttar"):
        assert secret not in published


# ---- request bodies ---------------------------------------------------------------------------------------
# A body becomes a command the one way the service takes: load_body, then the command with the call's context.

CONTEXT = dict(municipality=STOCKHOLM, by=CASE_WORKER, at=AT)
VOLUNTEERS = dict(municipality=STOCKHOLM, by=VOLUNTEER, at=AT)


def test_a_need_body_loads_into_the_command():
    command = RegisterClientNeed(**load_body(RegisterClientNeedBody, {
        "insats": "kontaktperson", "legal_basis": "SoL", "decision_date": "2025-04-01", "period_from": "2025-04-01",
        "clients": [{"personnummer": "20121203-1239", "name": "Alva"}], "needs": "Bryta isolering",
        "goals": ["Fler aktiviteter"], "interests": ["fotboll"], "postnummer": "112 34", "frequency_per_month": 4,
        "case_worker_id": CASE_WORKER}), **CONTEXT)
    assert command.clients[0].name == "Alva" and command.protected_identity is False
    NEED.decide(None, command)


def test_a_bad_need_body_names_each_field():
    with pytest.raises(ValidationError) as error:
        RegisterClientNeed(**load_body(RegisterClientNeedBody, {"insats": "familjehem", "clients": [],
                                                                "postnummer": "1"}), **CONTEXT)
    assert {"insats", "legal_basis", "decision_date", "clients", "postnummer", "frequency_per_month",
            "case_worker_id"} <= set(error.value.messages)


def test_a_plan_body_loads_into_a_plan():
    command = StartAssignment(**load_body(StartAssignmentBody, {"start_date": "2025-05-05", "plan": {
        "goals": ["Mål"], "frequency_per_month": 4, "arvode": {"basis": "category", "category": 2, "percent": 25},
        "omkostnad": {"level": 1, "receipts_allowed": True}}}), **CONTEXT)
    assert isinstance(command.plan, Plan) and command.plan.arvode == Arvode("category", 2, 25)


def test_a_plan_body_without_a_percent_leaves_it_to_the_rules_not_to_a_default():
    fields = load_body(StartAssignmentBody, {"start_date": "2025-05-05", "plan": {
        "goals": ["Mål"], "frequency_per_month": 4, "arvode": {"basis": "category", "category": 1},
        "omkostnad": {"level": 1}}})
    assert fields["plan"].arvode.percent is None


def test_a_meeting_body_takes_hours_and_gets_an_id():
    command = LogMeeting(**load_body(LogMeetingBody, {"status": "held", "on": "2025-05-20", "hours": "1.5",
                                                      "activity": "Fika",
                                                      "expenses": [{"amount_ore": 4500, "receipt": True}]}),
                         **VOLUNTEERS)
    assert command.minutes == 90 and command.meeting_id and command.expenses[0].amount_ore == 4500


def test_a_stay_body_needs_aware_times_and_money_in_whole_ore():
    with pytest.raises(ValidationError) as error:
        LogMeeting(**load_body(LogMeetingBody, {"status": "held", "stay_start": "2025-05-23T17:00:00",
                                                "expenses": [{"amount_ore": 12.5}]}), **VOLUNTEERS)
    assert "stay_start" in error.value.messages and "expenses" in error.value.messages
    command = LogMeeting(**load_body(LogMeetingBody, {"status": "held", "stay_start": "2025-05-23T17:00:00+02:00",
                                                      "stay_end": "2025-05-25T17:00:00+02:00"}), **VOLUNTEERS)
    assert command.stay_end == datetime(2025, 5, 25, 17, tzinfo=SWEDEN)


def test_a_correction_body_needs_a_reason_and_takes_the_id_from_the_path():
    with pytest.raises(ValidationError) as error:
        CorrectMeeting(**load_body(CorrectMeetingBody, {"status": "held"}), meeting_id="m-1", **VOLUNTEERS)
    assert "reason" in error.value.messages
    command = CorrectMeeting(**load_body(CorrectMeetingBody, {"status": "held", "reason": "Fel", "on": "2025-05-20",
                                                              "hours": 2}), meeting_id="m-1", **VOLUNTEERS)
    assert command.meeting_id == "m-1" and command.minutes == 120


def test_unknown_body_fields_are_refused():
    with pytest.raises(ValidationError) as error:
        DeclineOffer(**load_body(DeclineOfferBody, {"reason": "Ingen tid", "volunteer_id": "someone-else"}),
                     **VOLUNTEERS)
    assert "volunteer_id" in error.value.messages
