"""The applicants' events registry_checks acts on. They arrive through the inbox, and each reaction runs in the
inbox's transaction: what happens here commits with the receipt, exactly once."""
from __future__ import annotations

from services.common.envelope import Event, Metadata
from services.common.kernel import Kernel

from .. import projection
from ..domain import ACTOR, NEW, CancelCheck, requests_for_applicant, stream_id
from ..settings import check_decider, checks_config


def react(kernel: Kernel, conn, event: Event) -> None:
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
