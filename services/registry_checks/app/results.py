"""The two ways a check gets its result: a register publishes it, signed, on the inbound exchange; or a recruiter
keys in the paper extract (registerutdrag) the applicant showed."""
from __future__ import annotations

import logging
from datetime import datetime, time, timezone

from services.common.decider import CommandRefused
from services.common.envelope import Metadata
from services.common.kernel import Kernel
from services.common.problems import ServiceProblem
from services.common.roles import RECRUITER, Caller
from services.common.store import ConcurrencyError
from services.common.sweden import SWEDEN
from services.common.validation import load_body

from .. import projection
from ..domain import NEW, RecordResult, ResolveConflict, stream_id
from ..inbound import Accepted, Refused, assess_inbound, check_id_named_in, refusal_from
from ..schemas import ManualResultSchema, ResolveConflictSchema
from ..settings import check_decider, register_keys
from .checks import find_check

log = logging.getLogger("kontakt.registry_checks")

INTERNAL_ERROR = "internal_error"  # not a contract reason: the service failed to assess a message (see the log)


def receive_result(kernel: Kernel, raw_body: bytes | str | None, headers: dict | None, *,
                   keys: dict[str, bytes] | None = None, now: datetime | None = None,
                   routing_key: str | None = None) -> Accepted | Refused:
    """One message from the inbound exchange. Accepted: CheckCompleted is appended. Refused: the message is kept
    in refused_results with its reason, and nothing else changes. Either way it is committed before this returns,
    so the message may be acked; raises only when the database fails (then the message must be requeued)."""
    raw = raw_body.encode("utf-8") if isinstance(raw_body, str) else (raw_body or b"")
    keys = register_keys() if keys is None else keys
    check_id = check_id_named_in(raw)
    decider = check_decider()
    for _attempt in range(5):
        with kernel.connection() as conn, conn.transaction():
            now_ = now or datetime.now(timezone.utc)
            state = kernel.commands.state(conn, decider, stream_id(check_id))[0] if check_id else None
            try:
                outcome = assess_inbound(raw, headers, keys, now_, state)
            except Exception:  # noqa: BLE001 - a bug must not requeue the message forever; it is kept instead
                log.exception("assessing an inbound result failed; kept as %s", INTERNAL_ERROR)
                outcome = Refused(INTERNAL_ERROR, "the service could not assess this message (see its log)")
            if isinstance(outcome, Accepted):
                register = outcome.command.register
                metadata = Metadata(municipality=state.municipality, actor=f"register:{register}")
                try:
                    kernel.execute(decider, stream_id(check_id), outcome.command, metadata, conn=conn)
                    log.info("accepted a %s result for check %s", register, check_id)
                    return outcome
                except ConcurrencyError:
                    continue  # another result for this check committed meanwhile: assess again on the new state
                except CommandRefused as refused:
                    outcome = refusal_from(refused, register, check_id)
            # Attributed to the check's municipality only once the signature held (a forged body names any id).
            known = outcome.check_id is not None and state is not None and state.status != NEW
            municipality = state.municipality if known else None
            projection.record_refusal(
                conn, reason_code=outcome.reason_code, message=outcome.message, fields=outcome.fields,
                register=outcome.register, check_id=outcome.check_id, municipality=municipality,
                routing_key=routing_key, headers=headers, raw_body=raw, received_at=now_)
            # Reason, register and check id only: the body is for operators, through list_refused_results.
            log.warning("refused an inbound result: %s (register %s, check %s)", outcome.reason_code,
                        outcome.register, outcome.check_id)
            return outcome
    raise ConcurrencyError(stream_id(check_id), -1, -1)


def record_manual_result(kernel: Kernel, caller: Caller, check_id: str, body: dict | None, *,
                         now: datetime | None = None) -> dict:
    """A recruiter of the check's municipality saw a paper extract: CheckCompleted with source "manual", and the
    recruiter as entered_by. The body is ManualResultSchema; the check id "<uuid>" or "check-<uuid>"."""
    return _recruiter_acts_on_check(kernel, caller, check_id, ManualResultSchema, body, now, (
        lambda fields, check_id, municipality, by, at: manual_result_command(
            fields, check_id=check_id, municipality=municipality, by=by, recorded_at=at)))


def resolve_conflict(kernel: Kernel, caller: Caller, check_id: str, body: dict | None, *,
                     now: datetime | None = None) -> dict:
    """A recruiter of the check's municipality resolves the conflict between the result keyed in and the register's
    (CheckConflictResolved): the register's result stands, and the applicant may be approved on it. The body is
    ResolveConflictSchema."""
    return _recruiter_acts_on_check(kernel, caller, check_id, ResolveConflictSchema, body, now, (
        lambda fields, check_id, municipality, by, at: ResolveConflict(
            check_id=check_id, municipality=municipality, reason=fields["reason"], by=by, resolved_at=at)))


def _recruiter_acts_on_check(kernel: Kernel, caller: Caller, check_id: str, schema, body: dict | None,
                             now: datetime | None, command_of) -> dict:
    """`command_of(fields, check_id, municipality, by, at)` run on the check's stream for a recruiter of its
    municipality, who is recorded as having acted (so it must be a person); answers the check as it now reads."""
    check = find_check(kernel, check_id)
    municipality = check["municipality"]
    caller.require(municipality, RECRUITER)
    if not caller.actor:
        raise ServiceProblem("forbidden", "this needs the person who acts on the check")
    fields = load_body(schema, body)
    command = command_of(fields, check["check_id"], municipality, caller.actor, now or datetime.now(timezone.utc))
    with kernel.connection() as conn:
        kernel.execute(check_decider(), stream_id(command.check_id), command,
                       Metadata(municipality=municipality, actor=caller.actor), conn=conn)
        return projection.check_row(conn, command.check_id)


def manual_result_command(fields: dict, *, check_id: str, municipality: str, by: str,
                          recorded_at: datetime) -> RecordResult:
    """The command for a loaded ManualResultSchema body (check, municipality and recruiter come from the
    route and the token, never from the body)."""
    # A paper extract has a date, not a time: the start of that Swedish day.
    completed_at = datetime.combine(fields["completed_on"], time(0, 0), tzinfo=SWEDEN)
    return RecordResult(check_id=check_id, municipality=municipality, outcome=fields["outcome"],
                        completed_at=completed_at, recorded_at=recorded_at, source="manual", register=None,
                        register_reference=fields["register_reference"], valid_until=fields["valid_until"],
                        summary=fields["summary"], by=by)
