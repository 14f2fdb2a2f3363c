"""The published contract: the data of every payments event, one schema per event type.

Loading a stored event's data with its schema gives the same JSON-ready dict back (dates stay ISO text, decimals
stay text, money is integer öre), so the schemas validate without converting.

    EVENT_SCHEMAS = {"EventType": (schema_version, SchemaClass)}

A type whose data changed shape has a new version, and an upcaster (at the end) turns the old version's data into
the new one, so the store's loads, the projections' rebuilds and every consumer read only the current shape.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from services.common.envelope import upcaster

from .domain.compensation import COMPENSATION_CALCULATED_VERSION, REPORT_APPROVED_VERSION
from .domain import decisions, tax_details
from .domain.decisions import ARVODE, OMKOSTNAD
from .domain.payment_run import RUN_EVENTS_VERSION
from .domain.tax import LEGACY_BASES, WITHHOLDING_BASES
from .domain.tax_details import TAX_DETAILS_CHANGED_VERSION

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
    preceding_stays = fields.List(fields.Nested(MeetingSchema), required=True, metadata={
        "description": "v2. kontaktfamilj: the month before's stays, read only for the 14-day count of a stay "
                       "that goes on into this month (not paid in this month); empty otherwise"})
    approved_by = _text("the responsible case worker (socialsekreterare)")
    approved_on = _date("the day of approval")


# --- CompensationCalculated ------------------------------------------------------------------------------

class LineSchema(Schema):
    pay_type = _text("arvode | omkostnad (within the SKR level) | omkostnad_taxable (above it) | expenses",
                     validate=validate.OneOf(["arvode", "omkostnad", "omkostnad_taxable", "expenses"]))
    amount_ore = _ore("the amount; negative in an adjustment that takes back")
    taxable = fields.Boolean(required=True, metadata={"description": "salary: tax and contributions apply"})
    tax_withheld_ore = _ore("preliminary tax withheld (skatteavdrag)")
    employer_contributions_ore = _ore("employer contributions charged with this payment (arbetsgivaravgifter)")
    employer_contributions_deferred_ore = _ore("contributions computed but not charged: the year is under 1,000 kr")


class TotalsSchema(Schema):
    arvode_ore = _ore("arvode")
    omkostnad_ore = _ore("omkostnadsersättning within the SKR level (or a decision's): no tax, no contributions")
    omkostnad_taxable_ore = _ore("omkostnadsersättning above the SKR level, taxed as salary")
    expenses_ore = _ore("expenses against receipts")
    tax_withheld_ore = _ore("preliminary tax withheld")
    employer_contributions_ore = _ore("employer contributions charged now, catch-up included")
    employer_contributions_deferred_ore = _ore("employer contributions deferred under the 1,000 kr threshold")
    payout_ore = _ore("paid to the volunteer: every amount less the tax")


class MonthTotalSchema(Schema):
    arvode_ore = _ore("the month's arvode, all calculations together")
    omkostnad_ore = _ore("the month's omkostnad within the SKR level (or a decision's)")
    omkostnad_taxable_ore = _ore("the month's taxable omkostnad")
    expenses_ore = _ore("the month's expenses")


class ContributionRuleSchema(Schema):
    rule = _text("standard | reduced_older | youth_18_22 | youth_15_17 | none_born_1937_or_earlier")
    percent = _decimal("the rule's percentage (rates/employer_contributions.csv)")
    monthly_cap_ore = fields.Integer(required=True, allow_none=True, strict=True, metadata={
        "description": "the rule covers pay up to this much a calendar month, the next rule the rest; null: all"})


class ContributionPartSchema(ContributionRuleSchema):
    base_ore = _ore("the pay (and catch-up base) at this rule")
    contributions_ore = _ore("the contributions on it (charged, or deferred under the 1,000 kr threshold)")


class TaxSchema(Schema):
    withholding_percent = _decimal("preliminary tax percentage of the basis")
    withholding_basis = _text("default (30 %) | jamkning | sink | tax_table (recorded before v2: a percentage)")
    withholding_exemption = fields.String(required=True, allow_none=True, validate=validate.OneOf(
        ["under_100_kr", "year_under_1000_kr"]), metadata={
        "description": "v2. why nothing was withheld (SFL 10 kap. 4 §): a payment under 100 kr, or a year that can "
                       "be assumed to stay under 1,000 kr; null: withheld"})
    further_pay_expected = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "v2. the volunteer's assignments went on (the withholding's year estimate); null before v2"})
    employer_contribution_percent = _decimal("employer contribution percentage by the age rules (the first rule)")
    employer_contribution_rule = _text("the first rule: standard | reduced_older | youth_18_22 | youth_15_17 | "
                                       "none_born_1937_or_earlier (before v2 also reduced_65_plus)")
    employer_contribution_rules = fields.List(fields.Nested(ContributionRuleSchema), required=True, metadata={
        "description": "v2. the payee's rules on the day of payment: a capped rule, then the one above its cap"})
    employer_contribution_parts = fields.List(fields.Nested(ContributionPartSchema), required=True, metadata={
        "description": "v2. this payment's pay and catch-up base by rule: how Skatteverket sums the underlag"})
    under_threshold = fields.Boolean(required=True, metadata={
        "description": "the year is still under 1,000 kr: contributions deferred"})


class RateUsedSchema(Schema):
    key = _text("rate key")
    value = _decimal("the figure used")
    effective_from = _date("the figure's first day")
    source = _text("SKR / Skatteverket / the law / the municipality's decision")
    carried_forward = fields.Boolean(required=True,
                                     metadata={"description": "a yearly figure from an earlier year (none published)"})
    valid_to = fields.String(required=True, allow_none=True, validate=_iso_date, metadata={
        "description": "v2. the law's rows (rates/tax_rules.csv, employer_contributions.csv): the last day in force"})
    confidence = fields.String(required=True, allow_none=True, validate=validate.OneOf(["C", "S", "U"]),
                               metadata={"description": "v2. the law's rows: C confirmed, S secondary source, U "
                                                        "not confirmed (a warning says so); null for other rates"})


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
    paid_on = fields.String(required=True, allow_none=True, validate=_iso_date, metadata={
        "description": "v2. the day of payment the law's rules were looked up on; null before v2 (1 January)"})
    report_revision = fields.Integer(required=True, strict=True,
                                     metadata={"description": "the approved report (revision) it rests on"})
    lines = fields.List(fields.Nested(LineSchema), required=True)
    employer_contributions_catch_up_ore = _ore("contributions on the year's earlier pay, due now (the year reached "
                                               "1,000 kr)")
    employer_contributions_catch_up_base_ore = fields.Integer(required=True, allow_none=True, strict=True, metadata={
        "description": "v2. that earlier pay, which becomes underlag now (AGI 010 with this period's 011) (öre); "
                       "null before v2"})
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


class RunWarningSchema(Schema):
    warning = _text("the warning, as the calculations give it")
    items = fields.Integer(required=True, strict=True, metadata={"description": "how many of the run's items"})


class PaymentRunPreparedSchema(Schema):
    run_id = _text("paymentrun-<kommunkod>-<YYYY-MM>")
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    period = _month("the month of payment")
    preparation = fields.Integer(required=True, strict=True,
                                 metadata={"description": "1, or more when prepared again before approval"})
    items = fields.List(fields.Nested(RunItemSchema), required=True)
    item_count = fields.Integer(required=True, strict=True)
    total_payout_ore = _ore("sum of the items' payouts")
    warnings = fields.List(fields.Nested(RunWarningSchema), required=True, metadata={
        "description": "v2. the items' calculation warnings (a rate carried forward, a rule not confirmed), each "
                       "with how many items have it: what the approver sees"})
    prepared_by = _text("finance user who prepared")
    prepared_on = _date("the day of preparation")


class PaymentRunApprovedSchema(Schema):
    run_id = _text("paymentrun-<kommunkod>-<YYYY-MM>")
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    period = _month("the month of payment")
    preparation = fields.Integer(required=True, strict=True, metadata={"description": "the preparation approved"})
    item_count = fields.Integer(required=True, strict=True)
    total_payout_ore = _ore("sum of the items' payouts")
    warnings = fields.List(fields.Nested(RunWarningSchema), required=True, metadata={
        "description": "v2. the warnings of the preparation approved, as the approver was shown them"})
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
    (published_data below)."""

    municipality = _text("kommunkod", validate=KOMMUNKOD)
    volunteer_id = _text("the volunteer (uppdragstagare)")
    withholding_basis = _text("default (30 %) | jamkning | sink (v2); tax_table only in events before v2",
                              validate=validate.OneOf(list(WITHHOLDING_BASES + LEGACY_BASES)))
    withholding_percent = _decimal("a jämkning decision's skatteavdrag in percent; null with default and sink",
                                   allow_none=True)
    changed_fields = fields.List(fields.String(), required=True,
                                 metadata={"description": "the fields this change set (names, never values)"})
    reason = _text("why the details changed (the volunteer's form, a decision)")
    changed_by = _text("user id of the finance person")
    changed_on = _date("the day of the change")


# --- individual decisions --------------------------------------------------------------------------------

class _DecisionSchema(Schema):
    """As other services see it: the reason (the assessment, which may describe the child) is stored but never
    published (published_data below)."""

    decision_id = _text("decisions-<assignment>/<n>")
    municipality = _text("kommunkod", validate=KOMMUNKOD)
    assignment_id = _text("the assignment")
    kind = _text("the assignment's kind: kontaktperson | kontaktfamilj | skkp")
    from_month = _month("the first month the decision covers")
    to_month = fields.String(required=True, allow_none=True, validate=MONTH,
                             metadata={"description": "the last month it covers; null: until another decision"})
    per = _text("dygn (kontaktfamilj) | month", validate=validate.OneOf(["dygn", "month"]))
    underlag_reference = _text("the underlag's reference (diarienummer, document)")
    decided_by = _text("user id of who decided")
    decided_on = _date("the day of the decision")


class ArvodeLevelDecidedSchema(_DecisionSchema):
    amount_ore = _ore("the arvode per dygn decided (förhöjt arvode), whole kronor")


class OmkostnadExcessApprovedSchema(_DecisionSchema):
    amount_ore = _ore("omkostnad kept as omkostnad up to this much, per month or (kontaktfamilj) per dygn and child")


EVENT_SCHEMAS = {
    "RatesPublished": (1, RatesPublishedSchema),
    "ReportApproved": (REPORT_APPROVED_VERSION, ReportApprovedSchema),
    "CompensationCalculated": (COMPENSATION_CALCULATED_VERSION, CompensationCalculatedSchema),
    "PaymentRunPrepared": (RUN_EVENTS_VERSION, PaymentRunPreparedSchema),
    "PaymentRunApproved": (RUN_EVENTS_VERSION, PaymentRunApprovedSchema),
    "PaymentIssued": (1, PaymentIssuedSchema),
    "TaxDetailsChanged": (TAX_DETAILS_CHANGED_VERSION, TaxDetailsChangedSchema),
    ARVODE: (1, ArvodeLevelDecidedSchema),
    OMKOSTNAD: (1, OmkostnadExcessApprovedSchema),
}


# Fields stored but never published: personal data of the volunteer, and texts that may describe the client.
PRIVATE_FIELDS = {"TaxDetailsChanged": tax_details.PRIVATE_FIELDS, ARVODE: decisions.PRIVATE_FIELDS,
                  OMKOSTNAD: decisions.PRIVATE_FIELDS}


def published_data(event_type: str, data: dict) -> dict:
    """What other services may see of a payments event: never a personnummer, birth date, account or a
    decision's reason."""
    private = PRIVATE_FIELDS.get(event_type)
    if not private:
        return data
    return {key: value for key, value in data.items() if key not in private}


# --- upcasters: old versions read as the current one --------------------------------------------------------

@upcaster("ReportApproved", 1)
def _report_approved_v1(data: dict) -> dict:
    return {**data, "preceding_stays": []}  # before v2 the month before was not read


@upcaster("CompensationCalculated", 1)
def _compensation_calculated_v1(data: dict) -> dict:
    """v1 looked the rules up on 1 January and recorded one rule; the catch-up base was not recorded (null: the
    AGI export says it cannot give box 010 for it)."""
    tax = data["tax"]
    rule = {"rule": tax["employer_contribution_rule"], "percent": tax["employer_contribution_percent"],
            "monthly_cap_ore": None}
    taxable = [line for line in data["lines"] if line["taxable"]]
    part = {**rule, "base_ore": sum(line["amount_ore"] for line in taxable),
            "contributions_ore": sum(line["employer_contributions_ore"] + line["employer_contributions_deferred_ore"]
                                     for line in taxable)}
    return {**data, "paid_on": None, "employer_contributions_catch_up_base_ore": None,
            "rates_used": [{**r, "valid_to": None, "confidence": None} for r in data["rates_used"]],
            "tax": {**tax, "withholding_exemption": None, "further_pay_expected": None,
                    "employer_contribution_rules": [rule],
                    "employer_contribution_parts": [part] if part["base_ore"] else []}}


@upcaster("PaymentRunPrepared", 1)
def _run_prepared_v1(data: dict) -> dict:
    return {**data, "warnings": []}  # before v2 a run did not gather its items' warnings


@upcaster("PaymentRunApproved", 1)
def _run_approved_v1(data: dict) -> dict:
    return {**data, "warnings": []}


@upcaster("TaxDetailsChanged", 1)
def _tax_details_changed_v1(data: dict) -> dict:
    return data  # v1 data is valid v2 data: v2 only adds the sink basis
