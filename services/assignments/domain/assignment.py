"""The assignment (uppdrag): one volunteer and one client need, from the offer to the end. Stream "assignment-<uuid>".

    offered --accept--> accepted --start--> started <--interrupt/resume--> interrupted
       |                   |                   |                              |
       +--decline--> declined                  +------------ end -------------+--> ended
       +-------------------+-- end (offer withdrawn) ------------------------------^

Who may do what: the volunteer the offer went to accepts or declines it, and logs and corrects meetings and
asks to end; the case worker starts, revises the plan of, interrupts, resumes, supervises and ends. The gateway and the service check
roles; this module checks that a volunteer acts only on their own assignment (`by` is then the volunteer id).
What makes a meeting right is in meetings.py. See docs/domain.md, "Assignments and meetings".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from services.common.decider import CommandRefused, Decider, NewEvent, NotFound, Problem
from services.common.ids import stream_key
from services.common.sweden import local_date

from .eligibility import ineligibility
from .meetings import LOGGABLE_STATUSES, meeting_data
from .need import ClientNeed
from .plan import Plan
from .texts import optional_text, text_problems
from .volunteer import PoolEntry

STREAM_TYPE = "assignment"
ASSIGNMENT_STATUSES = ("offered", "accepted", "declined", "started", "interrupted", "ended")
ACTIVE_STATUSES = ("offered", "accepted", "started", "interrupted")  # they take a place of the volunteer's capacity
SUPERVISION_KINDS = ("supervision", "follow_up")  # handledning; uppföljning of the genomförandeplan
# check_not_clear: a renewed register check came back with remarks (or found no one)
FLAG_REASONS = ("withdrawn", "check_expired", "consent_revoked", "check_not_clear")
END_REASONS = ("need_met", "volunteer_request", "client_request", "not_working", "volunteer_left_pool",
               "decision_period_ended", "offer_withdrawn", "other")


def stream_id(assignment_id) -> str | None:
    """The stream id, "assignment-<uuid>", from any spelling of the assignment's id or the bare uuid; None if it
    names none."""
    return stream_key(STREAM_TYPE, assignment_id)


# ---- commands ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignmentCommand:
    """What a person's command on an assignment states first: the municipality (kommunkod) it is made in, who
    makes it (`by`: the acting user; for a volunteer their volunteer id) and when (`at`, an aware datetime; its
    Swedish date is "today")."""

    municipality: str
    by: str
    at: datetime


@dataclass(frozen=True)
class OfferAssignment(AssignmentCommand):
    need_id: str
    need: ClientNeed  # the need's folded state; the offer derives the de-identified view from it
    volunteer: PoolEntry  # the volunteer as the matching pool holds them now


@dataclass(frozen=True)
class AcceptOffer(AssignmentCommand):
    """The offered volunteer says yes."""


@dataclass(frozen=True)
class DeclineOffer(AssignmentCommand):
    reason: str | None = None  # optional: nobody has to explain a no


@dataclass(frozen=True)
class StartAssignment(AssignmentCommand):
    start_date: date
    plan: Plan  # the genomförandeplan
    case_worker_id: str | None = None  # defaults to the need's responsible case worker
    # From the need. Published for kontaktfamilj only: omkostnad and arvode per dygn follow the child's age.
    client_birth_dates: tuple[date, ...] = ()


@dataclass(frozen=True)
class ReviseAssignmentPlan(AssignmentCommand):
    """The whole genomförandeplan as it is to be from `effective_from`, the first day of a month (payments pays a
    month under one plan), not before the month the assignment started. Earlier months keep the plan they had."""

    effective_from: date
    plan: Plan
    reason: str  # why the plan changed: shown to the case workers


@dataclass(frozen=True)
class Expense:
    amount_ore: int
    description: str = ""
    receipt: bool = False  # True: an actual cost against a receipt (kvitto)


@dataclass(frozen=True)
class LogMeeting(AssignmentCommand):
    meeting_id: str  # chosen by the caller (a uuid), so a retried request is recognised
    status: str  # held | cancelled | no_show
    on: date | None = None  # the meeting's date; for a kontaktfamilj stay, the first day of the stay
    minutes: int | None = None  # kontaktperson and skkp: time spent
    stay_start: datetime | None = None  # kontaktfamilj: the stay, from which dygn are counted
    stay_end: datetime | None = None
    activity: str = ""
    expenses: tuple[Expense, ...] = ()
    note: str | None = None  # for the case worker only


@dataclass(frozen=True)
class CorrectMeeting(LogMeeting):
    """The whole meeting as it should have been; `meeting_id` names the meeting corrected."""

    reason: str = ""


@dataclass(frozen=True)
class ReportDeviation(AssignmentCommand):
    deviation_id: str
    description: str  # how the plan is not working or not followed


@dataclass(frozen=True)
class RecordSupervision(AssignmentCommand):
    supervision_id: str
    on: date
    kind: str = "supervision"  # supervision (handledning) | follow_up (uppföljning, due every 6 months)
    minutes: int | None = None
    note: str = ""
    resolves: tuple[str, ...] = ()  # ids of the deviations and flags this dealt with


@dataclass(frozen=True)
class RequestEnd(AssignmentCommand):
    reason: str | None = None
    wished_end_date: date | None = None


@dataclass(frozen=True)
class EndAssignment(AssignmentCommand):
    ended_on: date
    reason: str  # one of END_REASONS
    comment: str | None = None


@dataclass(frozen=True)
class FlagAssignment:
    """Raised by the service when the volunteer leaves the pool; the case worker decides what follows."""

    municipality: str
    at: datetime
    flag_id: str
    reason: str  # one of FLAG_REASONS
    by: str = "system"


@dataclass(frozen=True)
class InterruptAssignment(AssignmentCommand):
    interrupted_on: date
    reason: str


@dataclass(frozen=True)
class ResumeAssignment(AssignmentCommand):
    resumed_on: date


# ---- state ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assignment:
    municipality: str
    need_id: str
    volunteer_id: str
    insats: str
    legal_basis: str
    decision_date: date
    period_from: date
    period_to: date | None
    case_worker_id: str
    offered_on: date
    status: str = "offered"  # offered | accepted | declined | started | interrupted | ended
    start_date: date | None = None
    plan: Plan | None = None  # as started
    plan_revisions: tuple[tuple[date, Plan], ...] = ()  # (effective from, the plan), in the order made
    meeting_ids: frozenset[str] = frozenset()
    interruptions: tuple[tuple[date, date | None], ...] = ()  # (from, resumed on or None)
    last_follow_up_on: date | None = None
    open_deviations: tuple[tuple[str, date], ...] = ()  # (deviation id, reported on)
    open_flags: tuple[tuple[str, str, date], ...] = ()  # (flag id, reason, flagged on)
    supervision_ids: frozenset[str] = frozenset()
    end_requested_on: date | None = None
    ended_on: date | None = None
    end_reason: str | None = None

    @property
    def running(self) -> bool:
        return self.status in ("started", "interrupted")

    def plan_on(self, day: date | None) -> Plan | None:
        """The plan in force on `day`: the latest revision in effect by then (a later revision of the same month
        wins), else the plan started under."""
        found = self.plan
        if day is None:
            return found
        for _, (effective_from, plan) in sorted(enumerate(self.plan_revisions), key=lambda r: (r[1][0], r[0])):
            if effective_from <= day:
                found = plan
        return found


def initial() -> Assignment | None:
    return None  # nothing before the offer


# ---- decide -----------------------------------------------------------------------------------------------

def decide(state: Assignment | None, command) -> list[NewEvent]:
    if isinstance(command, OfferAssignment):
        return _offer(state, command)
    if state is None or state.municipality != command.municipality:
        raise NotFound("no such assignment")  # another municipality's assignment does not exist for the caller
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"not an assignment command: {type(command).__name__}")
    return handler(state, command)


def _refuse(message: str, field: str | None = None, code: str | None = None):
    raise CommandRefused(Problem(message, field, code))


def _only_the_volunteer(state: Assignment, c) -> None:
    if c.by != state.volunteer_id:
        _refuse("only the volunteer of this assignment may do this", code="not_your_assignment")


def _require_status(state: Assignment, allowed: tuple[str, ...], action: str) -> None:
    if state.status not in allowed:
        _refuse(f"cannot {action}: the assignment is {state.status}", code=f"assignment_{state.status}")


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise CommandRefused(*problems)


def client_view(need: ClientNeed, on: date) -> dict:
    """What a volunteer may see of the client before accepting: no name, no personnummer, no needs text,
    and for skyddad identitet no location at all."""
    area, area_municipality = need.location()
    return {"ages": list(need.ages_on(on)), "interests": list(need.interests), "area": area,
            "area_municipality": area_municipality, "frequency_per_month": need.frequency_per_month,
            "frequency_unit": need.frequency_unit}


def _offer(state: Assignment | None, c: OfferAssignment) -> list[NewEvent]:
    if state is not None:
        _refuse("this assignment has already been offered", code="already_offered")
    need = c.need
    if need.municipality != c.municipality:
        raise NotFound("no such need")
    today = local_date(c.at)
    problems = []
    if need.status != "open":
        problems.append(Problem("the need is closed", "need_id", "need_closed"))
    problems += [Problem(text, "volunteer_id", "not_eligible") for text in ineligibility(c.volunteer, need, today)]
    _raise_if(problems)
    return [NewEvent("AssignmentOffered", {
        "municipality": c.municipality,
        "need_id": c.need_id,
        "volunteer_id": c.volunteer.volunteer_id,
        "volunteer_municipality": c.volunteer.municipality,
        "insats": need.insats,
        "legal_basis": need.legal_basis,
        "decision_date": need.decision_date.isoformat(),
        "period_from": need.period_from.isoformat(),
        "period_to": need.period_to.isoformat() if need.period_to else None,
        "case_worker_id": need.case_worker_id,
        "offered_on": today.isoformat(),
        "client": client_view(need, today),
    })]


def _accept(state: Assignment, c: AcceptOffer) -> list[NewEvent]:
    _only_the_volunteer(state, c)
    _require_status(state, ("offered",), "accept")
    return [NewEvent("OfferAccepted", {"volunteer_id": state.volunteer_id,
                                       "accepted_on": local_date(c.at).isoformat()})]


def _decline(state: Assignment, c: DeclineOffer) -> list[NewEvent]:
    _only_the_volunteer(state, c)
    _require_status(state, ("offered",), "decline")
    _raise_if(text_problems(c.reason, "reason"))
    return [NewEvent("OfferDeclined", {"volunteer_id": state.volunteer_id,
                                       "declined_on": local_date(c.at).isoformat(),
                                       "reason": optional_text(c.reason)})]


def _start(state: Assignment, c: StartAssignment) -> list[NewEvent]:
    _require_status(state, ("accepted",), "start")
    problems = c.plan.problems(state.insats, c.start_date)
    if c.start_date < state.period_from:
        problems.append(Problem("start date is before the decision period", "start_date"))
    if state.period_to is not None and c.start_date > state.period_to:
        problems.append(Problem("start date is after the decision period", "start_date"))
    _raise_if(problems)
    return [NewEvent("AssignmentStarted", {
        "need_id": state.need_id,
        "volunteer_id": state.volunteer_id,
        "insats": state.insats,
        "legal_basis": state.legal_basis,
        "start_date": c.start_date.isoformat(),
        "case_worker_id": c.case_worker_id or state.case_worker_id,
        "plan": c.plan.to_data(),
        "client_birth_dates": ([d.isoformat() for d in c.client_birth_dates]
                               if state.insats == "kontaktfamilj" else []),
    })]


def _revise_plan(state: Assignment, c: ReviseAssignmentPlan) -> list[NewEvent]:
    _require_status(state, ("started", "interrupted"), "revise the plan")
    problems = c.plan.problems(state.insats, c.effective_from)
    problems += text_problems(c.reason, "reason", required=True)
    if c.effective_from.day != 1:
        problems.append(Problem("a revision takes effect from the first day of a month", "effective_from",
                                "not_month_start"))
    elif c.effective_from < state.start_date.replace(day=1):
        problems.append(Problem("the revision takes effect before the month the assignment started",
                                "effective_from", "before_start"))
    if state.period_to is not None and c.effective_from > state.period_to:
        problems.append(Problem("the revision takes effect after the decision period", "effective_from",
                                "after_period"))
    if not problems and state.plan_on(c.effective_from) == c.plan:
        problems.append(Problem("the plan in force from that day is already this one", "plan", "plan_unchanged"))
    _raise_if(problems)
    return [NewEvent("AssignmentPlanRevised", {
        "revision": len(state.plan_revisions) + 2,  # the plan started under is revision 1
        "effective_from": c.effective_from.isoformat(),
        "plan": c.plan.to_data(),
        "revised_on": local_date(c.at).isoformat(),
        "reason": c.reason.strip(),
    })]


def _log_meeting(state: Assignment, c: LogMeeting) -> list[NewEvent]:
    _only_the_volunteer(state, c)
    _require_status(state, LOGGABLE_STATUSES, "log a meeting")
    if c.meeting_id in state.meeting_ids:
        _refuse("this meeting is already logged; correct it instead", "meeting_id", "meeting_exists")
    return [NewEvent("MeetingLogged", meeting_data(state, c))]


def _correct_meeting(state: Assignment, c: CorrectMeeting) -> list[NewEvent]:
    _only_the_volunteer(state, c)
    _require_status(state, LOGGABLE_STATUSES, "correct a meeting")
    if c.meeting_id not in state.meeting_ids:
        _refuse("no such meeting on this assignment", "meeting_id", "no_meeting")
    problems = text_problems(c.reason, "reason", required=True)
    try:
        data = meeting_data(state, c)
    except CommandRefused as refused:
        problems = refused.problems + problems
    _raise_if(problems)
    return [NewEvent("MeetingCorrected", {**data, "corrects": c.meeting_id, "reason": c.reason.strip()})]


def _report_deviation(state: Assignment, c: ReportDeviation) -> list[NewEvent]:
    _require_status(state, ("started", "interrupted"), "report a deviation")
    problems = text_problems(c.description, "description", required=True)
    if any(d == c.deviation_id for d, _ in state.open_deviations):
        problems.append(Problem("this deviation is already reported", "deviation_id"))
    _raise_if(problems)
    return [NewEvent("DeviationReported", {
        "deviation_id": c.deviation_id, "reported_on": local_date(c.at).isoformat(),
        "reported_by": c.by, "by_volunteer": c.by == state.volunteer_id,
        "description": c.description.strip()})]


def _record_supervision(state: Assignment, c: RecordSupervision) -> list[NewEvent]:
    _require_status(state, ("started", "interrupted"), "record supervision")
    problems = []
    if c.supervision_id in state.supervision_ids:
        problems.append(Problem("this supervision is already recorded", "supervision_id"))
    if c.kind not in SUPERVISION_KINDS:
        problems.append(Problem("kind must be supervision or follow_up", "kind"))
    if c.on > local_date(c.at):
        problems.append(Problem("the date is in the future", "on"))
    if c.on < state.start_date:
        problems.append(Problem("the date is before the assignment started", "on"))
    if c.minutes is not None and not 0 < c.minutes <= 24 * 60:
        problems.append(Problem("minutes must be 1 to 1440", "minutes"))
    open_ids = {d for d, _ in state.open_deviations} | {f for f, _, _ in state.open_flags}
    for i, item in enumerate(c.resolves):
        if item not in open_ids:
            problems.append(Problem("not an open deviation or flag of this assignment", f"resolves.{i}"))
    problems += text_problems(c.note, "note")
    _raise_if(problems)
    return [NewEvent("SupervisionRecorded", {
        "supervision_id": c.supervision_id, "on": c.on.isoformat(), "kind": c.kind, "minutes": c.minutes,
        "supervised_by": c.by, "note": c.note.strip(), "resolves": list(c.resolves)})]


def _request_end(state: Assignment, c: RequestEnd) -> list[NewEvent]:
    _only_the_volunteer(state, c)
    _require_status(state, ("started", "interrupted"), "ask to end")
    if state.end_requested_on is not None:
        _refuse("an end is already requested", code="end_already_requested")
    today = local_date(c.at)
    problems = text_problems(c.reason, "reason")
    if c.wished_end_date is not None and c.wished_end_date < today:
        problems.append(Problem("the wished end date has passed", "wished_end_date"))
    _raise_if(problems)
    return [NewEvent("AssignmentEndRequested", {
        "volunteer_id": state.volunteer_id, "requested_on": today.isoformat(),
        "reason": optional_text(c.reason),
        "wished_end_date": c.wished_end_date.isoformat() if c.wished_end_date else None})]


def _end(state: Assignment, c: EndAssignment) -> list[NewEvent]:
    _require_status(state, ("offered", "accepted", "started", "interrupted"), "end")
    problems = []
    if c.reason not in END_REASONS:
        problems.append(Problem(f"reason must be one of {', '.join(END_REASONS)}", "reason"))
    if c.ended_on > local_date(c.at):
        problems.append(Problem("the end date is in the future", "ended_on"))
    if c.ended_on < (state.start_date or state.offered_on):
        problems.append(Problem("the end date is before the assignment began", "ended_on"))
    problems += text_problems(c.comment, "comment")
    _raise_if(problems)
    return [NewEvent("AssignmentEnded", {
        "need_id": state.need_id, "volunteer_id": state.volunteer_id, "insats": state.insats,
        "ended_on": c.ended_on.isoformat(), "reason": c.reason, "was_started": state.start_date is not None,
        "comment": optional_text(c.comment)})]


def _flag(state: Assignment, c: FlagAssignment) -> list[NewEvent]:
    if state.status in ("declined", "ended"):
        return []  # nothing left to act on
    if any(f == c.flag_id for f, _, _ in state.open_flags):
        return []  # the same pool event delivered twice
    if c.reason not in FLAG_REASONS:
        _refuse(f"reason must be one of {', '.join(FLAG_REASONS)}", "reason")
    return [NewEvent("AssignmentFlagged", {
        "flag_id": c.flag_id, "volunteer_id": state.volunteer_id, "reason": c.reason,
        "flagged_on": local_date(c.at).isoformat()})]


def _interrupt(state: Assignment, c: InterruptAssignment) -> list[NewEvent]:
    _require_status(state, ("started",), "interrupt")
    problems = text_problems(c.reason, "reason", required=True)
    if c.interrupted_on > local_date(c.at):
        problems.append(Problem("the date is in the future", "interrupted_on"))
    if c.interrupted_on < state.start_date:
        problems.append(Problem("the date is before the assignment started", "interrupted_on"))
    if state.interruptions and c.interrupted_on < state.interruptions[-1][1]:
        problems.append(Problem("the date is before the last resumption", "interrupted_on"))
    _raise_if(problems)
    return [NewEvent("AssignmentInterrupted", {
        "interrupted_on": c.interrupted_on.isoformat(), "reason": c.reason.strip()})]


def _resume(state: Assignment, c: ResumeAssignment) -> list[NewEvent]:
    _require_status(state, ("interrupted",), "resume")
    problems = []
    if c.resumed_on > local_date(c.at):
        problems.append(Problem("the date is in the future", "resumed_on"))
    if c.resumed_on < state.interruptions[-1][0]:
        problems.append(Problem("the date is before the interruption", "resumed_on"))
    _raise_if(problems)
    return [NewEvent("AssignmentResumed", {"resumed_on": c.resumed_on.isoformat()})]


_HANDLERS = {
    AcceptOffer: _accept, DeclineOffer: _decline, StartAssignment: _start, ReviseAssignmentPlan: _revise_plan,
    LogMeeting: _log_meeting,
    CorrectMeeting: _correct_meeting, ReportDeviation: _report_deviation, RecordSupervision: _record_supervision,
    RequestEnd: _request_end, EndAssignment: _end, FlagAssignment: _flag, InterruptAssignment: _interrupt,
    ResumeAssignment: _resume,
}


# ---- evolve -----------------------------------------------------------------------------------------------

def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def evolve(state: Assignment | None, event) -> Assignment | None:
    d, t = event.data, event.type
    if t == "AssignmentOffered":
        return Assignment(
            municipality=d["municipality"], need_id=d["need_id"], volunteer_id=d["volunteer_id"],
            insats=d["insats"], legal_basis=d["legal_basis"], decision_date=_date(d["decision_date"]),
            period_from=_date(d["period_from"]), period_to=_date(d["period_to"]),
            case_worker_id=d["case_worker_id"], offered_on=_date(d["offered_on"]))
    if t == "OfferAccepted":
        return replace(state, status="accepted")
    if t == "OfferDeclined":
        return replace(state, status="declined")
    if t == "AssignmentStarted":
        return replace(state, status="started", start_date=_date(d["start_date"]),
                       case_worker_id=d["case_worker_id"], plan=Plan.from_data(d["plan"]))
    if t == "AssignmentPlanRevised":
        return replace(state, plan_revisions=state.plan_revisions + (
            (_date(d["effective_from"]), Plan.from_data(d["plan"])),))
    if t == "MeetingLogged":
        return replace(state, meeting_ids=state.meeting_ids | {d["meeting_id"]})
    if t == "DeviationReported":
        return replace(state, open_deviations=state.open_deviations + ((d["deviation_id"], _date(d["reported_on"])),))
    if t == "SupervisionRecorded":
        resolved = set(d["resolves"])
        return replace(
            state, supervision_ids=state.supervision_ids | {d["supervision_id"]},
            last_follow_up_on=_date(d["on"]) if d["kind"] == "follow_up" else state.last_follow_up_on,
            open_deviations=tuple(x for x in state.open_deviations if x[0] not in resolved),
            open_flags=tuple(x for x in state.open_flags if x[0] not in resolved))
    if t == "AssignmentEndRequested":
        return replace(state, end_requested_on=_date(d["requested_on"]))
    if t == "AssignmentEnded":
        return replace(state, status="ended", ended_on=_date(d["ended_on"]), end_reason=d["reason"])
    if t == "AssignmentFlagged":
        return replace(state, open_flags=state.open_flags + ((d["flag_id"], d["reason"], _date(d["flagged_on"])),))
    if t == "AssignmentInterrupted":
        return replace(state, status="interrupted",
                       interruptions=state.interruptions + ((_date(d["interrupted_on"]), None),))
    if t == "AssignmentResumed":
        start, _ = state.interruptions[-1]
        return replace(state, status="started",
                       interruptions=state.interruptions[:-1] + ((start, _date(d["resumed_on"])),))
    return state  # MeetingCorrected changes nothing the rules look at


# Commands that add to the record (not ones a user decided on the state they saw) are decided again on a newer
# state after a version conflict: a meeting logged while the case worker records supervision is still valid.
_RETRYABLE = (LogMeeting, ReportDeviation, RecordSupervision, FlagAssignment, RequestEnd)

ASSIGNMENT = Decider(stream_type=STREAM_TYPE, initial=initial, decide=decide, evolve=evolve,
                     retry_on_conflict=lambda command: isinstance(command, _RETRYABLE))
