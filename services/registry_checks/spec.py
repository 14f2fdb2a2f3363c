"""registry_checks as the kernel sees it, and what the service does, without nameko.

    SPEC                   the ServiceSpec: the checks projection, the applicants' events it follows, its reaction
    react                  ApplicantRegistered -> one CheckRequested per required register;
                           ApplicantWithdrawn / ApplicantRejected -> CheckCancelled for every pending check
    receive_result         a message from `registry_checks.inbound`: CheckCompleted, or a kept refusal
    record_manual_result   a recruiter keys in a paper extract
    expire_due             CheckExpired for every clear result past its last day
    register_keys          the registers' signing keys, from REGISTRY_CHECKS_KEYS
    declare_inbound        the inbound exchange and queue on the broker

service.py wires these to nameko (RPC, the inbound consumer, the hourly timer); tests call them with a kernel.
"""
from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from kombu import Connection, Exchange, Queue

from services.common.decider import CommandRefused, Decider, NotFound
from services.common.envelope import Event, Metadata
from services.common.kernel import Kernel, ServiceSpec
from services.common.store import ConcurrencyError

from . import projection
from services.common.sweden import today as today_in_sweden

from .domain import (NEW, CancelCheck, CheckState, ExpireCheck, RequestCheck, make_check_decider,
                     requests_for_applicant, stream_id)
from .inbound import Accepted, Refused, assess_inbound, check_id_named_in, refusal_from
from .registers import REGISTERS, ChecksConfig
from .schemas import ManualResultSchema, manual_result, parse_config

log = logging.getLogger("kontakt.registry_checks")

SERVICE = "registry_checks"
MIGRATIONS = Path(__file__).parent / "migrations"
ACTOR = "registry_checks"  # the actor of what the service does by itself (requests, cancellations, expiry)

# ---------------------------------------------------------------------------------------------- configuration

# For development and tests only: a deployment sets REGISTRY_CHECKS_KEYS to {"<register id>": "<secret>", ...},
# a random secret of at least 32 bytes per register, exchanged with that register out of band
# (docs/register-contract.md). The register simulator signs with the same defaults.
DEV_KEYS: dict[str, str] = {register: f"dev-only-key-{register}-not-for-production" for register in REGISTERS}


def register_keys(text: str | None = None) -> dict[str, bytes]:
    """The key of each register, from REGISTRY_CHECKS_KEYS (JSON); unset means DEV_KEYS. A register without a
    key cannot publish: its results are refused as bad_signature."""
    text = os.environ.get("REGISTRY_CHECKS_KEYS") if text is None else text
    return dict(_parse_keys(text or ""))


@lru_cache(maxsize=8)
def _parse_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    if not text.strip():
        return tuple((register, key.encode("utf-8")) for register, key in DEV_KEYS.items())
    try:
        keys = json.loads(text)
    except ValueError:
        raise ValueError("REGISTRY_CHECKS_KEYS is not valid JSON") from None
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in keys.items()):
        raise ValueError('REGISTRY_CHECKS_KEYS must be a JSON object {"<register id>": "<key>"}')
    if unknown := sorted(set(keys) - set(REGISTERS)):
        raise ValueError(f"REGISTRY_CHECKS_KEYS names unknown registers: {', '.join(unknown)}")
    if short := sorted(register for register, key in keys.items() if len(key.encode("utf-8")) < 32):
        log.warning("the signing keys of %s are shorter than 32 bytes", ", ".join(short))
    return tuple((register, key.encode("utf-8")) for register, key in keys.items())


def uses_dev_keys() -> bool:
    return not (os.environ.get("REGISTRY_CHECKS_KEYS") or "").strip()


@lru_cache(maxsize=8)
def _decider_for(config_text: str) -> Decider[CheckState]:
    return make_check_decider(parse_config(config_text))


def check_decider() -> Decider[CheckState]:
    """The check decider for REGISTRY_CHECKS_CONFIG (registers per municipality, validity per register and role)."""
    return _decider_for(os.environ.get("REGISTRY_CHECKS_CONFIG", ""))


def checks_config() -> ChecksConfig:
    return parse_config(os.environ.get("REGISTRY_CHECKS_CONFIG", ""))


# ---------------------------------------------------------------------------------------------- the reaction

def react(kernel: Kernel, conn, event: Event) -> None:
    """Foreign events, in the inbox's transaction: what happens here commits with the receipt, exactly once."""
    if event.event_type == "ApplicantRegistered":
        request_checks(kernel, conn, event)
    elif event.event_type == "ApplicantWithdrawn":
        cancel_pending_checks(kernel, conn, event, "applicant_withdrawn")
    elif event.event_type == "ApplicantRejected":
        cancel_pending_checks(kernel, conn, event, "applicant_rejected")


def request_checks(kernel: Kernel, conn, event: Event) -> list[Event]:
    """One CheckRequested per register the applicant's roles and municipality require. The check ids derive from
    the applicant and the register (domain.check_id_for), so a second delivery finds the checks there and adds none.
    A registration the decider refuses (a role or municipality outside the contract) raises: the inbox keeps it
    as a dead letter for an operator."""
    data = event.data
    applicant_id, municipality = data["applicant_id"], data.get("municipality") or event.municipality
    decider = check_decider()
    metadata = Metadata(municipality=municipality, actor=ACTOR,
                        correlation_id=event.correlation_id or event.event_id, causation_id=event.event_id)
    appended = []
    for command in requests_for_applicant(applicant_id, data["roles"], municipality, event.occurred_at,
                                          checks_config()):
        state, _ = kernel.commands.state(conn, decider, stream_id(command.check_id))
        if state.status != NEW:
            continue  # requested already: this registration was seen before
        appended += kernel.execute(decider, stream_id(command.check_id), command, metadata, conn=conn)
    return appended


def cancel_pending_checks(kernel: Kernel, conn, event: Event, reason: str) -> list[Event]:
    data = event.data
    decider = check_decider()
    appended = []
    for check in projection.pending_checks_of_applicant(conn, data["applicant_id"]):
        metadata = Metadata(municipality=check["municipality"], actor=data.get("by") or event.actor or ACTOR,
                            correlation_id=event.correlation_id or event.event_id, causation_id=event.event_id)
        command = CancelCheck(check["check_id"], check["municipality"], reason, event.occurred_at, data.get("by"))
        appended += kernel.execute(decider, stream_id(check["check_id"]), command, metadata, conn=conn)
    return appended


# ---------------------------------------------------------------------------------------------- inbound results

INBOUND_EXCHANGE = "registry_checks.inbound"
INBOUND_QUEUE = "registry_checks.inbound"
INTERNAL_ERROR = "internal_error"  # not a contract reason: the service failed to assess a message (see the log)


def inbound_exchange() -> Exchange:
    # Topic: the routing key is the register id; one queue takes every register's results.
    return Exchange(INBOUND_EXCHANGE, type="topic", durable=True, auto_delete=False, delivery_mode=2)


def inbound_queue() -> Queue:
    return Queue(INBOUND_QUEUE, exchange=inbound_exchange(), routing_key="#", durable=True, auto_delete=False,
                 exclusive=False)


def declare_inbound(amqp_uri: str) -> None:
    """Declare the inbound exchange and its queue (idempotent): registers may not declare anything, and a result
    published before the queue is bound would be lost."""
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.default_channel
        inbound_exchange()(channel).declare()
        inbound_queue()(channel).declare()


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


# ---------------------------------------------------------------------------------------------- commands

def normalise_check_id(check_id: str) -> str:
    """Check ids are taken with or without the stream prefix ("check-<uuid>" or "<uuid>")."""
    text = str(check_id or "").strip()
    return text[len("check-"):] if text.startswith("check-") else text


def normalise_applicant_id(applicant_id: str) -> str:
    """Applicant ids as the applicants' events carry them ("applicant-<uuid>"); a bare uuid is taken too."""
    text = str(applicant_id or "").strip()
    return text if text.startswith("applicant-") else f"applicant-{text}"


def find_check(kernel: Kernel, check_id: str) -> dict:
    with kernel.connection() as conn:
        check = projection.check_row(conn, normalise_check_id(check_id))
    if check is None:
        raise NotFound("no such check")
    return check


def record_manual_result(kernel: Kernel, check_id: str, body: dict, *, municipality: str, by: str,
                         now: datetime | None = None) -> dict:
    """A recruiter (`by`) saw a paper extract: CheckCompleted with source "manual" and entered_by `by`.
    `municipality` is the check's, as the caller was allowed to act in; the body is ManualResultSchema."""
    check_id = normalise_check_id(check_id)
    data = ManualResultSchema().load(body or {})
    command = manual_result(data, check_id=check_id, municipality=municipality, by=by,
                            recorded_at=now or datetime.now(timezone.utc))
    with kernel.connection() as conn:
        kernel.execute(check_decider(), stream_id(check_id), command,
                       Metadata(municipality=municipality, actor=by), conn=conn)
        return projection.check_row(conn, check_id)


def renew_check(kernel: Kernel, check_id: str, *, municipality: str, by: str, now: datetime | None = None) -> dict:
    """Request a check again (a new extract) on the same stream: allowed once it has ended."""
    check_id = normalise_check_id(check_id)
    decider = check_decider()
    with kernel.connection() as conn:
        state, _ = kernel.commands.state(conn, decider, stream_id(check_id))
        if state.status == NEW or state.municipality != municipality:
            raise NotFound("no such check")
        command = RequestCheck(check_id, state.applicant_id, state.register, municipality, state.roles,
                               now or datetime.now(timezone.utc), by)
        kernel.execute(decider, stream_id(check_id), command, Metadata(municipality=municipality, actor=by),
                       conn=conn)
        return projection.check_row(conn, check_id)


def expire_due(kernel: Kernel, today: date | None = None, actor: str = ACTOR) -> int:
    """CheckExpired for every clear result whose last valid day is before `today` (Swedish date). Returns how many
    were emitted. Safe to run from several instances at once: a check another run expired is skipped."""
    today = today or today_in_sweden()
    decider = check_decider()
    expired = 0
    while True:
        with kernel.connection() as conn:
            due = projection.due_for_expiry(conn, today)
        done_before = expired
        for check_id, municipality in due:
            try:
                kernel.execute(decider, stream_id(check_id), ExpireCheck(check_id, municipality, today),
                               Metadata(municipality=municipality, actor=actor))
                expired += 1
            except (CommandRefused, ConcurrencyError, NotFound):
                continue  # expired (or renewed with a new result) by someone else meanwhile
        if len(due) < 1000 or expired == done_before:
            return expired


# ---------------------------------------------------------------------------------------------- the spec

def make_spec(name: str = SERVICE) -> ServiceSpec:
    """The spec under another name gives tests a database of their own; the service itself is SPEC."""
    return ServiceSpec(name=name, projections=(projection.Checks(),), sources=("applicants",), react=react,
                       migrations=MIGRATIONS)


SPEC = make_spec()
