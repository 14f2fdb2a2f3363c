"""Input schemas: what the inbound exchange, the HTTP gateway and the environment hand to this service.

    InboundResultSchema   the JSON body a register service publishes (docs/register-contract.md)
    ManualResultSchema    a recruiter keys in a paper extract (gateway body) -> app.record_manual_result
    ResolveConflictSchema a recruiter resolves a conflict of a keyed-in and the register's result -> app.resolve_conflict
    ChecksConfigSchema    REGISTRY_CHECKS_CONFIG -> parse_config(...) -> ChecksConfig

Bad input is a marshmallow ValidationError naming each field; unknown fields are refused, so a misspelt
field ("valid_untill") is reported rather than silently dropped.
"""
from __future__ import annotations

import json

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from services.common.ids import bare_uuid
from services.common.places import is_municipality

from .domain import OUTCOMES
from .registers import KNOWN_ROLES, REGISTERS, ChecksConfig


def _check_id(value: str) -> None:
    if bare_uuid("check", value) is None:
        raise ValidationError("Not a valid UUID.")


def _kommunkod(value: str) -> None:
    if not is_municipality(value):
        raise ValidationError("Not a kommunkod of SCB's list.")


_register = validate.OneOf(list(REGISTERS))
_outcome = validate.OneOf(OUTCOMES)
_months = validate.Range(min=1, max=60)


class InboundResultSchema(Schema):
    """A register's result for one check, as published on `registry_checks.inbound`."""

    class Meta:
        unknown = RAISE

    register_id = fields.String(required=True, validate=_register,
                                metadata={"description": "The register answering: the routing key and the key "
                                                         "that signs this body (polisen_belastningsregister, ...)."})
    check_id = fields.String(required=True, validate=_check_id,
                             metadata={"description": "The check id from CheckRequested."})
    outcome = fields.String(required=True, validate=_outcome,
                            metadata={"description": "clear: nothing recorded; remarks: something recorded "
                                                     "(see summary); not_found: the person could not be identified."})
    register_reference = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                       metadata={"description": "The register's own reference (diarienummer)."})
    completed_at = fields.AwareDateTime(required=True,
                                        metadata={"description": "When the register produced the extract, "
                                                                 "ISO 8601 with offset."})
    valid_until = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "Last day the register vouches for the result; Kontakt "
                                                       "caps it at the configured validity."})
    summary = fields.String(load_default="", validate=validate.Length(max=2000),
                            metadata={"description": "Short text for the recruiter; for remarks, what was found."})

    @post_load
    def _canonical_check_id(self, data: dict, **kwargs) -> dict:
        # The one spelling the check's stream has (services.common.ids), whatever the register sent.
        return {**data, "check_id": bare_uuid("check", data["check_id"])}


class ManualResultSchema(Schema):
    """A recruiter (familjehemssekreterare) records a paper extract (registerutdrag) the applicant showed."""

    class Meta:
        unknown = RAISE

    outcome = fields.String(required=True, validate=_outcome,
                            metadata={"description": "clear (utan anteckning), remarks (med anteckning) or "
                                                     "not_found."})
    completed_on = fields.Date(required=True, metadata={"description": "The date printed on the extract."})
    register_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                       metadata={"description": "The extract's reference number, if it has one."})
    valid_until = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "Last valid day printed on the extract, if any."})
    summary = fields.String(load_default="", validate=validate.Length(max=2000),
                            metadata={"description": "What the extract says, for remarks."})


class ResolveConflictSchema(Schema):
    """A recruiter has looked into why the register's signed result differs from the paper extract keyed in, and
    says so. The register's result stands whatever the reason says."""

    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "What the recruiter found and did, e.g. that the paper extract "
                                                    "was older than the register's answer."})


class ChecksConfigSchema(Schema):
    """The deployment's register configuration, as JSON in REGISTRY_CHECKS_CONFIG. Example:

        {"extra_registers": {"0180": ["forsakringskassan"]},
         "validity_months": {"kronofogden": 6},
         "validity_months_by_role": {"polisen_belastningsregister": {"familjehem": 6}}}
    """

    class Meta:
        unknown = RAISE

    extra_registers = fields.Dict(
        keys=fields.String(validate=_kommunkod), values=fields.List(fields.String(validate=_register)),
        load_default=dict, metadata={"description": "kommunkod -> registers checked there besides the default ones."})
    validity_months = fields.Dict(
        keys=fields.String(validate=_register), values=fields.Integer(strict=True, validate=_months),
        load_default=dict, metadata={"description": "register -> months a result is valid (default 12)."})
    validity_months_by_role = fields.Dict(
        keys=fields.String(validate=_register),
        values=fields.Dict(keys=fields.String(validate=validate.OneOf(KNOWN_ROLES)),
                           values=fields.Integer(strict=True, validate=_months)),
        load_default=dict, metadata={"description": "register -> role -> months, for that role only."})

    @post_load
    def _config(self, data: dict, **kwargs) -> ChecksConfig:
        return ChecksConfig(
            extra_registers={code: tuple(registers) for code, registers in data["extra_registers"].items()},
            validity_months=dict(data["validity_months"]),
            validity_months_by_role={register: dict(by_role)
                                     for register, by_role in data["validity_months_by_role"].items()})


def parse_config(text: str | None) -> ChecksConfig:
    """REGISTRY_CHECKS_CONFIG's value (JSON) as a ChecksConfig; empty or unset means the defaults."""
    if not text or not text.strip():
        return ChecksConfig()
    try:
        raw = json.loads(text)
    except ValueError:
        raise ValidationError("REGISTRY_CHECKS_CONFIG is not valid JSON.") from None
    return ChecksConfigSchema().load(raw)
