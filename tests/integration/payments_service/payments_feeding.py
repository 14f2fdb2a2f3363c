"""The assignments service's side of payments, for tests and the benchmark: its events as envelopes its relay
would publish (AssignmentStarted, MeetingLogged, MeetingCorrected), fed through the payments kernel's inbox, and
the case worker's approvals and finance's tax details as payments commands, many in one transaction.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timezone
from typing import Iterable

from services.common.envelope import Event, Metadata, from_wire, to_wire
from services.payments import read
from services.payments.app import phases
from services.payments.domain.calculation import month_end
from services.payments.domain.compensation import COMPENSATION, ApproveReport, meeting_from_data
from services.payments.domain.compensation import stream_id as compensation_stream
from services.payments.domain.payment_run import PAYMENT_RUN, ApprovePaymentRun
from services.payments.domain.payment_run import stream_id as run_stream
from services.payments.domain.tax_details import TAX_DETAILS, SetTaxDetails
from services.payments.domain.tax_details import stream_id as tax_details_stream
from tests.people import a_personnummer

CASE_WORKER = "socialsekreterare-1"


class AssignmentFeed:
    """Envelopes of assignment streams, with each stream's versions counted from 1 (payments' inbox applies a
    stream in version order, so the versions must have no gap)."""

    def __init__(self, municipality: str):
        self.municipality = municipality
        self.versions: dict[str, int] = {}

    def _envelope(self, assignment_id: str, event_type: str, data: dict, actor: str) -> dict:
        stream = f"assignment-{assignment_id}"
        version = self.versions.get(stream, 0) + 1
        self.versions[stream] = version
        now = datetime.now(timezone.utc)
        return to_wire(Event(uuid.uuid4(), event_type, 1, stream, "assignment", version, now, now, data,
                             self.municipality, actor))

    def started(self, volunteer_id: str, *, assignment_id: str | None = None, kind: str = "kontaktperson",
                category: int = 1, percent: int = 20, level: int = 1, receipts_allowed: bool = False,
                monthly_ore: int | None = None, case_worker: str = CASE_WORKER, start_date: str = "2025-01-01",
                **extra) -> tuple[str, dict]:
        assignment_id = assignment_id or str(uuid.uuid4())
        basis = {"kontaktperson": "category", "kontaktfamilj": "per_dygn", "skkp": "fixed"}[kind]
        arvode = ({"basis": basis, "category": None, "percent": None, "monthly_ore": monthly_ore}
                  if kind == "skkp" else
                  {"basis": basis, "category": category, "percent": percent, "monthly_ore": None})
        data = {"need_id": f"need-{assignment_id}", "volunteer_id": volunteer_id, "insats": kind,
                "legal_basis": "SoL", "start_date": start_date, "case_worker_id": case_worker,
                "plan": {"frequency_per_month": 4, "arvode": arvode,
                         "omkostnad": {"level": level, "receipts_allowed": receipts_allowed}}, **extra}
        return assignment_id, self._envelope(assignment_id, "AssignmentStarted", data, case_worker)

    def meeting(self, assignment_id: str, volunteer_id: str, on: str, *, meeting_id: str | None = None,
                status: str = "held", expenses: Iterable[dict] = (), kind: str = "kontaktperson",
                stay: tuple[datetime, datetime] | None = None, corrects: bool = False) -> tuple[str, dict]:
        meeting_id = meeting_id or str(uuid.uuid4())
        data = {"meeting_id": meeting_id, "volunteer_id": volunteer_id, "insats": kind, "on": on, "status": status,
                "minutes": None if stay else 90,
                "stay_start": stay[0].isoformat() if stay else None, "stay_end": stay[1].isoformat() if stay else None,
                "dygn": None, "activity": "fika", "expenses": list(expenses)}
        if corrects:
            data.update(corrects=meeting_id)
        return meeting_id, self._envelope(assignment_id, "MeetingCorrected" if corrects else "MeetingLogged", data,
                                          volunteer_id)


def feed(kernel, bodies: Iterable[dict], conn=None) -> None:
    """Apply envelopes as payments' assignments receiver would; in `conn`'s transaction when given."""
    if conn is not None:
        for body in bodies:
            kernel.inbox.receive(conn, from_wire(body, source="assignments"))
        return
    with kernel.connection() as conn:
        with conn.transaction():
            feed(kernel, bodies, conn)


def approve_month(kernel, conn, assignment_id: str, month: str, *, by: str = CASE_WORKER,
                  on: date | None = None) -> None:
    """The responsible case worker approves the month's report as it stands (what approve_report does)."""
    found = read.assignments.assignment(conn, assignment_id)
    meetings = tuple(meeting_from_data(m) for m in read.meetings.month_meetings(conn, assignment_id, month))
    preceding = read.meetings.preceding_stays(conn, assignment_id, month) if found["kind"] == "kontaktfamilj" else ()
    command = ApproveReport(found["municipality"], assignment_id, month, by, found["case_worker_id"],
                            found["volunteer_id"], found["kind"], meetings, on or month_end(month), preceding)
    kernel.execute(COMPENSATION, compensation_stream(assignment_id, month), command,
                   Metadata(municipality=found["municipality"], actor=by), conn=conn)


def set_tax_details(kernel, conn, municipality: str, volunteer_id: str, *, born: date | None = None,
                    rng: random.Random | None = None) -> None:
    command = SetTaxDetails(municipality, volunteer_id, "ekonom-1", date(2025, 1, 2), "uppgifter från blankett",
                            "default", None, a_personnummer(rng, born=born))
    kernel.execute(TAX_DETAILS, tax_details_stream(municipality, volunteer_id), command,
                   Metadata(municipality=municipality, actor="ekonom-1"), conn=conn)


def seed_months(kernel, municipality: str, *, assignments: int, months: Iterable[str], volunteers: int,
                batch: int = 200, seed: int = 1) -> list[str]:
    """`assignments` kontaktperson assignments spread over `volunteers` volunteers, one held meeting in each of
    `months`, every month approved, every volunteer's tax details set: assignments x months to pay.
    Committed every `batch` assignments. Returns the assignment ids."""
    rng = random.Random(seed)
    months = list(months)
    feed_ = AssignmentFeed(municipality)
    volunteer_ids = [f"v-{municipality}-{seed}-{i}" for i in range(volunteers)]
    ids: list[str] = []
    with kernel.connection() as conn:
        with conn.transaction():
            for volunteer in volunteer_ids:
                set_tax_details(kernel, conn, municipality, volunteer, rng=rng)
    for start in range(0, assignments, batch):
        with kernel.connection() as conn:
            with conn.transaction():
                for i in range(start, min(start + batch, assignments)):
                    volunteer = volunteer_ids[i % volunteers]
                    assignment_id, started = feed_.started(volunteer, category=1 + i % 3,
                                                           percent=(20, 30, 40)[i % 3], level=1 + i % 3)
                    bodies = [started] + [feed_.meeting(assignment_id, volunteer, f"{month}-{10 + i % 15:02d}")[1]
                                          for month in months]
                    feed(kernel, bodies, conn)
                    for month in months:
                        approve_month(kernel, conn, assignment_id, month)
                    ids.append(assignment_id)
    return ids


def approve_and_start_issuing(kernel, municipality: str, period: str, job_size: int) -> list[str]:
    """A second finance officer approves the calculated run (four eyes) and its payment jobs are made, in one
    transaction; the ids of the jobs to publish."""
    with kernel.connection() as conn:
        with conn.transaction():
            kernel.execute(PAYMENT_RUN, run_stream(municipality, period),
                           ApprovePaymentRun(municipality, period, "ekonom-2", date(2025, 4, 26)),
                           Metadata(municipality=municipality, actor="ekonom-2"), conn=conn)
            issuing = phases.start_issuing(conn, run_stream(municipality, period), municipality, period, "ekonom-2",
                                           date(2025, 4, 26), job_size=job_size)
    return issuing["job_ids"]
