"""Request bodies of the assignments commands (the gateway validates with them too, and documents them).

A body holds only what the user states. The use case adds the rest from the call, never from the body:
municipality and `by` from the caller, `at` from the server clock, ids from the path. So (app/access.py):

    fields = load_body(LogMeetingBody, body)
    command = LogMeeting(municipality="0180", by=volunteer_id, at=now(), **fields)

Bad input raises marshmallow.ValidationError naming each field; the deciders then check the rules
(CommandRefused). OfferAssignment is not loaded this way: the use case builds it from OfferAssignmentBody's ids,
the need's state and the volunteer's pool entry.
"""
from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, fields, post_load, validate

from .domain import assignment as a
from .domain import need as n
from .domain.meetings import MEETING_STATUSES
from .domain.plan import Arvode, Omkostnad, Plan
from .domain.texts import MAX_TEXT

TEXT = validate.Length(max=MAX_TEXT)
NAME = validate.Length(min=1, max=200)
_Nullable = {"allow_none": True, "load_default": None}


def _new_id() -> str:
    return str(uuid.uuid4())


class ClientBody(Schema):
    personnummer = fields.String(required=True, validate=validate.Length(min=10, max=13),
                                 metadata={"description": "personnummer or samordningsnummer, 10 or 12 digits"})
    name = fields.String(required=True, validate=NAME)

    @post_load
    def build(self, data, **kwargs):
        return n.ClientInput(**data)


class RegisterClientNeedBody(Schema):
    """The municipality's decision (beslut) on a kontaktperson, kontaktfamilj or SKKP insats."""

    insats = fields.String(required=True, validate=validate.OneOf(n.INSATSER))
    legal_basis = fields.String(required=True, validate=validate.OneOf(n.LEGAL_BASES),
                                metadata={"description": "SoL (Socialtjänstlagen) or LSS"})
    decision_date = fields.Date(required=True, metadata={"description": "beslutsdatum"})
    period_from = fields.Date(required=True)
    period_to = fields.Date(**_Nullable)
    clients = fields.List(fields.Nested(ClientBody), required=True, validate=validate.Length(min=1, max=2),
                          metadata={"description": "the client; for kontaktfamilj possibly a pair of siblings"})
    needs = fields.String(required=True, validate=TEXT, metadata={"description": "behov"})
    goals = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1))
    interests = fields.List(fields.String(validate=NAME), load_default=list)
    languages = fields.List(fields.String(validate=NAME), load_default=list)
    postnummer = fields.String(validate=validate.Regexp(r"^\d{3} ?\d{2}$"), **_Nullable)
    protected_identity = fields.Boolean(load_default=False, metadata={"description": "skyddad identitet"})
    frequency_per_month = fields.Integer(required=True, validate=validate.Range(min=1, max=62),
                                         metadata={"description": "träffar per månad, or dygn for kontaktfamilj"})
    case_worker_id = fields.String(required=True, validate=NAME)

    @post_load
    def build(self, data, **kwargs):
        return {**data, "clients": tuple(data["clients"]), "goals": tuple(data["goals"]),
                "interests": tuple(data["interests"]), "languages": tuple(data["languages"])}


class CloseClientNeedBody(Schema):
    closed_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(n.CLOSE_REASONS))


class OfferAssignmentBody(Schema):
    need_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)


class AcceptOfferBody(Schema):
    pass


class DeclineOfferBody(Schema):
    reason = fields.String(validate=TEXT, **_Nullable, metadata={"description": "optional"})


class ArvodeBody(Schema):
    basis = fields.String(required=True, validate=validate.OneOf(["category", "per_dygn", "fixed"]),
                          metadata={"description": "arvode: category (kontaktperson), per_dygn (kontaktfamilj), "
                                                   "fixed (SKKP)"})
    category = fields.Integer(validate=validate.Range(min=1, max=3), **_Nullable,
                              metadata={"description": "svårighetsgrad 1-3"})
    percent = fields.Integer(validate=validate.Range(min=1, max=300), load_default=100)
    monthly_ore = fields.Integer(validate=validate.Range(min=1), **_Nullable,
                                 metadata={"description": "fixed monthly arvode in öre"})

    @post_load
    def build(self, data, **kwargs):
        return Arvode(**data)


class OmkostnadBody(Schema):
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=3),
                           metadata={"description": "omkostnadsersättning level"})
    receipts_allowed = fields.Boolean(load_default=False, metadata={"description": "kostnader mot kvitto"})

    @post_load
    def build(self, data, **kwargs):
        return Omkostnad(**data)


class PlanBody(Schema):
    """The genomförandeplan."""

    goals = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1))
    frequency_per_month = fields.Integer(required=True, validate=validate.Range(min=1, max=62))
    scope = fields.String(validate=TEXT, load_default="", metadata={"description": "omfattning"})
    arvode = fields.Nested(ArvodeBody, required=True)
    omkostnad = fields.Nested(OmkostnadBody, required=True)

    @post_load
    def build(self, data, **kwargs):
        return Plan(goals=tuple(data["goals"]), frequency_per_month=data["frequency_per_month"],
                    arvode=data["arvode"], omkostnad=data["omkostnad"], scope=data["scope"])


class StartAssignmentBody(Schema):
    start_date = fields.Date(required=True)
    plan = fields.Nested(PlanBody, required=True)
    case_worker_id = fields.String(validate=NAME, **_Nullable)


class ExpenseBody(Schema):
    amount_ore = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                                metadata={"description": "amount in öre (1 kr = 100 öre)"})
    description = fields.String(validate=validate.Length(max=500), load_default="")
    receipt = fields.Boolean(load_default=False, metadata={"description": "against a receipt (kvitto)"})

    @post_load
    def build(self, data, **kwargs):
        return a.Expense(**data)


class _MeetingFields(Schema):
    status = fields.String(required=True, validate=validate.OneOf(MEETING_STATUSES),
                           metadata={"description": "held, cancelled, or no_show (the client did not come)"})
    on = fields.Date(**_Nullable, metadata={"description": "the date; for a kontaktfamilj stay, optional"})
    hours = fields.Decimal(validate=validate.Range(min=0, max=24), **_Nullable,
                           metadata={"description": "kontaktperson/SKKP: hours spent, e.g. 1.5"})
    stay_start = fields.AwareDateTime(**_Nullable, metadata={"description": "kontaktfamilj: the stay began"})
    stay_end = fields.AwareDateTime(**_Nullable, metadata={"description": "kontaktfamilj: the stay ended"})
    activity = fields.String(validate=validate.Length(max=500), load_default="")
    expenses = fields.List(fields.Nested(ExpenseBody), load_default=list)
    note = fields.String(validate=TEXT, **_Nullable, metadata={"description": "read only by the case worker"})

    @post_load
    def build(self, data, **kwargs):
        hours = data.pop("hours")
        minutes = None if hours is None else int((hours * 60).quantize(Decimal(1), ROUND_HALF_UP))
        return {**data, "minutes": minutes, "expenses": tuple(data["expenses"])}


class LogMeetingBody(_MeetingFields):
    meeting_id = fields.String(validate=NAME, load_default=_new_id,
                               metadata={"description": "optional; send one to make retries safe"})


class CorrectMeetingBody(_MeetingFields):
    """The whole meeting as it should have been; the meeting's id comes from the path."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class ReportDeviationBody(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                                metadata={"description": "how the plan is not working or not followed"})
    deviation_id = fields.String(validate=NAME, load_default=_new_id)


class RecordSupervisionBody(Schema):
    on = fields.Date(required=True)
    kind = fields.String(validate=validate.OneOf(a.SUPERVISION_KINDS), load_default="supervision",
                         metadata={"description": "supervision (handledning) or follow_up (uppföljning)"})
    minutes = fields.Integer(validate=validate.Range(min=1, max=1440), **_Nullable)
    note = fields.String(validate=TEXT, load_default="")
    resolves = fields.List(fields.String(), load_default=list,
                           metadata={"description": "ids of deviations and flags dealt with"})
    supervision_id = fields.String(validate=NAME, load_default=_new_id)

    @post_load
    def build(self, data, **kwargs):
        return {**data, "resolves": tuple(data["resolves"])}


class RequestEndBody(Schema):
    reason = fields.String(validate=TEXT, **_Nullable)
    wished_end_date = fields.Date(**_Nullable)


class EndAssignmentBody(Schema):
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(a.END_REASONS))
    comment = fields.String(validate=TEXT, **_Nullable)


class InterruptAssignmentBody(Schema):
    interrupted_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class ResumeAssignmentBody(Schema):
    resumed_on = fields.Date(required=True)
