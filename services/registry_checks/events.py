"""Published events of registry_checks: the contract other services (applicants, assignments) rely on.

`EVENT_SCHEMAS = {"EventType": (schema_version, SchemaClass)}` describes each event's `data`. Change a
schema only by adding an optional field, or by a new version with an upcaster from the old one.
Every event names its check, applicant, register and municipality, so a consumer needs no other event
to file it. Register ids are those of registers.REGISTERS.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .domain import CANCEL_REASONS, OUTCOMES, SOURCES
from .registers import KNOWN_ROLES, REGISTERS


class _CheckEvent(Schema):
    check_id = fields.String(required=True, metadata={"description": "The check (stream check-<check_id>)."})
    applicant_id = fields.String(required=True, metadata={"description": "The applicant checked."})
    register = fields.String(required=True, validate=validate.OneOf(list(REGISTERS)),
                             metadata={"description": "Register id, e.g. polisen_belastningsregister."})
    municipality = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{4}$"),
                                 metadata={"description": "Kommunkod of the municipality that asked."})


class CheckRequestedData(_CheckEvent):
    """A register check (registerkontroll) was asked for: on registration, or again as a renewal."""

    roles = fields.List(fields.String(validate=validate.OneOf(KNOWN_ROLES)), required=True,
                        metadata={"description": "The applicant's roles of interest (kontaktperson, ...); "
                                                 "'lss_barn' where the work is with children under LSS."})
    requested_at = fields.AwareDateTime(required=True, metadata={"description": "When it was requested."})
    validity_months = fields.Integer(required=True,
                                     metadata={"description": "Months a result of this check stays valid, "
                                                              "counted from its completion."})


class CheckCompletedData(_CheckEvent):
    """The register answered, or a recruiter recorded a paper extract (registerutdrag)."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES),
                            metadata={"description": "clear (utan anteckning), remarks (med anteckning), or "
                                                     "not_found (the person could not be identified)."})
    register_reference = fields.String(required=True, allow_none=True,
                                       metadata={"description": "The register's reference; may be null for a "
                                                                "paper extract without one."})
    completed_at = fields.AwareDateTime(required=True, metadata={"description": "When the extract was made."})
    valid_until = fields.Date(required=True,
                              metadata={"description": "Last day the result may be relied on: the register's "
                                                       "date, capped at validity_months from completed_at."})
    summary = fields.String(required=True, metadata={"description": "Text for the recruiter; may be empty. "
                                                                    "May hold personal data."})
    source = fields.String(required=True, validate=validate.OneOf(SOURCES),
                           metadata={"description": "register: a signed result; manual: keyed in by a recruiter."})
    entered_by = fields.String(required=True, allow_none=True,
                               metadata={"description": "User id of the recruiter for manual results, else null."})


class KeyedInResultData(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES),
                            metadata={"description": "What the recruiter keyed in from the paper extract."})
    entered_by = fields.String(required=True, allow_none=True,
                               metadata={"description": "User id of the recruiter who keyed it in."})
    completed_at = fields.AwareDateTime(required=True, metadata={"description": "The extract's date, as keyed in."})
    register_reference = fields.String(required=True, allow_none=True,
                                       metadata={"description": "The extract's reference, as keyed in, or null."})


class CheckConflictRaisedData(_CheckEvent):
    """The register's signed result (the CheckCompleted just before, which stands) differs from the result a
    recruiter had keyed in from a paper extract: a recruiter must resolve it before the applicant is approved."""

    keyed_in = fields.Nested(KeyedInResultData, required=True,
                             metadata={"description": "The keyed-in result the register's replaced."})
    register_outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES),
                                     metadata={"description": "The register's outcome, now the check's."})
    register_reference = fields.String(required=True, metadata={"description": "The register's reference."})
    raised_at = fields.AwareDateTime(required=True, metadata={"description": "When the register's result came."})


class CheckConflictResolvedData(_CheckEvent):
    """A recruiter looked into a conflict between a keyed-in and the register's result, and said why it is done."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES),
                            metadata={"description": "The check's outcome (the register's), which stands."})
    reason = fields.String(required=True, validate=validate.Length(min=1),
                           metadata={"description": "The recruiter's reason. May hold personal data."})
    resolved_by = fields.String(required=True, metadata={"description": "User id of the recruiter."})
    resolved_at = fields.AwareDateTime(required=True, metadata={"description": "When it was resolved."})


class CheckExpiredData(_CheckEvent):
    """A clear result passed its valid_until: the applicant needs a new extract for this register."""

    valid_until = fields.Date(required=True, metadata={"description": "The last day the result was valid."})
    expired_on = fields.Date(required=True, metadata={"description": "The day the expiry was recorded."})


class CheckCancelledData(_CheckEvent):
    """A pending check was stopped because the applicant withdrew or was rejected."""

    reason = fields.String(required=True, validate=validate.OneOf(CANCEL_REASONS),
                           metadata={"description": "applicant_withdrawn or applicant_rejected."})
    cancelled_at = fields.AwareDateTime(required=True, metadata={"description": "When it was cancelled."})


EVENT_SCHEMAS = {
    "CheckRequested": (1, CheckRequestedData),
    "CheckCompleted": (1, CheckCompletedData),
    "CheckConflictRaised": (1, CheckConflictRaisedData),
    "CheckConflictResolved": (1, CheckConflictResolvedData),
    "CheckExpired": (1, CheckExpiredData),
    "CheckCancelled": (1, CheckCancelledData),
}
