"""What a volunteer sees of their own payments: what they were paid and why, and the months still waiting for the
case worker."""
from __future__ import annotations

from services.common.ids import stream_key
from services.common.problems import ServiceProblem
from services.common.roles import VOLUNTEER, Caller
from services.common.sweden import today

from ..read import compensations, reports


def volunteer_key(actor: str) -> str:
    """The volunteer as the assignments' events name them ("applicant-<uuid>"): a token's `sub` may be the bare
    applicant id or the prefixed one, in any spelling; any other shape is compared as it is."""
    return stream_key("applicant", actor) or actor


def my_payments(kernel, caller: Caller) -> dict:
    """What I was paid and why: {"volunteer_id", "payments": [{compensation_id, month, status paid|calculated,
    paid_on, lines, totals, basis, tax, ...}], "pending_reports": [{assignment_id, month, meetings, ...}],
    "paid_total_ore"}."""
    if caller.system or not caller.has_role(VOLUNTEER) or not caller.actor:
        raise ServiceProblem("forbidden", "only a volunteer has payments of their own")
    volunteer_id = volunteer_key(caller.actor)
    with kernel.connection() as conn:  # only those of the token's municipalities, as for every other read
        payments = [p for p in compensations.volunteer_payments(conn, volunteer_id)
                    if caller.may_act_in(p["municipality"])]
        pending = [m for m in reports.pending_reports(conn, volunteer_id=volunteer_id, today=today())
                   if caller.may_act_in(m["municipality"])]
    for month in pending:
        month.pop("case_worker_id", None)
    return {"volunteer_id": volunteer_id, "payments": payments, "pending_reports": pending,
            "paid_total_ore": sum(p["totals"]["payout_ore"] for p in payments if p["status"] == "paid")}
