"""An assignment's whole way through the running system, over HTTP: an applicant approved (the public form, the
register checks answered by the simulator, interview, references, approval), then a client need, the candidates,
an offer the volunteer accepts with a token of their own, the start with its genomförandeplan (AssignmentStarted),
meetings logged, and the end; read back by the case worker, the volunteer, the recruiter, payments' närvarorapport
and the audit log."""
from __future__ import annotations

from datetime import timedelta

from services.common.sweden import today
from tests.e2e.test_e2e_applicant_journey import answered_checks, assess, decide
from tests.kernel.helpers import wait_until
from tests.people import a_childs_personnummer

STOCKHOLM = "0180"
CASE_WORKER = "handlaggare-e2e"


def days_ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def approved_volunteer(system) -> str:
    """An applicant of Stockholm through the public form, checked, assessed and approved as kontaktperson."""
    recruiter = system.client("recruiter", [STOCKHOLM], sub="rekryterare-e2e-uppdrag")
    applicant_id, _ = system.register_publicly(STOCKHOLM)
    wait_until(lambda: answered_checks(recruiter, applicant_id), timeout=20, message="the register checks answered")
    assess(recruiter, applicant_id)
    approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=365)).isoformat()}
    answer = decide(recruiter, applicant_id, approval)
    assert answer.status_code == 200, answer.text
    return applicant_id


def test_an_approved_volunteer_takes_an_assignment_from_offer_to_end(system):
    case_worker = system.client("case_worker", [STOCKHOLM], sub=CASE_WORKER)

    # given an approved volunteer
    volunteer_id = approved_volunteer(system)
    me = system.client("volunteer", [STOCKHOLM], sub=volunteer_id)

    # and the municipality's decision on a kontaktperson for a child
    child = a_childs_personnummer()
    need = case_worker.post(f"/api/v1/municipalities/{STOCKHOLM}/needs", {
        "insats": "kontaktperson", "legal_basis": "SoL", "decision_date": days_ago(20), "period_from": days_ago(20),
        "clients": [{"personnummer": child, "name": "Alva Exempel"}], "needs": "Bryta isolering",
        "goals": ["Fler fritidsaktiviteter"], "interests": ["fotboll"], "languages": ["svenska"],
        "postnummer": "111 22", "frequency_per_month": 4, "case_worker_id": CASE_WORKER})
    assert need.status_code == 201, need.text
    need_id = need.json()["need_id"]

    # when the volunteer has reached the matching pool (assignments consumes the approval and the checks)
    def candidate():
        answer = case_worker.get(f"/api/v1/needs/{need_id}/candidates", params={"limit": 100})
        assert answer.status_code == 200, answer.text
        found = [c for c in answer.json()["candidates"] if c["volunteer_id"].endswith(volunteer_id)]
        return found[0] if found else None
    found = wait_until(candidate, timeout=20, interval=0.3, message="the volunteer among the candidates")
    # then they are a candidate, with the reasons for their rank
    assert found["reasons"] and found["municipality"] == STOCKHOLM

    # when the case worker offers them the assignment
    offer = case_worker.post("/api/v1/offers", {"need_id": need_id, "volunteer_id": found["volunteer_id"]})
    assert offer.status_code == 201, offer.text
    assignment_id = offer.json()["assignment_id"]
    # then the volunteer sees the offer de-identified, and accepts it
    [offered] = [o for o in me.get("/api/v1/me/offers").json()["items"] if o["assignment_id"] == assignment_id]
    assert "Alva" not in str(offered) and child not in str(offered)
    accepted = me.post(f"/api/v1/me/offers/{assignment_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text

    # when the case worker starts it with the genomförandeplan
    started = case_worker.post(f"/api/v1/assignments/{assignment_id}/start", {
        "start_date": days_ago(10), "case_worker_id": CASE_WORKER,
        "plan": {"goals": ["Fler fritidsaktiviteter"], "frequency_per_month": 4, "scope": "En träff i veckan",
                 "arvode": {"basis": "category", "category": 1, "percent": 20},
                 "omkostnad": {"level": 1, "receipts_allowed": True}}})
    assert started.status_code == 200 and started.json()["status"] == "started", started.text

    # and the volunteer logs two meetings
    for body in ({"meeting_id": "e2e-m1", "on": days_ago(7), "status": "held", "hours": "1.5", "activity": "Fotboll",
                  "note": "Alva var glad", "expenses": [{"amount_ore": 8_000, "description": "Fika", "receipt": True}]},
                 {"meeting_id": "e2e-m2", "on": days_ago(2), "status": "held", "hours": 2, "activity": "Bio"}):
        logged = me.post(f"/api/v1/me/assignments/{assignment_id}/meetings", body)
        assert logged.status_code == 200, logged.text
    # then the volunteer sees both, without the case worker's note
    mine = me.get(f"/api/v1/me/assignments/{assignment_id}").json()
    assert {m["meeting_id"] for m in mine["meetings"]} == {"e2e-m1", "e2e-m2"}
    assert "Alva var glad" not in str(mine)

    # when the case worker ends the assignment
    ended = case_worker.post(f"/api/v1/assignments/{assignment_id}/end",
                             {"ended_on": today().isoformat(), "reason": "need_met"})
    assert ended.status_code == 200, ended.text

    # then the case worker reads it started on its date and ended, with both meetings and the note
    full = case_worker.get(f"/api/v1/assignments/{assignment_id}").json()
    assert (full["status"], full["start_date"], full["ended_on"], full["end_reason"]) == (
        "ended", days_ago(10), today().isoformat(), "need_met")
    assert {m["meeting_id"]: m["note"] for m in full["meetings"]} == {"e2e-m1": "Alva var glad", "e2e-m2": None}
    assert "AssignmentEnded" in [t["event_type"] for t in full["timeline"]]
    # and the volunteer's own list shows it ended
    assert [a["status"] for a in me.get("/api/v1/me/assignments").json()["items"]
            if a["assignment_id"] == assignment_id] == ["ended"]
    # and the recruiter's view of the applicant lists the assignment
    recruiter = system.client("recruiter", [STOCKHOLM])
    applicant = recruiter.get(f"/api/v1/applicants/{volunteer_id}").json()
    assert [(a["assignment_id"], a["status"]) for a in applicant["assignments"]] == [(assignment_id, "ended")]
    # and payments has the first meeting's month in its närvarorapport (from AssignmentStarted and MeetingLogged)
    month = days_ago(7)[:7]

    def report_meetings():
        answer = case_worker.get(f"/api/v1/assignments/{assignment_id}/reports/{month}")
        return answer.json()["meetings"] if answer.status_code == 200 else None
    meetings = wait_until(report_meetings, timeout=20, interval=0.3, message="payments' närvarorapport")
    # and the report names the assignment and its meetings as every other answer does: one spelling of each id
    report = case_worker.get(f"/api/v1/assignments/{assignment_id}/reports/{month}").json()
    assert report["assignment_id"] == assignment_id
    logged = {meeting_id for meeting_id, on in (("e2e-m1", days_ago(7)), ("e2e-m2", days_ago(2))) if on[:7] == month}
    assert {m["meeting_id"] for m in meetings} == logged and all(m["version_id"] for m in meetings)
    # and the audit log holds who read and changed the volunteer's assignment
    trail = system.client("auditor", [STOCKHOLM]).get("/api/v1/audit", params={"subject": assignment_id}).json()
    routes = {(e["actor"], e["route"]) for e in trail["items"]}
    assert {(CASE_WORKER, "POST /api/v1/offers"), (CASE_WORKER, "POST /api/v1/assignments/{assignment_id}/start"),
            (volunteer_id, "POST /api/v1/me/offers/{assignment_id}/accept"),
            (volunteer_id, "POST /api/v1/me/assignments/{assignment_id}/meetings"),
            (CASE_WORKER, "POST /api/v1/assignments/{assignment_id}/end")} <= routes
