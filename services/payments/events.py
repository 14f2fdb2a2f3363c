"""The published contract: the data of every payments event, one schema per event type.

Loading a stored event's data with its schema gives the same JSON-ready dict back (dates stay ISO text, decimals
stay text, money is integer öre), so the schemas validate without converting.

    EVENT_SCHEMAS = {"EventType": (schema_version, SchemaClass)}
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="must be a month, YYYY-MM")
KOMMUNKOD = validate.Regexp(r"^\d{4}$", error="must be a kommunkod, 4 digits")


def _iso_date(text: str) -> None:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationError("must be an ISO date, YYYY-MM-DD") from None


def _aware_datetime(text: str) -> None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationError("must be an ISO date and time") from None
    if moment.tzinfo is None:
        raise ValidationError("must carry its UTC offset")


def _decimal_text(text: str) -> None:
    try:
        Decimal(text)
    except (TypeError, InvalidOperation):
        raise ValidationError("must be a decimal number as text") from None


def _text(description: str, **kw) -> fields.String:
    return fields.String(required=True, metadata={"description": description}, **kw)


def _ore(description: str) -> fields.Integer:
    return fields.Integer(required=True, strict=True, metadata={"description": description + " (öre)"})


def _date(description: str, **kw) -> fields.String:
    return fields.String(required=True, validate=_iso_date, metadata={"description": description, "format": "date"},
                         **kw)


def _month(description: str) -> fields.String:
    return fields.String(required=True, validate=MONTH, metadata={"description": description})


def _decimal(description: str, **kw) -> fields.String:
    return fields.String(required=True, validate=_decimal_text, metadata={"description": description}, **kw)


# --- RatesPublished --------------------------------------------------------------------------------------

class PublishedRateSchema(Schema):
    key = _text("rate key, as in rates/skr.csv (kontaktperson.arvode.category_1.min)")
    value = _decimal("the figure as decimal text (percent or kr by the unit); null: follow SKR again",
                     allow_none=True)
    unit = _text("kr | percent | years | year | days | factor")


class RatesPublishedSchema(Schema):
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    effective_from = _date("the figures apply from this day")
    rates = fields.List(fields.Nested(PublishedRateSchema), required=True)
    reason = _text("why (the nämnd's decision): ersättningsnivåer")
    by = _text("user id of who published")


# --- ReportApproved --------------------------------------------------------------------------------------

class MeetingSchema(Schema):
    meeting_id = _text("the MeetingLogged event id (the latest correction)")
    date = _date("the meeting's day (a stay: its first day)")
    status = _text("held | cancelled | no_show", validate=validate.OneOf(["held", "cancelled", "no_show"]))
    start = fields.String(load_default=None, allow_none=True, validate=_aware_datetime,
                          metadata={"description": "kontaktfamilj: the stay's start, with UTC offset"})
    end = fields.String(load_default=None, allow_none=True, validate=_aware_datetime,
                        metadata={"description": "kontaktfamilj: the stay's end, with UTC offset"})
    expense_ore = _ore("expenses paid by the volunteer for the meeting")
    receipt = fields.Boolean(required=True, metadata={"description": "a receipt (kvitto) was handed in"})


class ReportApprovedSchema(Schema):
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    assignment_id = _text("the assignment")
    month = _month("the month reported (närvarorapport), YYYY-MM")
    volunteer_id = _text("the volunteer (uppdragstagare)")
    kind = _text("kontaktperson | kontaktfamilj | skkp",
                 validate=validate.OneOf(["kontaktperson", "kontaktfamilj", "skkp"]))
    revision = fields.Integer(required=True, strict=True,
                              metadata={"description": "1 for the first approval, then one more per re-approval"})
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)
    approved_by = _text("the responsible case worker (socialsekreterare)")
    approved_on = _date("the day of approval")


# --- CompensationCalculated ------------------------------------------------------------------------------

class LineSchema(Schema):
    pay_type = _text("arvode | omkostnad (tax-free) | omkostnad_taxable (above SKR level) | expenses",
                     validate=validate.OneOf(["arvode", "omkostnad", "omkostnad_taxable", "expenses"]))
    amount_ore = _ore("the amount; negative in an adjustment that takes back")
    taxable = fields.Boolean(required=True, metadata={"description": "salary: tax and contributions apply"})
    tax_withheld_ore = _ore("preliminary tax withheld (skatteavdrag)")
    employer_contributions_ore = _ore("employer contributions charged with this payment (arbetsgivaravgifter)")
    employer_contributions_deferred_ore = _ore("contributions computed but not charged: the year is under 1,000 kr")


class TotalsSchema(Schema):
    arvode_ore = _ore("arvode")
    omkostnad_ore = _ore("omkostnadsersättning, tax-free")
    omkostnad_taxable_ore = _ore("omkostnadsersättning above the SKR level, taxed as salary")
    expenses_ore = _ore("expenses against receipts")
    tax_withheld_ore = _ore("preliminary tax withheld")
    employer_contributions_ore = _ore("employer contributions charged now, catch-up included")
    employer_contributions_deferred_ore = _ore("employer contributions deferred under the 1,000 kr threshold")
    payout_ore = _ore("paid to the volunteer: every amount less the tax")


class MonthTotalSchema(Schema):
    arvode_ore = _ore("the month's arvode, all calculations together")
    omkostnad_ore = _ore("the month's tax-free omkostnad")
    omkostnad_taxable_ore = _ore("the month's taxable omkostnad")
    expenses_ore = _ore("the month's expenses")


class TaxSchema(Schema):
    withholding_percent = _decimal("preliminary tax percentage used")
    withholding_basis = _text("default | tax_table | jamkning")
    employer_contribution_percent = _decimal("employer contribution percentage by the age rules")
    employer_contribution_rule = _text("standard | reduced_65_plus | none_born_1937_or_earlier")
    under_threshold = fields.Boolean(required=True,
                                     metadata={"description": "the year is still under 1,000 kr: contributions deferred"})


class RateUsedSchema(Schema):
    key = _text("rate key")
    value = _decimal("the figure used")
    effective_from = _date("the figure's first day")
    source = _text("SKR / Skatteverket / the municipality's decision")
    carried_forward = fields.Boolean(required=True,
                                     metadata={"description": "a yearly figure from an earlier year (none published)"})


class CompensationCalculatedSchema(Schema):
    compensation_id = _text("compensation-<assignment>-<YYYY-MM>/<sequence>: what a payment run pays")
    sequence = fields.Integer(required=True, strict=True, metadata={"description": "1, then 2, 3 for adjustments"})
    adjustment = fields.Boolean(required=True, metadata={"description": "the difference after a change (rättelse)"})
    adjusts = fields.List(fields.String(), required=True,
                          metadata={"description": "the earlier compensations of the month this one corrects"})
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    assignment_id = _text("the assignment")
    month = _month("the month worked")
    volunteer_id = _text("the volunteer")
    kind = _text("kontaktperson | kontaktfamilj | skkp")
    paid_in = _month("the month of payment (AGI period); tax and contributions follow its year")
    report_revision = fields.Integer(required=True, strict=True,
                                     metadata={"description": "the approved report (revision) it rests on"})
    lines = fields.List(fields.Nested(LineSchema), required=True)
    employer_contributions_catch_up_ore = _ore("earlier months' deferred contributions due now")
    totals = fields.Nested(TotalsSchema, required=True)
    month_total = fields.Nested(MonthTotalSchema, required=True)
    tax = fields.Nested(TaxSchema, required=True)
    basis = fields.Dict(required=True, metadata={
        "description": "what the amounts rest on: meeting_ids, kept_meeting_ids; kontaktperson: category and "
                       "percentages; kontaktfamilj: dygn and days (date, dygn, age_band, doubled, rates); expenses"})
    rates_used = fields.List(fields.Nested(RateUsedSchema), required=True)
    warnings = fields.List(fields.String(), required=True,
                           metadata={"description": "e.g. a rate carried forward from an earlier year"})
    calculated_by = _text("user id, or 'system' in a run")


# --- payment runs ----------------------------------------------------------------------------------------

class RunItemSchema(Schema):
    compensation_id = _text("the compensation to pay")
    assignment_id = _text("the assignment")
    volunteer_id = _text("the volunteer")
    month = _month("the month worked")
    payout_ore = _ore("to the volunteer after tax")


class PaymentRunPreparedSchema(Schema):
    run_id = _text("paymentrun-<kommunkod>-<YYYY-MM>")
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    period = _month("the month of payment")
    preparation = fields.Integer(required=True, strict=True,
                                 metadata={"description": "1, or more when prepared again before approval"})
    items = fields.List(fields.Nested(RunItemSchema), required=True)
    item_count = fields.Integer(required=True, strict=True)
    total_payout_ore = _ore("sum of the items' payouts")
    prepared_by = _text("finance user who prepared")
    prepared_on = _date("the day of preparation")


class PaymentRunApprovedSchema(Schema):
    run_id = _text("paymentrun-<kommunkod>-<YYYY-MM>")
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    period = _month("the month of payment")
    preparation = fields.Integer(required=True, strict=True, metadata={"description": "the preparation approved"})
    item_count = fields.Integer(required=True, strict=True)
    total_payout_ore = _ore("sum of the items' payouts")
    approved_by = _text("a different person than the preparer (four eyes)")
    approved_on = _date("the day of approval")


class PaymentIssuedSchema(Schema):
    compensation_id = _text("the compensation paid (once)")
    run_id = _text("the approved run that paid it")
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    assignment_id = _text("the assignment")
    month = _month("the month worked")
    volunteer_id = _text("the volunteer")
    payout_ore = _ore("paid to the volunteer after tax")
    issued_on = _date("the day of payment")
    issued_by = _text("user id, or 'system'")


# --- TaxDetailsChanged -----------------------------------------------------------------------------------

class TaxDetailsChangedSchema(Schema):
    """As other services see it: the personnummer, birth date and bank account are stored but never published
    (domain/tax_details.py, published_data)."""

    municipality = _text("kommunkod", validate=KOMMUNKOD)
    volunteer_id = _text("the volunteer (uppdragstagare)")
    withholding_basis = _text("default | tax_table | jamkning",
                              validate=validate.OneOf(["default", "tax_table", "jamkning"]))
    withholding_percent = _decimal("skatteavdrag in percent; null with the default basis", allow_none=True)
    changed_fields = fields.List(fields.String(), required=True,
                                 metadata={"description": "the fields this change set (names, never values)"})
    reason = _text("why the details changed (the volunteer's form, a decision)")
    changed_by = _text("user id of the finance person")
    changed_on = _date("the day of the change")


EVENT_SCHEMAS = {
    "RatesPublished": (1, RatesPublishedSchema),
    "ReportApproved": (1, ReportApprovedSchema),
    "CompensationCalculated": (1, CompensationCalculatedSchema),
    "PaymentRunPrepared": (1, PaymentRunPreparedSchema),
    "PaymentRunApproved": (1, PaymentRunApprovedSchema),
    "PaymentIssued": (1, PaymentIssuedSchema),
    "TaxDetailsChanged": (1, TaxDetailsChangedSchema),
}
