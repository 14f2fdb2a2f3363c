"""Deciding what to do with a result a register service published on `registry_checks.inbound`.

    assess_inbound(raw_body, headers, keys_by_register, now, check_state) -> Accepted | Refused

Accepted carries the RecordResult to run; Refused carries a stable reason code and a message. The service
keeps every refused message with its reason (for an operator to list) and changes nothing else.

The order of the tests matters: nothing from an unauthenticated body is looked at beyond the register id
that picks the key, and a genuine message that is too old is "stale_timestamp" (a replay), not "bad_signature".
Messages never repeat values from the body: a summary or reference may hold personal data.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from marshmallow import ValidationError

from services.common.decider import CommandRefused
from services.common.ids import bare_uuid

from .domain import NEW, CheckState, RecordResult, decide_result
from .schemas import InboundResultSchema
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_fresh, parse_timestamp, verify

UNSIGNED = "unsigned"
BAD_SIGNATURE = "bad_signature"
STALE_TIMESTAMP = "stale_timestamp"
MALFORMED = "malformed"
UNKNOWN_CHECK = "unknown_check"
WRONG_REGISTER = "wrong_register"
LATE = "late"
REPEAT = "repeat"

REFUSAL_REASONS = {
    UNSIGNED: "the message has no signature or no timestamp header",
    BAD_SIGNATURE: "the signature does not match the body with the register's key (forged or wrong key)",
    STALE_TIMESTAMP: "the timestamp is more than 5 minutes from our clock (a replay, or a register's clock off)",
    MALFORMED: "the body does not follow the contract",
    UNKNOWN_CHECK: "no check has this id",
    WRONG_REGISTER: "the check was requested from another register",
    LATE: "the check was cancelled or has expired",
    REPEAT: "the check already has a result",
}

# Lifecycle refusals of the decider, in the order they are reported when several apply.
_LIFECYCLE = (WRONG_REGISTER, LATE, REPEAT)
# The contract's body is flat (one object of texts): nesting deeper than this is refused before any parser
# recurses into it (Python's json raises RecursionError past about 1000 levels, which requeued the message for ever).
MAX_DEPTH = 4


@dataclass(frozen=True)
class Accepted:
    command: RecordResult


@dataclass(frozen=True)
class Refused:
    reason_code: str  # one of REFUSAL_REASONS
    message: str  # for operators; never holds personal data
    fields: tuple[str, ...] = ()  # for "malformed": the body fields (or headers) at fault
    register: str | None = None  # as named in the body, when it could be read
    check_id: str | None = None  # as named in the body, once the signature held


def assess_inbound(raw_body: bytes | str, headers: Mapping[str, Any] | None,
                   keys_by_register: Mapping[str, bytes | str], now: datetime,
                   check_state: CheckState | None) -> Accepted | Refused:
    """Accept a signed, fresh, well-formed result for a pending check of the register that sent it.

    `raw_body` is the message body as received. py-amqp hands a body with a content_encoding over as text,
    decoded; UTF-8 re-encodes it to the very bytes that were signed, so text is taken too.
    """
    raw_body = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    headers = {str(k).lower(): v for k, v in (headers or {}).items()}
    timestamp, signature = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    if timestamp in (None, "") or signature in (None, ""):
        return Refused(UNSIGNED, REFUSAL_REASONS[UNSIGNED])
    try:
        sent_at = parse_timestamp(timestamp)
    except ValueError:
        return Refused(MALFORMED, "the timestamp header is not unix time in whole seconds", (TIMESTAMP_HEADER,))

    if _nests_too_deep(raw_body):
        return Refused(MALFORMED, f"the body nests deeper than {MAX_DEPTH} levels", ("_schema",))
    register = _register_named_in(raw_body)
    if register is None:
        return Refused(MALFORMED, "the body is not a JSON object with a register_id", ("register_id",))
    key = keys_by_register.get(register)
    if key is None:
        return Refused(BAD_SIGNATURE, "no key is configured for the register named in the body")
    if not verify(key, timestamp, raw_body, signature):
        return Refused(BAD_SIGNATURE, REFUSAL_REASONS[BAD_SIGNATURE], register=register)
    if not is_fresh(sent_at, now):
        return Refused(STALE_TIMESTAMP, REFUSAL_REASONS[STALE_TIMESTAMP], register=register)

    try:
        body = InboundResultSchema().loads(raw_body)
    except ValidationError as error:
        fields = tuple(sorted(str(name) for name in error.messages))
        return Refused(MALFORMED, f"fields not following the contract: {', '.join(fields)}", fields, register)
    check_id = body["check_id"]
    if check_state is None or check_state.status == NEW:
        return Refused(UNKNOWN_CHECK, REFUSAL_REASONS[UNKNOWN_CHECK], register=register, check_id=check_id)

    command = RecordResult(
        check_id=check_id, municipality=check_state.municipality, outcome=body["outcome"],
        completed_at=body["completed_at"], recorded_at=now, source="register", register=register,
        register_reference=body["register_reference"], valid_until=body["valid_until"], summary=body["summary"])
    try:
        decide_result(check_state, command)
    except CommandRefused as refused:
        return refusal_from(refused, register, check_id)
    return Accepted(command)


def refusal_from(refused: CommandRefused, register: str | None = None, check_id: str | None = None) -> Refused:
    """The Refused for a RecordResult the decider refused: also for the service, when a result that was
    accepted here meets a newer state of the check (another result won the race)."""
    codes = {problem.code for problem in refused.problems}
    for reason in _LIFECYCLE:
        if reason in codes:
            return Refused(reason, REFUSAL_REASONS[reason], register=register, check_id=check_id)
    fields = tuple(sorted({problem.field for problem in refused.problems if problem.field}))
    # The decider's texts name rules and fields, never values from the body.
    return Refused(MALFORMED, "; ".join(problem.message for problem in refused.problems), fields, register,
                   check_id)


def check_id_named_in(raw_body: bytes | str) -> str | None:
    """The check id a body names (canonical, as InboundResultSchema loads it), unverified: for the service to load
    the check's state before assess_inbound (a read by an unauthenticated id is harmless; nothing is written before
    the signature holds)."""
    return bare_uuid("check", _named_in(raw_body, "check_id"))


def _register_named_in(raw_body: bytes) -> str | None:
    return _named_in(raw_body, "register_id")


def _named_in(raw_body: bytes | str, name: str) -> str | None:
    body = _parsed(raw_body)
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _parsed(raw_body: bytes | str) -> Any:
    """The body's JSON, or None when it is not JSON or nests too deep for the parser."""
    try:
        return json.loads(raw_body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _nests_too_deep(raw_body: bytes | str) -> bool:
    try:
        body = json.loads(raw_body)
    except RecursionError:
        return True
    except (ValueError, UnicodeDecodeError):
        return False  # not JSON: refused as malformed for that
    stack = [(body, 1)]
    while stack:  # without recursion, so that the check cannot overflow either
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False
