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
    name = fields.String(required=True, validate=NAME, metadata={"description": "the client's name"})

    @post_load
    def build(self, data, **kwargs):
        return n.ClientInput(**data)


class RegisterClientNeedBody(Schema):
    """The municipality's decision (beslut) on a kontaktperson, kontaktfamilj or SKKP insats."""

    insats = fields.String(required=True, validate=validate.OneOf(n.INSATSER),
                           metadata={"description": "kontaktperson, kontaktfamilj or skkp (särskild kvalificerad "
                                                    "kontaktperson, LSS)"})
    legal_basis = fields.String(required=True, validate=validate.OneOf(n.LEGAL_BASES),
                                metadata={"description": "SoL (Socialtjänstlagen) or LSS"})
    decision_date = fields.Date(required=True, metadata={"description": "beslutsdatum"})
    period_from = fields.Date(required=True, metadata={"description": "the decision applies from this day"})
    period_to = fields.Date(**_Nullable, metadata={"description": "the last day of the decision; null: until further "
                                                                 "notice"})
    clients = fields.List(fields.Nested(ClientBody), required=True, validate=validate.Length(min=1, max=2),
                          metadata={"description": "the client; for kontaktfamilj possibly a pair of siblings"})
    needs = fields.String(required=True, validate=TEXT, metadata={"description": "behov"})
    goals = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1),
                        metadata={"description": "the goals of the insats, at least one"})
    interests = fields.List(fields.String(validate=NAME), load_default=list,
                            metadata={"description": "the client's interests, for matching (optional)"})
    languages = fields.List(fields.String(validate=NAME), load_default=list,
                            metadata={"description": "languages the client speaks, for matching (optional)"})
    postnummer = fields.String(validate=validate.Regexp(r"^\d{3} ?\d{2}$"), **_Nullable,
                               metadata={"description": "where the client lives, for matching; with skyddad "
                                                        "identitet only the responsible case worker sees it"})
    protected_identity = fields.Boolean(load_default=False, metadata={"description": "skyddad identitet"})
    frequency_per_month = fields.Integer(required=True, validate=validate.Range(min=1, max=62),
                                         metadata={"description": "träffar per månad, or dygn for kontaktfamilj"})
    case_worker_id = fields.String(required=True, validate=NAME,
                                   metadata={"description": "the responsible socialsekreterare's user id (their "
                                                            "token's sub): approves the monthly reports"})

    @post_load
    def build(self, data, **kwargs):
        return {**data, "clients": tuple(data["clients"]), "goals": tuple(data["goals"]),
                "interests": tuple(data["interests"]), "languages": tuple(data["languages"])}


class CloseClientNeedBody(Schema):
    closed_on = fields.Date(required=True, metadata={"description": "the day the need was closed"})
    reason = fields.String(required=True, validate=validate.OneOf(n.CLOSE_REASONS),
                           metadata={"description": "why: " + ", ".join(n.CLOSE_REASONS)})


class OfferAssignmentBody(Schema):
    need_id = fields.String(required=True, metadata={"description": "the need (need-<uuid>)"})
    volunteer_id = fields.String(required=True, metadata={"description": "the candidate asked (applicant-<uuid>, "
                                                                         "as the candidates list names them)"})


class AcceptOfferBody(Schema):
    pass


class DeclineOfferBody(Schema):
    reason = fields.String(validate=TEXT, **_Nullable, metadata={"description": "optional"})


class ArvodeBody(Schema):
    basis = fields.String(required=True, validate=validate.OneOf(["category", "per_dygn", "fixed"]),
                          metadata={"description": "arvode: category (kontaktperson), per_dygn (kontaktfamilj), "
                                                   "fixed (SKKP)"})
    category = fields.Integer(validate=validate.Range(min=1, max=3), **_Nullable, metadata={"description": (
        "SKR svårighetsgrad 1-3: required for category and per_dygn, null for fixed. 1: meets at least weekly, "
        "2: several times a week, 3: about daily")})
    percent = fields.Integer(validate=validate.Range(min=1, max=300), **_Nullable, metadata={"description": (
        "category (kontaktperson) only, and required there: the arvode as a percent of PBB/12, within the "
        "category's SKR band (1: 10-35, 2: 20-45, 3: 30-55); there is no default. Null for per_dygn (SKR's "
        "figure per dygn by the child's age is paid) and fixed")})
    monthly_ore = fields.Integer(validate=validate.Range(min=1), **_Nullable, metadata={
        "description": "fixed (SKKP) only, and required there: the monthly arvode in öre (1 kr = 100 öre)"})

    @post_load
    def build(self, data, **kwargs):
        return Arvode(**data)


class OmkostnadBody(Schema):
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=3), metadata={"description": (
        "omkostnadsersättning level 1-3 of the municipality's rate table (SKR: 10, 25 or 40 % of PBB/12 a month; "
        "3 is the highest tax-free one)")})
    receipts_allowed = fields.Boolean(load_default=False, metadata={
        "description": "true: actual costs are also reimbursed against receipts (kvitto); default false"})

    @post_load
    def build(self, data, **kwargs):
        return Omkostnad(**data)


class PlanBody(Schema):
    """The genomförandeplan."""

    goals = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1),
                        metadata={"description": "the plan's goals, at least one"})
    frequency_per_month = fields.Integer(required=True, validate=validate.Range(min=1, max=62), metadata={
        "description": "meetings per month, or dygn per month for kontaktfamilj"})
    scope = fields.String(validate=TEXT, load_default="", metadata={
        "description": "omfattning: what the assignment covers, free text (optional)"})
    arvode = fields.Nested(ArvodeBody, required=True, metadata={"description": (
        "the fee: basis category (kontaktperson), per_dygn (kontaktfamilj) or fixed (skkp), as the insats "
        "requires; refused when payments could not pay it")})
    omkostnad = fields.Nested(OmkostnadBody, required=True, metadata={
        "description": "the reimbursement of expenses (omkostnadsersättning)"})

    @post_load
    def build(self, data, **kwargs):
        return Plan(goals=tuple(data["goals"]), frequency_per_month=data["frequency_per_month"],
                    arvode=data["arvode"], omkostnad=data["omkostnad"], scope=data["scope"])


class StartAssignmentBody(Schema):
    start_date = fields.Date(required=True, metadata={"description": "the first day, within the decision period"})
    plan = fields.Nested(PlanBody, required=True, metadata={"description": "the genomförandeplan started under"})
    case_worker_id = fields.String(validate=NAME, **_Nullable, metadata={"description": (
        "the responsible case worker's user id, who approves the monthly reports; null: the need's")})


class ReviseAssignmentPlanBody(Schema):
    """A running assignment's genomförandeplan changed: the whole plan as it is to be."""

    effective_from = fields.Date(required=True, metadata={"description": (
        "the first day of the month the revised plan applies from, not before the month the assignment started; "
        "earlier months keep the plan they had")})
    plan = fields.Nested(PlanBody, required=True, metadata={"description": "the whole plan from that day"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT), metadata={
        "description": "why the plan changed (for the case workers; not published)"})


class ExpenseBody(Schema):
    amount_ore = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                                metadata={"description": "amount in öre (1 kr = 100 öre)"})
    description = fields.String(validate=validate.Length(max=500), load_default="",
                                metadata={"description": "what the money was spent on (optional)"})
    receipt = fields.Boolean(load_default=False, metadata={
        "description": "true: an actual cost against a receipt (kvitto), allowed only where the plan allows it"})

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
    activity = fields.String(validate=validate.Length(max=500), load_default="", metadata={"description": (
        "what you did together: required when status is held, optional otherwise")})
    expenses = fields.List(fields.Nested(ExpenseBody), load_default=list,
                           metadata={"description": "costs of the meeting, each in öre (optional)"})
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

    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                           metadata={"description": "why the meeting is corrected"})


class ReportDeviationBody(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                                metadata={"description": "how the plan is not working or not followed"})
    deviation_id = fields.String(validate=NAME, load_default=_new_id,
                                 metadata={"description": "optional; send one to make retries safe"})


class RecordSupervisionBody(Schema):
    on = fields.Date(required=True, metadata={"description": "the day it was held, not in the future"})
    kind = fields.String(validate=validate.OneOf(a.SUPERVISION_KINDS), load_default="supervision",
                         metadata={"description": "supervision (handledning) or follow_up (uppföljning)"})
    minutes = fields.Integer(validate=validate.Range(min=1, max=1440), **_Nullable,
                             metadata={"description": "how long it took (optional)"})
    note = fields.String(validate=TEXT, load_default="", metadata={"description": "the case worker's note"})
    resolves = fields.List(fields.String(), load_default=list,
                           metadata={"description": "ids of deviations and flags dealt with"})
    supervision_id = fields.String(validate=NAME, load_default=_new_id,
                                   metadata={"description": "optional; send one to make retries safe"})

    @post_load
    def build(self, data, **kwargs):
        return {**data, "resolves": tuple(data["resolves"])}


class RequestEndBody(Schema):
    reason = fields.String(validate=TEXT, **_Nullable, metadata={"description": "why (optional)"})
    wished_end_date = fields.Date(**_Nullable, metadata={"description": "the day you wish to end on (optional)"})


class EndAssignmentBody(Schema):
    ended_on = fields.Date(required=True, metadata={"description": "the last day, not in the future"})
    reason = fields.String(required=True, validate=validate.OneOf(a.END_REASONS),
                           metadata={"description": "why: " + ", ".join(a.END_REASONS)})
    comment = fields.String(validate=TEXT, **_Nullable, metadata={"description": "the case worker's comment"})


class InterruptAssignmentBody(Schema):
    interrupted_on = fields.Date(required=True, metadata={
        "description": "the first day of the interruption (the IVO 3-month clock starts here)"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                           metadata={"description": "why it was interrupted"})


class ResumeAssignmentBody(Schema):
    resumed_on = fields.Date(required=True, metadata={"description": "the day it runs again"})
