"""Matching and offers, by the case workers of the need's municipality: the candidates for a need, best first with
their reasons, and the offer to one of them. See docs/domain.md, "Matching"."""
from __future__ import annotations

import uuid
from dataclasses import asdict

from marshmallow import ValidationError

from services.common.decider import CommandRefused, Problem
from services.common.kernel import Kernel
from services.common.roles import Caller
from services.common.sweden import local_date, today
from services.common.validation import load_body

from ..domain.assignment import ASSIGNMENT, OfferAssignment
from ..domain.assignment import stream_id as assignment_stream_id
from ..domain.matching import rank
from ..domain.need import NEED
from ..domain.volunteer import canonical_volunteer_id
from ..read import assignments as read_assignments
from ..read import pool as read_pool
from ..schemas import OfferAssignmentBody
from .access import actor, case_worker_view, case_workers_need, metadata, now
from .arguments import whole_number

MAX_CANDIDATES = 100
# The pool's rows as PoolEntry objects, kept between requests while their row version holds: one per process.
POOL_CACHE = read_pool.PoolCache()


def candidates(kernel: Kernel, caller: Caller, need_id, limit=20, cache: read_pool.PoolCache = POOL_CACHE) -> dict:
    """The pool's volunteers who may take the need, best first, each with the reasons for its rank:
    {"need_id", "municipality" (the need's), "as_of", "eligible", "candidates": [{"volunteer_id", "name",
    "municipality", "score", "reasons": [{"factor", "points", "sv", "en"}]}]}. Volunteers already asked for this
    need (offered, accepted, declined or running) are left out. For skyddad identitet no reason names a location."""
    limit = whole_number("limit", limit, 1, MAX_CANDIDATES)
    key, municipality = case_workers_need(kernel, caller, need_id)
    on = today()
    with kernel.connection() as conn:
        need, _ = kernel.commands.state(conn, NEED, key)
        if need.status != "open":
            raise CommandRefused(Problem("the need is closed", "need_id", "need_closed"))
        entries = read_pool.eligible_entries(conn, need.insats, need.municipality, on, excluding_need=key,
                                             cache=cache)
        ranked = rank(need, entries, on, limit)
        names = read_pool.volunteer_names(conn, [c.volunteer_id for c in ranked])
    return {"need_id": key, "municipality": municipality, "as_of": on.isoformat(), "eligible": len(entries),
            "candidates": [{"volunteer_id": c.volunteer_id, "name": names.get(c.volunteer_id),
                            "municipality": c.municipality, "score": c.score,
                            "reasons": [asdict(r) for r in c.reasons]} for c in ranked]}


def offer(kernel: Kernel, caller: Caller, body) -> dict:
    """`body`: {"need_id", "volunteer_id"}. Refused, naming why, unless the volunteer may take the need today.
    Returns the assignment as the case worker sees it."""
    fields = load_body(OfferAssignmentBody, body)
    key, municipality = case_workers_need(kernel, caller, fields["need_id"])
    volunteer = canonical_volunteer_id(fields["volunteer_id"])
    if volunteer is None:
        raise ValidationError({"volunteer_id": ["not an applicant id"]})
    at = now()
    assignment_id = assignment_stream_id(str(uuid.uuid4()))
    with kernel.connection() as conn, conn.transaction():
        # The volunteer's pool row stays locked until the offer commits: two offers at once cannot both take
        # their last free place, nor both ask them for the same need.
        entry = read_pool.pool_entry(conn, volunteer, local_date(at), lock=True)
        if entry is None:
            raise CommandRefused(Problem("the volunteer is not in the matching pool", "volunteer_id",
                                         "not_eligible"))
        if read_assignments.active_assignment_for(conn, key, volunteer):
            raise CommandRefused(Problem("the volunteer has already been asked for this need", "volunteer_id",
                                         "already_offered"))
        need, _ = kernel.commands.state(conn, NEED, key)
        command = OfferAssignment(municipality=municipality, by=actor(caller), at=at, need_id=key, need=need,
                                  volunteer=entry)
        kernel.execute(ASSIGNMENT, assignment_id, command, metadata(caller, municipality), conn=conn)
    return case_worker_view(kernel, assignment_id)
