"""What recruiters read of the checks, and a check asked for again (a renewal)."""
from __future__ import annotations

from datetime import datetime, timezone

from services.common.decider import NotFound
from services.common.envelope import Metadata
from services.common.ids import bare_uuid, stream_key
from services.common.kernel import Kernel
from services.common.roles import ADMIN, RECRUITER, Caller
from services.common.sweden import today

from .. import projection
from ..domain import ACTOR, NEW, RequestCheck, stream_id
from ..settings import check_decider


def find_check(kernel: Kernel, check_id: str) -> dict:
    """The check, by its id as "<uuid>" or "check-<uuid>" in any spelling; NotFound when there is none."""
    key = bare_uuid("check", check_id)
    check = None
    if key is not None:
        with kernel.connection() as conn:
            check = projection.check_row(conn, key)
    if check is None:
        raise NotFound("no such check")
    return check


def checks_for_applicant(kernel: Kernel, caller: Caller, applicant_id: str) -> list[dict]:
    """The applicant's checks, for a recruiter or admin of the applicant's kommun; the id as "<uuid>" or
    "applicant-<uuid>"; [] when it has no checks."""
    key = stream_key("applicant", applicant_id)
    if key is None:
        return []
    with kernel.connection() as conn:
        checks = projection.checks_of_applicant(conn, key)
    for municipality in {check["municipality"] for check in checks}:
        caller.require(municipality, RECRUITER, ADMIN)
    return checks


def renew_check(kernel: Kernel, caller: Caller, check_id: str, *, now: datetime | None = None) -> dict:
    """A recruiter asks for a new extract on the same stream: allowed once the check has ended."""
    check = find_check(kernel, check_id)
    check_id, municipality = check["check_id"], check["municipality"]
    caller.require(municipality, RECRUITER)
    decider = check_decider()
    with kernel.connection() as conn:
        state, _ = kernel.commands.state(conn, decider, stream_id(check_id))
        if state.status == NEW or state.municipality != municipality:
            raise NotFound("no such check")
        by = caller.actor or ACTOR
        command = RequestCheck(check_id, state.applicant_id, state.register, municipality, state.roles,
                               now or datetime.now(timezone.utc), by)
        kernel.execute(decider, stream_id(check_id), command, Metadata(municipality=municipality, actor=by),
                       conn=conn)
        return projection.check_row(conn, check_id)


def worklist(kernel: Kernel, caller: Caller, municipality: str | None = None) -> list[dict]:
    """Clear results ending within 60 days, soonest first, for a recruiter of `municipality`; None: every
    municipality of the caller (every municipality for the system)."""
    if municipality is not None:
        caller.require(municipality, RECRUITER)
        municipalities = [municipality]
    else:
        municipalities = caller.municipalities_with(RECRUITER)
    with kernel.connection() as conn:
        return projection.worklist(conn, today(), municipalities)
