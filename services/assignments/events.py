"""The events the assignments service stores and publishes: one schema per event type's data (the contract).

Conventions: dates are ISO strings (YYYY-MM-DD), instants ISO 8601 with offset, money integer öre. Who acted and
in which municipality is in the envelope (actor, municipality); data repeats the municipality only on the first
event of a stream, so a stream folds without its envelope.

Confidentiality: PRIVATE_FIELDS lists what must not leave this service's database (client identity, free texts
that may describe the client); `public_data` strips them before an event is published on the bus.
"""
from __future__ import annotations

import copy

from marshmallow import Schema, fields, validate

from .domain.assignment import END_REASONS, FLAG_REASONS, SUPERVISION_KINDS
from .domain.meetings import MEETING_STATUSES
from .domain.need import CLOSE_REASONS, INSATSER, LEGAL_BASES


def _d(text: str) -> dict:
    return {"description": text}


def _p(text: str) -> dict:
    """A private field: stored, but removed by public_data before publishing (so not required on the bus)."""
    return {"description": f"{text} (private: stored only, never published)", "private": True}


KOMMUNKOD = validate.Regexp(r"^\d{4}$")


class ClientSchema(Schema):
    personnummer = fields.String(required=True, metadata=_d("12 digits, no separator"))
    name = fields.String(required=True)
    birth_date = fields.Date(required=True, metadata=_d("derived from the personnummer"))


class ClientNeedRegisteredSchema(Schema):
    municipality = fields.String(required=True, validate=KOMMUNKOD, metadata=_d("the deciding kommun"))
    insats = fields.String(required=True, validate=validate.OneOf(INSATSER))
    legal_basis = fields.String(required=True, validate=validate.OneOf(LEGAL_BASES), metadata=_d("SoL or LSS"))
    decision_date = fields.Date(required=True, metadata=_d("beslutsdatum: the IVO 3-month clock starts here"))
    period_from = fields.Date(required=True)
    period_to = fields.Date(allow_none=True, metadata=_d("null: until further notice"))
    clients = fields.List(fields.Nested(ClientSchema),
                          metadata=_p("one client, or a pair of siblings (syskonpar) for kontaktfamilj"))
    needs = fields.String(metadata=_p("the needs the decision meets (behov)"))
    goals = fields.List(fields.String(), metadata=_p("goals of the insats"))
    interests = fields.List(fields.String(), metadata=_p("lower case"))
    languages = fields.List(fields.String(), metadata=_p("lower case"))
    postnummer = fields.String(allow_none=True,
                               metadata=_p("5 digits; for skyddad identitet only the case worker sees it"))
    protected_identity = fields.Boolean(required=True, metadata=_d("skyddad identitet"))
    frequency_per_month = fields.Integer(required=True)
    frequency_unit = fields.String(required=True, validate=validate.OneOf(["meetings", "dygn"]),
                                   metadata=_d("dygn for kontaktfamilj"))
    case_worker_id = fields.String(required=True, metadata=_d("the responsible socialsekreterare"))


class ClientNeedClosedSchema(Schema):
    closed_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(CLOSE_REASONS))


class ClientViewSchema(Schema):
    """What the volunteer sees before accepting: de-identified."""

    ages = fields.List(fields.Integer(), required=True, metadata=_d("age(s) on the offer date"))
    interests = fields.List(fields.String(), required=True)
    area = fields.String(allow_none=True, metadata=_d("first 3 digits of postnummer; null for skyddad identitet"))
    area_municipality = fields.String(allow_none=True, metadata=_d("kommunkod; null for skyddad identitet"))
    frequency_per_month = fields.Integer(required=True)
    frequency_unit = fields.String(required=True)


class AssignmentOfferedSchema(Schema):
    municipality = fields.String(required=True, validate=KOMMUNKOD, metadata=_d("the need's kommun"))
    need_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    volunteer_municipality = fields.String(required=True, metadata=_d("differs when matched from the regional pool"))
    insats = fields.String(required=True, validate=validate.OneOf(INSATSER))
    legal_basis = fields.String(required=True)
    decision_date = fields.Date(required=True)
    period_from = fields.Date(required=True)
    period_to = fields.Date(allow_none=True)
    case_worker_id = fields.String(required=True)
    offered_on = fields.Date(required=True)
    client = fields.Nested(ClientViewSchema, required=True)


class OfferAcceptedSchema(Schema):
    volunteer_id = fields.String(required=True)
    accepted_on = fields.Date(required=True)


class OfferDeclinedSchema(Schema):
    volunteer_id = fields.String(required=True)
    declined_on = fields.Date(required=True)
    reason = fields.String(allow_none=True, metadata=_p("optional; the volunteer may decline without one"))


class ArvodeSchema(Schema):
    basis = fields.String(required=True, validate=validate.OneOf(["category", "per_dygn", "fixed"]),
                          metadata=_d("category: kontaktperson; per_dygn: kontaktfamilj; fixed: skkp"))
    category = fields.Integer(allow_none=True, metadata=_d("SKR svårighetsgrad 1-3"))
    percent = fields.Integer(allow_none=True, metadata=_d("percent of the recommended level"))
    monthly_ore = fields.Integer(allow_none=True, metadata=_d("fixed monthly arvode in öre (skkp)"))


class OmkostnadSchema(Schema):
    level = fields.Integer(required=True, metadata=_d("omkostnadsersättning level 1-3 in the rate table"))
    receipts_allowed = fields.Boolean(required=True, metadata=_d("actual costs against receipts allowed"))


class PlanSchema(Schema):
    goals = fields.List(fields.String(), metadata=_p("goals of the plan"))
    frequency_per_month = fields.Integer(required=True, metadata=_d("meetings, or dygn for kontaktfamilj"))
    scope = fields.String(metadata=_p("omfattning, free text"))
    arvode = fields.Nested(ArvodeSchema, required=True)
    omkostnad = fields.Nested(OmkostnadSchema, required=True)


class AssignmentStartedSchema(Schema):
    need_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    insats = fields.String(required=True, validate=validate.OneOf(INSATSER))
    legal_basis = fields.String(required=True)
    start_date = fields.Date(required=True)
    case_worker_id = fields.String(required=True)
    plan = fields.Nested(PlanSchema, required=True, metadata=_d("the genomförandeplan"))
    client_birth_dates = fields.List(fields.Date(), load_default=list, metadata=_d(
        "kontaktfamilj only (empty otherwise): the children's birth dates, which omkostnad and arvode per dygn "
        "follow (the band changes on the 13th birthday); the one piece of client identity payments needs"))


class AssignmentPlanRevisedSchema(Schema):
    revision = fields.Integer(required=True, validate=validate.Range(min=2), metadata=_d(
        "the plan's revision: the plan of AssignmentStarted is 1, each revision the next"))
    effective_from = fields.Date(required=True, metadata=_d(
        "the first day of the month this plan applies from (it replaces, from then on, any plan or revision in "
        "force; the latest revision for a day wins); months before keep the plan they had"))
    plan = fields.Nested(PlanSchema, required=True, metadata=_d("the whole genomförandeplan from effective_from"))
    revised_on = fields.Date(required=True, metadata=_d("the day the case worker revised it"))
    reason = fields.String(metadata=_p("why the plan changed"))


class ExpenseSchema(Schema):
    amount_ore = fields.Integer(required=True, validate=validate.Range(min=1))
    description = fields.String(required=True)
    receipt = fields.Boolean(required=True, metadata=_d("true: an actual cost against a receipt"))


class MeetingLoggedSchema(Schema):
    meeting_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    insats = fields.String(required=True, validate=validate.OneOf(INSATSER))
    on = fields.Date(required=True, metadata=_d("the meeting's date; for a stay its first day"))
    status = fields.String(required=True, validate=validate.OneOf(MEETING_STATUSES),
                           metadata=_d("held | cancelled | no_show (the client did not come)"))
    minutes = fields.Integer(allow_none=True, metadata=_d("kontaktperson/skkp: time spent"))
    stay_start = fields.AwareDateTime(allow_none=True, metadata=_d("kontaktfamilj"))
    stay_end = fields.AwareDateTime(allow_none=True, metadata=_d("kontaktfamilj"))
    dygn = fields.Integer(allow_none=True, metadata=_d("kontaktfamilj: begun 24-hour periods of the stay"))
    activity = fields.String(required=True)
    expenses = fields.List(fields.Nested(ExpenseSchema), required=True)
    note = fields.String(allow_none=True, metadata=_p("for the case worker only"))


class MeetingCorrectedSchema(MeetingLoggedSchema):
    corrects = fields.String(required=True, metadata=_d("the meeting_id corrected; the latest correction wins"))
    reason = fields.String(metadata=_p("why it was corrected"))


class DeviationReportedSchema(Schema):
    deviation_id = fields.String(required=True)
    reported_on = fields.Date(required=True)
    reported_by = fields.String(required=True)
    by_volunteer = fields.Boolean(required=True)
    description = fields.String(metadata=_p("how the plan is not working"))


class SupervisionRecordedSchema(Schema):
    supervision_id = fields.String(required=True)
    on = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SUPERVISION_KINDS),
                         metadata=_d("supervision (handledning) | follow_up (uppföljning)"))
    minutes = fields.Integer(allow_none=True)
    supervised_by = fields.String(required=True)
    note = fields.String(metadata=_p("the case worker's note"))
    resolves = fields.List(fields.String(), required=True, metadata=_d("deviation and flag ids dealt with"))


class AssignmentEndRequestedSchema(Schema):
    volunteer_id = fields.String(required=True)
    requested_on = fields.Date(required=True)
    reason = fields.String(allow_none=True, metadata=_p("the volunteer's reason"))
    wished_end_date = fields.Date(allow_none=True)


class AssignmentEndedSchema(Schema):
    need_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    insats = fields.String(required=True)
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))
    was_started = fields.Boolean(required=True, metadata=_d("false: an offer withdrawn before the start"))
    comment = fields.String(allow_none=True, metadata=_p("the case worker's comment"))


class AssignmentFlaggedSchema(Schema):
    flag_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(FLAG_REASONS), metadata=_d(
        "the volunteer left the pool: withdrawn | check_expired | consent_revoked | check_not_clear"))
    flagged_on = fields.Date(required=True)


class AssignmentInterruptedSchema(Schema):
    interrupted_on = fields.Date(required=True, metadata=_d("the IVO 3-month clock starts here"))
    reason = fields.String(metadata=_p("why it was interrupted"))


class AssignmentResumedSchema(Schema):
    resumed_on = fields.Date(required=True)


EVENT_SCHEMAS = {
    "ClientNeedRegistered": (1, ClientNeedRegisteredSchema),
    "ClientNeedClosed": (1, ClientNeedClosedSchema),
    "AssignmentOffered": (1, AssignmentOfferedSchema),
    "OfferAccepted": (1, OfferAcceptedSchema),
    "OfferDeclined": (1, OfferDeclinedSchema),
    "AssignmentStarted": (1, AssignmentStartedSchema),
    "AssignmentPlanRevised": (1, AssignmentPlanRevisedSchema),
    "MeetingLogged": (1, MeetingLoggedSchema),
    "MeetingCorrected": (1, MeetingCorrectedSchema),
    "DeviationReported": (1, DeviationReportedSchema),
    "SupervisionRecorded": (1, SupervisionRecordedSchema),
    "AssignmentEndRequested": (1, AssignmentEndRequestedSchema),
    "AssignmentEnded": (1, AssignmentEndedSchema),
    "AssignmentFlagged": (1, AssignmentFlaggedSchema),
    "AssignmentInterrupted": (1, AssignmentInterruptedSchema),
    "AssignmentResumed": (1, AssignmentResumedSchema),
}

# Dotted paths withheld from the bus: client identity and location, and free texts that may describe the client.
PRIVATE_FIELDS = {
    "ClientNeedRegistered": ("clients", "needs", "goals", "interests", "languages", "postnummer"),
    "OfferDeclined": ("reason",),
    "AssignmentStarted": ("plan.goals", "plan.scope"),
    "AssignmentPlanRevised": ("plan.goals", "plan.scope", "reason"),
    "MeetingLogged": ("note",),
    "MeetingCorrected": ("note", "reason"),
    "DeviationReported": ("description",),
    "SupervisionRecorded": ("note",),
    "AssignmentEndRequested": ("reason",),
    "AssignmentEnded": ("comment",),
    "AssignmentInterrupted": ("reason",),
}


def public_data(event_type: str, data: dict) -> dict:
    """The event's data as it may be published: private fields removed (the stored event keeps them)."""
    out = copy.deepcopy(data)
    for path in PRIVATE_FIELDS.get(event_type, ()):
        *parents, leaf = path.split(".")
        node = out
        for key in parents:
            node = node.get(key) or {}
        node.pop(leaf, None)
    return out
