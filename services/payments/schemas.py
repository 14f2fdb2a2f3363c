"""Input schemas: the request bodies the gateway loads (the use cases in app/ turn them into commands), and the
plan's terms as AssignmentStarted carries them (app/plan.py).

The gateway adds what the token says (municipality, the acting user) and the service adds what it holds (the
month's meetings, the plan's terms, the rate table): the body carries only what the user decides.
Bad input raises marshmallow's ValidationError, naming each field.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.identity import InvalidIdentityNumber
from services.common.sweden import today

from .domain.rate_table import skr_defaults
from .domain.tax import TAX_TABLES_NOT_SUPPORTED, WITHHOLDING_BASES
from .domain.tax_details import parse_personnummer
from .events import MONTH

PERCENT = validate.Range(min=0, max=1000, error="must be a percentage from 0")


def _percent(description: str, **kw) -> fields.Decimal:
    return fields.Decimal(places=2, validate=PERCENT, metadata={"description": description}, **kw)


# --- rates (admin) ---------------------------------------------------------------------------------------

class RateChangeBody(Schema):
    key = fields.String(required=True, validate=validate.OneOf(sorted(skr_defaults().keys)),
                        metadata={"description": "the rate to set (nyckel i ersättningstabellen)"})
    value = fields.Decimal(required=True, allow_none=True, validate=validate.Range(min=0),
                           metadata={"description": "the new figure (percent or kr); null: follow SKR again"})


class PublishRatesBody(Schema):
    effective_from = fields.Date(required=True, metadata={"description": "gäller från"})
    rates = fields.List(fields.Nested(RateChangeBody), required=True, validate=validate.Length(min=1))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "beslut eller motivering: why the rates change"})



# --- monthly report (case worker) ------------------------------------------------------------------------

class ApproveReportBody(Schema):
    """The case worker approves the närvarorapport they were shown: the service refuses (409) when the month's
    meetings are no longer exactly these, so nobody approves a meeting they did not see."""

    month = fields.String(required=True, validate=MONTH, metadata={"description": "månad, YYYY-MM"})
    meeting_ids = fields.List(fields.String(), required=True,
                              metadata={"description": "the MeetingLogged ids shown in the report"})


# --- the plan's compensation terms (from AssignmentStarted) ----------------------------------------------

class TermsBody(Schema):
    """Ersättning in the genomförandeplan. kontaktperson: category, arvode_percent, omkostnad_percent;
    kontaktfamilj: client_birth_dates (each child; client_birth_date for one) and optional percentages; skkp:
    amounts per month in öre."""

    kind = fields.String(required=True, validate=validate.OneOf(["kontaktperson", "kontaktfamilj", "skkp"]))
    category = fields.Integer(strict=True, load_default=None, validate=validate.OneOf([1, 2, 3]),
                              metadata={"description": "kontaktperson: kategori 1, 2 or 3"})
    arvode_percent = _percent("kontaktperson: arvode, % of prisbasbelopp/12", load_default=None)
    omkostnad_percent = _percent("kontaktperson: omkostnadsersättning, % of prisbasbelopp/12", load_default=None)
    client_birth_dates = fields.List(fields.Date(), load_default=list,
                                     metadata={"description": "kontaktfamilj: each child's (a syskonpar: two)"})
    client_birth_date = fields.Date(load_default=None, metadata={"description": "kontaktfamilj: one child's"})
    omkostnad_percent_child = _percent("kontaktfamilj 0-12 år, % of PBB/365; null: SKR standard",
                                       load_default=None, allow_none=True)
    omkostnad_percent_youth = _percent("kontaktfamilj från 13 år, % of PBB/365; null: SKR standard",
                                       load_default=None, allow_none=True)
    arvode_ore = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0),
                                metadata={"description": "skkp: arvode per month, öre"})
    omkostnad_ore = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0),
                                   metadata={"description": "skkp: omkostnad per month, öre"})
    expenses_allowed = fields.Boolean(load_default=False,
                                      metadata={"description": "utlägg mot kvitto ersätts utöver"})
    omkostnad_justification = fields.String(load_default=None, allow_none=True,
                                            metadata={"description": "motivering: required above the SKR level"})

    REQUIRED = {"kontaktperson": ("category", "arvode_percent", "omkostnad_percent"),
                "kontaktfamilj": (),
                "skkp": ("arvode_ore", "omkostnad_ore")}

    @validates_schema
    def _required_for_kind(self, data, **kwargs):
        missing = {name: ["required for " + data["kind"]] for name in self.REQUIRED.get(data.get("kind"), ())
                   if data.get(name) is None}
        children = data.get("client_birth_dates") or data.get("client_birth_date")
        if data.get("kind") == "kontaktfamilj" and not children:
            missing["client_birth_date"] = ["each child's birth date is required for kontaktfamilj"]
        if missing:
            raise ValidationError(missing)



# --- the volunteer's tax (finance; audited) --------------------------------------------------------------

class TaxDetailsBody(Schema):
    """How tax is withheld from a volunteer's arvode."""

    withholding_basis = fields.String(required=True, validate=validate.OneOf(
        WITHHOLDING_BASES, error=f"must be one of {', '.join(WITHHOLDING_BASES)} ({TAX_TABLES_NOT_SUPPORTED})"),
        metadata={"description": "default (30 %, sidoinkomst), jamkning (beslut om jämkning) or sink; "
                                 + TAX_TABLES_NOT_SUPPORTED})
    withholding_percent = fields.Decimal(places=2, load_default=None, allow_none=True,
                                         validate=validate.Range(min=0, max=100),
                                         metadata={"description": "jämkning: skatteavdrag i procent"})

    @validates_schema
    def _percent_with_basis(self, data, **kwargs):
        if data["withholding_basis"] == "jamkning" and data.get("withholding_percent") is None:
            raise ValidationError({"withholding_percent": ["required with a jämkning decision"]})


class BankAccountBody(Schema):
    clearing = fields.String(required=True, validate=validate.Regexp(r"^\d{4,5}$", error="4 or 5 digits"))
    account = fields.String(required=True, validate=validate.Regexp(r"^\d{6,12}$", error="6 to 12 digits"))


class SetTaxDetailsBody(TaxDetailsBody):
    """Skatteuppgifter: the tax basis (default 30 %, the volunteer's tax table, or a jämkning decision), the
    personnummer (required the first time) and, optionally, the bank account; always with a reason."""

    municipality = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"))
    personnummer = fields.String(load_default=None, allow_none=True,
                                 metadata={"description": "YYYYMMDD-NNNN; required the first time"})
    bank_account = fields.Nested(BankAccountBody, load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "why the details change (the volunteer's form, a decision)"})

    @validates_schema
    def _personnummer_valid(self, data, **kwargs):
        if data.get("personnummer") is not None:
            try:
                parse_personnummer(data["personnummer"], today())
            except InvalidIdentityNumber as error:
                raise ValidationError({"personnummer": [f"invalid: {error}"]}) from None


# --- individual decisions (case worker, admin) -----------------------------------------------------------

class DecisionBody(Schema):
    """An individual decision on an assignment's compensation: from which month (to which, or open), the amount in
    öre (whole kronor), why, and the underlag's reference (Skatteverket requires an underlag)."""

    from_month = fields.String(required=True, validate=MONTH, metadata={"description": "gäller från månad"})
    to_month = fields.String(load_default=None, allow_none=True, validate=MONTH,
                             metadata={"description": "till och med månad; null: tills vidare"})
    amount_ore = fields.Integer(required=True, strict=True, validate=validate.Range(min=100),
                                metadata={"description": "belopp i öre, hela kronor"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "motivering: the individual assessment"})
    underlag_reference = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                       metadata={"description": "underlagets referens (diarienummer, dokument)"})


class DecideArvodeLevelBody(DecisionBody):
    """Förhöjt arvode: a kontaktfamilj's arvode per dygn (amount_ore), decided individually."""


class ApproveOmkostnadExcessBody(DecisionBody):
    """Omkostnad above SKR's level kept as omkostnad up to amount_ore: per month (kontaktperson, skkp) or per dygn
    and child (kontaktfamilj)."""


# --- payment runs (finance) ------------------------------------------------------------------------------

class PreparePaymentRunBody(Schema):
    period = fields.String(required=True, validate=MONTH, metadata={"description": "utbetalningsmånad, YYYY-MM"})


class ApprovePaymentRunBody(Schema):
    preparation = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1),
                                 metadata={"description": "the preparation reviewed (from PaymentRunPrepared)"})
