"""The assignments service under nameko: RPC in, commands to the need and assignment deciders, answers from the
projection; applicants' and registry_checks' events in through the inbox (the matching pool).

    nameko run --config … services.assignments.service

Who may do what (the gateway checks the token; this checks again on every call):
- case workers (role case_worker) of the need's municipality: needs, candidates, offers, starting, supervising,
  interrupting, resuming and ending assignments, the worklist and the IVO report. Another municipality's need or
  assignment is "not found".
- a volunteer (role volunteer; the token's `sub` is their applicant id, "applicant-<uuid>" or the bare uuid):
  their own offers and assignments only: accept or decline, log and correct meetings, report a deviation, ask to
  end. Someone else's assignment is "not found". A volunteer matched from the regional pool acts on an assignment
  of another municipality: the municipality check then accepts the volunteer's home municipality as well.
- auditors may also read the IVO report; recruiters, case workers and auditors the assignments of one applicant
  (`assignments_for_volunteer`, for the gateway's aggregated applicant view).
Reads of personal data are audited by the gateway, which knows why the user asked.

Ids in answers: "need-<uuid>", "assignment-<uuid>", volunteers "applicant-<uuid>"; the bare uuid is accepted too.
Dates are ISO strings; "today" is the date in Sweden.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime, timezone

from marshmallow import ValidationError
from nameko.rpc import rpc

from services.common.adapters import (
    CallerProvider, KernelProvider, ServiceProblem, body_of, inbox_receiver, reports_problems)
from services.common.decider import CommandRefused, NotFound, Problem
from services.common.envelope import Metadata
from services.common.sweden import local_date, today

from .read import assignments as read_assignments, needs as read_needs, pool as read_pool
from .domain import worklist
from .domain.assignment import (
    ASSIGNMENT, AcceptOffer, CorrectMeeting, DeclineOffer, EndAssignment, InterruptAssignment, LogMeeting,
    OfferAssignment, RecordSupervision, ReportDeviation, RequestEnd, ResumeAssignment, StartAssignment)
from .domain.matching import rank
from .domain.need import NEED, CloseClientNeed, RegisterClientNeed
from .domain.assignment import ASSIGNMENT_STATUSES, stream_id as assignment_key
from .domain.need import NEED_STATUSES, stream_id as need_key
from .domain.volunteer import volunteer_id as volunteer_key
from .schemas import OfferAssignmentBody, load_command
from .spec import SPEC

CASE_WORKER = ("case_worker",)
IVO_READERS = ("case_worker", "auditor")
APPLICANT_VIEW_READERS = ("recruiter", "case_worker", "auditor")
VOLUNTEER = "volunteer"
MAX_CANDIDATES = 100
MAX_PAGE_SIZE = 200
# The pool's rows as PoolEntry objects, kept between requests while their row version holds (pool.PoolCache).
POOL_CACHE = read_pool.PoolCache()


def now() -> datetime:
    return datetime.now(timezone.utc)


def _whole_number(name: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError({name: [f"a whole number from {low} to {high}"]})
    return value


def _one_of(name: str, value, allowed) -> str | None:
    if value is not None and value not in allowed:
        raise ValidationError({name: [f"must be one of {', '.join(allowed)}"]})
    return value


class AssignmentsService:
    name = "assignments"

    kernel = KernelProvider(SPEC)
    caller = CallerProvider()

    receive_applicants_events = inbox_receiver("applicants")
    receive_registry_checks_events = inbox_receiver("registry_checks")

    # --- client needs (case workers) -------------------------------------------------------------------------

    @rpc
    @reports_problems
    def register_need(self, municipality, body):
        """The municipality's decision (beslut): `body` is a RegisterClientNeedBody. Returns the need's detail."""
        self.caller.require(municipality, *CASE_WORKER)
        command = load_command(RegisterClientNeed, body_of(body), municipality=municipality, by=self._actor(),
                               at=now())
        need_id = f"need-{uuid.uuid4()}"
        self.kernel.execute(NEED, need_id, command, self._metadata(municipality))
        return self._need_detail(need_id)

    @rpc
    @reports_problems
    def get_need(self, need_id):
        """The whole need, the clients' identity included; for skyddad identitet the postnummer only for the
        responsible case worker ("location_withheld": true for the others)."""
        key, _ = self._need(need_id)
        return self._need_detail(key)

    @rpc
    @reports_problems
    def list_needs(self, municipality, status=None, page=1, page_size=50):
        """{"items", "total", "page", "page_size"}: newest decision first, personnummer masked, no location."""
        self.caller.require(municipality, *CASE_WORKER)
        _one_of("status", status, NEED_STATUSES)
        _whole_number("page", page, 1, 1_000_000)
        _whole_number("page_size", page_size, 1, MAX_PAGE_SIZE)
        with self.kernel.connection() as conn:
            return read_needs.list_needs(conn, municipality, status, page, page_size)

    @rpc
    @reports_problems
    def close_need(self, need_id, body):
        """`body`: {"closed_on", "reason"}. Returns the need's detail."""
        key, municipality = self._need(need_id)
        command = load_command(CloseClientNeed, body_of(body), municipality=municipality, by=self._actor(), at=now())
        self.kernel.execute(NEED, key, command, self._metadata(municipality))
        return self._need_detail(key)

    # --- matching and offers (case workers) ------------------------------------------------------------------

    @rpc
    @reports_problems
    def candidates(self, need_id, limit=20):
        """The pool's volunteers who may take the need, best first, each with the reasons for its rank:
        {"need_id", "as_of", "eligible", "candidates": [{"volunteer_id", "name", "municipality", "score",
        "reasons": [{"factor", "points", "sv", "en"}]}]}. Volunteers already asked for this need (offered,
        accepted, declined or running) are left out. For skyddad identitet no reason names a location."""
        limit = _whole_number("limit", limit, 1, MAX_CANDIDATES)
        key, _ = self._need(need_id)
        on = today()
        with self.kernel.connection() as conn:
            need, _ = self.kernel.commands.state(conn, NEED, key)
            if need.status != "open":
                raise CommandRefused(Problem("the need is closed", "need_id", "need_closed"))
            entries = read_pool.eligible_entries(conn, need.insats, need.municipality, on, excluding_need=key,
                                                  cache=POOL_CACHE)
            ranked = rank(need, entries, on, limit)
            names = read_pool.volunteer_names(conn, [c.volunteer_id for c in ranked])
        return {"need_id": key, "as_of": on.isoformat(), "eligible": len(entries), "candidates": [
            {"volunteer_id": c.volunteer_id, "name": names.get(c.volunteer_id), "municipality": c.municipality,
             "score": c.score, "reasons": [asdict(r) for r in c.reasons]} for c in ranked]}

    @rpc
    @reports_problems
    def offer(self, body):
        """`body`: {"need_id", "volunteer_id"}. Refused, naming why, unless the volunteer may take the need today.
        Returns the assignment as the case worker sees it."""
        loaded = OfferAssignmentBody().load(body_of(body))
        key, municipality = self._need(loaded["need_id"])
        volunteer_id = volunteer_key(loaded["volunteer_id"])
        if volunteer_id is None:
            raise ValidationError({"volunteer_id": ["not an applicant id"]})
        at = now()
        assignment_id = f"assignment-{uuid.uuid4()}"
        with self.kernel.connection() as conn, conn.transaction():
            # The volunteer's pool row stays locked until the offer commits: two offers at once cannot both take
            # their last free place, nor both ask them for the same need.
            entry = read_pool.pool_entry(conn, volunteer_id, local_date(at), lock=True)
            if entry is None:
                raise CommandRefused(Problem("the volunteer is not in the matching pool", "volunteer_id",
                                             "not_eligible"))
            if read_assignments.active_assignment_for(conn, key, volunteer_id):
                raise CommandRefused(Problem("the volunteer has already been asked for this need", "volunteer_id",
                                             "already_offered"))
            need, _ = self.kernel.commands.state(conn, NEED, key)
            command = OfferAssignment(municipality=municipality, by=self._actor(), at=at, need_id=key, need=need,
                                      volunteer=entry)
            self.kernel.execute(ASSIGNMENT, assignment_id, command, self._metadata(municipality), conn=conn)
        return self._case_worker_view(assignment_id)

    # --- the volunteer's own offers and assignments ----------------------------------------------------------

    @rpc
    @reports_problems
    def my_offers(self):
        """The caller's open offers, each with the de-identified client view (ages, interests, area, frequency)."""
        volunteer_id = self._volunteer()
        with self.kernel.connection() as conn:
            items = read_assignments.list_assignments(conn, volunteer_id=volunteer_id, statuses=("offered",),
                                                with_client_view=True)
        return [_for_volunteer(item) for item in items]

    @rpc
    @reports_problems
    def accept_offer(self, assignment_id):
        return self._as_volunteer(assignment_id, AcceptOffer)

    @rpc
    @reports_problems
    def decline_offer(self, assignment_id, body=None):
        """`body`: {"reason"} or nothing: nobody has to explain a no."""
        return self._as_volunteer(assignment_id, DeclineOffer, body)

    @rpc
    @reports_problems
    def my_assignments(self):
        """The caller's accepted, running and ended assignments (offers are in my_offers)."""
        volunteer_id = self._volunteer()
        with self.kernel.connection() as conn:
            items = read_assignments.list_assignments(conn, volunteer_id=volunteer_id, with_client_view=True,
                                                statuses=("accepted", "started", "interrupted", "ended"))
        return [_for_volunteer(item) for item in items]

    @rpc
    @reports_problems
    def log_meeting(self, assignment_id, body):
        """`body`: a LogMeetingBody. Only the assignment's volunteer; returns their view of the assignment."""
        return self._as_volunteer(assignment_id, LogMeeting, body)

    @rpc
    @reports_problems
    def correct_meeting(self, assignment_id, meeting_id, body):
        """`body`: the whole meeting as it should have been, and "reason"."""
        if not isinstance(meeting_id, str) or not meeting_id:
            raise ValidationError({"meeting_id": ["a meeting id is required"]})
        return self._as_volunteer(assignment_id, CorrectMeeting, body, meeting_id=meeting_id)

    @rpc
    @reports_problems
    def request_end(self, assignment_id, body=None):
        """The volunteer asks to end: `body` {"reason", "wished_end_date"}, both optional."""
        return self._as_volunteer(assignment_id, RequestEnd, body)

    @rpc
    @reports_problems
    def report_deviation(self, assignment_id, body):
        """The plan is not working: by the assignment's volunteer or a case worker of its municipality."""
        if self._is_volunteer():
            return self._as_volunteer(assignment_id, ReportDeviation, body)
        return self._as_case_worker(assignment_id, ReportDeviation, body)

    # --- the running assignment (case workers) ---------------------------------------------------------------

    @rpc
    @reports_problems
    def start_assignment(self, assignment_id, body):
        """AssignmentStarted with the genomförandeplan: `body` {"start_date", "plan", "case_worker_id"}."""
        key, header = self._staff(assignment_id, CASE_WORKER)
        with self.kernel.connection() as conn:
            need, _ = self.kernel.commands.state(conn, NEED, header["need_id"])
        births = tuple(client.birth_date for client in need.clients) if need else ()
        return self._as_case_worker(assignment_id, StartAssignment, body, client_birth_dates=births)

    @rpc
    @reports_problems
    def record_supervision(self, assignment_id, body):
        """Handledning or uppföljning (kind follow_up); "resolves" names the deviations and flags dealt with."""
        return self._as_case_worker(assignment_id, RecordSupervision, body)

    @rpc
    @reports_problems
    def interrupt_assignment(self, assignment_id, body):
        return self._as_case_worker(assignment_id, InterruptAssignment, body)

    @rpc
    @reports_problems
    def resume_assignment(self, assignment_id, body):
        return self._as_case_worker(assignment_id, ResumeAssignment, body)

    @rpc
    @reports_problems
    def end_assignment(self, assignment_id, body):
        """`body`: {"ended_on", "reason", "comment"}; also withdraws an offer not yet started."""
        return self._as_case_worker(assignment_id, EndAssignment, body)

    # --- reads -----------------------------------------------------------------------------------------------

    @rpc
    @reports_problems
    def get_assignment(self, assignment_id):
        """For its volunteer: their view (client de-identified, no notes). For a case worker of its
        municipality: everything, meetings' notes and the timeline included."""
        if self._is_volunteer():
            key, _ = self._own(assignment_id)
            return self._volunteer_view(key)
        key, _ = self._staff(assignment_id, CASE_WORKER)
        return self._case_worker_view(key)

    @rpc
    @reports_problems
    def list_assignments(self, municipality, status=None, need_id=None, volunteer_id=None):
        """The municipality's assignments, newest offer first (summaries: no client data, no notes)."""
        self.caller.require(municipality, *CASE_WORKER)
        _one_of("status", status, ASSIGNMENT_STATUSES)
        need = None if need_id is None else need_key(need_id)
        volunteer = None if volunteer_id is None else volunteer_key(volunteer_id)
        if (need_id is not None and need is None) or (volunteer_id is not None and volunteer is None):
            return []
        with self.kernel.connection() as conn:
            return read_assignments.list_assignments(conn, municipality=municipality, need_id=need, volunteer_id=volunteer,
                                               statuses=None if status is None else (status,))

    @rpc
    @reports_problems
    def worklist(self, municipality, case_worker_id=None, notice_days=30):
        """What the case workers must act on: open deviations, flags (the volunteer left the pool), requests to
        end, and follow-ups due within `notice_days`; oldest first. [{"kind", "assignment_id", "need_id",
        "case_worker_id", "since", "due", "overdue", "ref", "reason"}]. `case_worker_id` narrows it to one."""
        self.caller.require(municipality, *CASE_WORKER)
        notice_days = _whole_number("notice_days", notice_days, 0, 366)
        on = today()
        with self.kernel.connection() as conn:
            rows = read_assignments.assignment_rows(conn, municipality, live_only=True)
        items = worklist.case_worker_items(rows, on, case_worker_id, notice_days)
        return [{**_iso(asdict(item)), "overdue": item.overdue(on)} for item in items]

    @rpc
    @reports_problems
    def ivo_report(self, municipality):
        """Decisions not carried out within 3 months (not started, or interrupted), to report to IVO:
        [{"municipality", "kind", "need_id", "assignment_id", "insats", "legal_basis", "decision_date",
        "interrupted_on", "deadline", "carried_out_on", "closed_on", "status"}]."""
        rows = self._ivo_rows(municipality)
        return [{**_iso(asdict(row)), "status": row.status} for row in rows]

    @rpc
    @reports_problems
    def ivo_csv(self, municipality):
        """The IVO report as CSV text (semicolons, Swedish headers)."""
        return worklist.ivo_csv(self._ivo_rows(municipality))

    @rpc
    @reports_problems
    def assignments_for_volunteer(self, applicant_id):
        """One applicant's assignments, for the gateway's aggregated applicant view, to staff of the applicant's
        municipality: summaries without client data; those of other municipalities (the regional pool) only as
        {"assignment_id", "municipality", "insats", "status", "start_date", "ended_on"}."""
        volunteer_id = volunteer_key(applicant_id)
        if volunteer_id is None:
            raise NotFound("no such applicant")
        with self.kernel.connection() as conn:
            home = read_pool.volunteer_home(conn, volunteer_id)
            if home is None:
                self._require_some_role(APPLICANT_VIEW_READERS)
                return []  # not in the pool yet (events on their way, or never approved): no assignments
            self.caller.require(home[0], *APPLICANT_VIEW_READERS)
            items = read_assignments.list_assignments(conn, volunteer_id=volunteer_id)
        out = []
        for item in items:
            if self.caller.may_act_in(item["municipality"]):
                item.pop("open_flags", None)
                item.pop("open_deviations", None)
                out.append(item)
            else:
                out.append({k: item[k] for k in ("assignment_id", "municipality", "insats", "status", "start_date",
                                                 "ended_on")})
        return out

    @rpc
    @reports_problems
    def pool_status(self, applicant_id):
        """What the matching pool holds of one volunteer (status, roles, checks clear until, capacity), for
        staff of their municipality: why someone is, or is not, a candidate."""
        found = self.kernel.find(volunteer_key(applicant_id), read_pool.pool_status, "volunteer")
        self.caller.require(found["municipality"], *APPLICANT_VIEW_READERS)
        return found

    @rpc
    @reports_problems
    def health(self):
        self.kernel.check_database()
        return {"database": True}

    # --- helpers: who is calling -----------------------------------------------------------------------------

    def _actor(self) -> str:
        return self.caller.actor or "system"

    def _metadata(self, municipality: str, actor: str | None = None) -> Metadata:
        return Metadata(municipality=municipality, actor=actor or self._actor())

    def _is_volunteer(self) -> bool:
        caller = self.caller
        return not caller.system and VOLUNTEER in caller.roles and not (caller.roles & set(CASE_WORKER))

    def _require_some_role(self, roles) -> None:
        if not self.caller.system and not self.caller.roles & set(roles):
            raise ServiceProblem("forbidden", "your role may not do this")

    def _volunteer(self) -> str:
        """The calling volunteer's id ("applicant-<uuid>"); forbidden for anyone else."""
        caller = self.caller
        volunteer_id = volunteer_key(caller.actor)
        if caller.system or VOLUNTEER not in caller.roles or volunteer_id is None:
            raise ServiceProblem("forbidden", "only a volunteer may do this")
        return volunteer_id

    def _own(self, assignment_id) -> tuple[str, dict]:
        """The caller's own assignment; anyone else's is not found."""
        volunteer_id = self._volunteer()
        key = assignment_key(assignment_id)
        header = self.kernel.find(key, read_assignments.assignment_header, "assignment")
        if header["volunteer_id"] != volunteer_id:
            raise NotFound("no such assignment")
        if not (self.caller.may_act_in(header["municipality"])
                or self.caller.may_act_in(header["volunteer_municipality"])):
            raise NotFound("no such assignment")
        return key, header

    def _staff(self, assignment_id, roles) -> tuple[str, dict]:
        key = assignment_key(assignment_id)
        header = self.kernel.find(key, read_assignments.assignment_header, "assignment")
        self.caller.require(header["municipality"], *roles)
        return key, header

    def _need(self, need_id) -> tuple[str, str]:
        """The need's key and municipality, if the caller is a case worker there; else not found (or forbidden)."""
        key = need_key(need_id)
        municipality = self.kernel.find(key, read_needs.need_municipality, "need")
        self.caller.require(municipality, *CASE_WORKER)
        return key, municipality

    # --- helpers: commands and views -------------------------------------------------------------------------

    def _as_volunteer(self, assignment_id, command_class, body=None, **context) -> dict:
        key, header = self._own(assignment_id)
        command = load_command(command_class, body_of(body), municipality=header["municipality"],
                               by=header["volunteer_id"], at=now(), **context)
        self.kernel.execute(ASSIGNMENT, key, command, self._metadata(header["municipality"], header["volunteer_id"]))
        return self._volunteer_view(key)

    def _as_case_worker(self, assignment_id, command_class, body, **context) -> dict:
        key, header = self._staff(assignment_id, CASE_WORKER)
        command = load_command(command_class, body_of(body), municipality=header["municipality"], by=self._actor(),
                               at=now(), **context)
        self.kernel.execute(ASSIGNMENT, key, command, self._metadata(header["municipality"]))
        return self._case_worker_view(key)

    def _volunteer_view(self, key: str) -> dict:
        return self.kernel.find(key, read_assignments.assignment_for_volunteer, "assignment")

    def _case_worker_view(self, key: str) -> dict:
        return self.kernel.find(key, read_assignments.assignment_for_case_worker, "assignment")

    def _need_detail(self, key: str) -> dict:
        return self.kernel.find(key, lambda conn, k: read_needs.need_detail(conn, k, self.caller.actor), "need")

    def _ivo_rows(self, municipality):
        self.caller.require(municipality, *IVO_READERS)
        with self.kernel.connection() as conn:
            needs = read_needs.need_rows(conn, municipality)
            assignments = read_assignments.assignment_rows(conn, municipality)
        return worklist.decisions_not_carried_out(municipality, needs, assignments, today())


def _for_volunteer(item: dict) -> dict:
    item = dict(item)
    item["open_flags"] = []
    return item


def _iso(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
