"""The matching pool from applicants' and registry_checks' events, and what happens to running assignments when a
volunteer leaves it: the service in-process, events handed to its inbox (and once through RabbitMQ)."""
from __future__ import annotations

import json
from datetime import timedelta


from services.assignments.spec import SPEC
from services.common.projections import rebuild
from tests.kernel.helpers import publish_as_relay, wait_until

from assignments_testing import (  # noqa: F401 - `stack` is a fixture
    CASE_WORKER, GOTEBORG, SOLNA, STOCKHOLM, Volunteer, approved_volunteer, candidate_ids, days_ago, need_body,
    plan_body, refusal, stack, stored_events, today)


def a_need(stack, **changes) -> str:
    return stack.rpc(CASE_WORKER).register_need(STOCKHOLM, need_body(**changes))["need_id"]


def test_the_pool_holds_approved_volunteers_with_clear_checks_for_their_roles_at_home_or_by_consent(stack):
    # given volunteers of every kind
    ok = approved_volunteer(stack)
    family_only = approved_volunteer(stack, roles=("kontaktfamilj",))
    regional = approved_volunteer(stack, municipality=GOTEBORG, regional=True)
    not_regional = approved_volunteer(stack, municipality=GOTEBORG, regional=False)
    neighbour = approved_volunteer(stack, municipality=SOLNA, regional=True)
    # one still waiting for a register, one with remarks, one whose checks came before their registration
    pending = Volunteer()
    stack.receive("applicants", pending.registered())
    events = pending.all_checks_clear()
    stack.receive("registry_checks", *events[:-1])  # the last register has not answered
    stack.receive("applicants", pending.approved())
    remarks = Volunteer()
    stack.receive("applicants", remarks.registered())
    stack.receive("registry_checks", *remarks.all_checks_clear()[:-1],
                  remarks.check_completed("kronofogden", outcome="remarks"))
    stack.receive("applicants", remarks.approved())
    checks_first = Volunteer()
    assert set(stack.receive("registry_checks", *checks_first.all_checks_clear())) == {"applied"}
    stack.receive("applicants", checks_first.registered(), checks_first.approved())
    # and one only registered, never approved
    registered = Volunteer()
    stack.receive("applicants", registered.registered())
    stack.receive("registry_checks", *registered.all_checks_clear())

    # when a Stockholm case worker asks for candidates for a kontaktperson need
    answer = stack.rpc(CASE_WORKER).candidates(a_need(stack), limit=100)

    # then exactly the approved, clear, kontaktperson volunteers at home or consenting to the region are there
    found = set(candidate_ids(answer))
    assert {ok.applicant_id, regional.applicant_id, neighbour.applicant_id, checks_first.applicant_id} <= found
    for absent in (family_only, not_regional, pending, remarks, registered):
        assert absent.applicant_id not in found
    # and each candidate comes with its name, score and the reasons that make it up
    best = next(c for c in answer["candidates"] if c["volunteer_id"] == ok.applicant_id)
    assert best["name"] == ok.name and best["municipality"] == STOCKHOLM
    assert best["score"] == sum(r["points"] for r in best["reasons"])
    factors = {r["factor"] for r in best["reasons"]}
    assert {"role", "interests", "languages", "nearness", "availability"} <= factors
    # and the list is ordered by score, best first
    scores = [c["score"] for c in answer["candidates"]]
    assert scores == sorted(scores, reverse=True)

    # when the pending register answers clear, that volunteer joins the pool
    stack.receive("registry_checks", events[-1])
    assert pending.applicant_id in candidate_ids(stack.rpc(CASE_WORKER).candidates(a_need(stack), limit=100))


def test_a_volunteer_with_no_capacity_left_is_not_a_candidate_and_cannot_be_offered(stack):
    # given a volunteer who takes one assignment at a time, offered one need
    volunteer = approved_volunteer(stack, max_assignments=1)
    case_worker = stack.rpc(CASE_WORKER)
    first, second = a_need(stack), a_need(stack)
    case_worker.offer({"need_id": first, "volunteer_id": volunteer.applicant_id})
    # then they are no candidate for another need, nor again for the first
    assert volunteer.applicant_id not in candidate_ids(case_worker.candidates(second, limit=100))
    assert volunteer.applicant_id not in candidate_ids(case_worker.candidates(first, limit=100))
    # and an offer of the second is refused, naming why
    problem = refusal(case_worker.offer, {"need_id": second, "volunteer_id": volunteer.applicant_id})
    assert problem.kind == "refused" and "no capacity left" in problem.problems[0]["message"]
    # and an approval that has run out takes them out of the pool too
    lapsed = Volunteer()
    stack.receive("applicants", lapsed.registered())
    stack.receive("registry_checks", *lapsed.all_checks_clear())
    stack.receive("applicants", lapsed.approved(valid_until=today() - timedelta(days=1)))
    problem = refusal(case_worker.offer, {"need_id": second, "volunteer_id": lapsed.applicant_id})
    assert "not approved for kontaktperson" in problem.problems[0]["message"]


def started_assignment(stack, volunteer, municipality_need=None) -> str:
    """An assignment of `volunteer` for a new Stockholm need, offered, accepted and started."""
    case_worker = stack.rpc(CASE_WORKER)
    need_id = municipality_need or a_need(stack)
    assignment_id = case_worker.offer({"need_id": need_id, "volunteer_id": volunteer.applicant_id})["assignment_id"]
    stack.volunteer_rpc(volunteer).accept_offer(assignment_id)
    case_worker.start_assignment(assignment_id, {"start_date": days_ago(5), "plan": plan_body()})
    return assignment_id


def flags_of(stack, assignment_id) -> list:
    return stack.rpc(CASE_WORKER).get_assignment(assignment_id)["open_flags"]


def test_a_withdrawal_takes_the_volunteer_out_of_the_pool_and_flags_their_assignments_once(stack):
    # given a volunteer with a running assignment and an open offer
    volunteer = approved_volunteer(stack, max_assignments=2)
    running = started_assignment(stack, volunteer)
    offer = stack.rpc(CASE_WORKER).offer({"need_id": a_need(stack), "volunteer_id": volunteer.applicant_id})
    # when they withdraw
    withdrawal = volunteer.withdrawn()
    assert stack.receive("applicants", withdrawal) == ["applied"]
    flag_id = f"flag-{volunteer.stream.last_event_id}"
    # then both assignments carry a flag derived from the withdrawal, and the worklist shows them
    for assignment_id in (running, offer["assignment_id"]):
        assert flags_of(stack, assignment_id) == [[flag_id, "withdrawn", today().isoformat()]]
    items = [i for i in stack.rpc(CASE_WORKER).worklist(STOCKHOLM) if i["ref"] == flag_id]
    assert {i["assignment_id"] for i in items} == {running, offer["assignment_id"]}
    assert {i["kind"] for i in items} == {"flag"} and {i["reason"] for i in items} == {"withdrawn"}
    # and a second delivery of the same event flags nothing more
    assert stack.receive("applicants", withdrawal) == ["duplicate"]
    assert stored_events(stack, running).count("AssignmentFlagged") == 1
    # and they are no longer a candidate
    assert volunteer.applicant_id not in candidate_ids(stack.rpc(CASE_WORKER).candidates(a_need(stack), limit=100))

    # when the case worker deals with the flag in supervision, it leaves the worklist
    stack.rpc(CASE_WORKER).record_supervision(running, {"on": today().isoformat(), "resolves": [flag_id],
                                                        "note": "Samtal om avslut"})
    assert flags_of(stack, running) == []


def test_an_expired_or_failed_check_flags_running_assignments(stack):
    # given two volunteers with running assignments
    expiring, failing = approved_volunteer(stack), approved_volunteer(stack)
    first, second = started_assignment(stack, expiring), started_assignment(stack, failing)
    # when one's check expires and the other's renewed check comes back with remarks
    stack.receive("registry_checks", expiring.check_expired("socialregistret"))
    stack.receive("registry_checks", failing.check_requested("kronofogden"))
    # (a clear result stays in force while the check is renewed: no flag yet)
    assert flags_of(stack, second) == []
    stack.receive("registry_checks", failing.check_completed("kronofogden", outcome="remarks"))
    # then each assignment is flagged with the reason
    assert [f[1] for f in flags_of(stack, first)] == ["check_expired"]
    assert [f[1] for f in flags_of(stack, second)] == ["check_not_clear"]
    # and neither volunteer is in the pool
    found = candidate_ids(stack.rpc(CASE_WORKER).candidates(a_need(stack), limit=100))
    assert expiring.applicant_id not in found and failing.applicant_id not in found


def test_a_revoked_regional_consent_flags_only_assignments_outside_the_home_municipality(stack):
    # given a Solna volunteer in the regional pool with one assignment at home and one in Stockholm
    volunteer = approved_volunteer(stack, municipality=SOLNA, regional=True, max_assignments=2)
    solna_case_worker = {**CASE_WORKER, "sub": "handlaggare-solna", "roles": {SOLNA: ["case_worker"]}}
    solna_need = stack.rpc(solna_case_worker).register_need(SOLNA, need_body(case_worker_id="handlaggare-solna"))
    at_home = stack.rpc(solna_case_worker).offer({"need_id": solna_need["need_id"],
                                                  "volunteer_id": volunteer.applicant_id})["assignment_id"]
    in_stockholm = started_assignment(stack, volunteer)
    # when the consent is revoked
    stack.receive("applicants", volunteer.consent(False))
    # then the Stockholm assignment is flagged, the one at home is not
    assert [f[1] for f in flags_of(stack, in_stockholm)] == ["consent_revoked"]
    assert stack.rpc(solna_case_worker).get_assignment(at_home)["open_flags"] == []
    # and Stockholm no longer finds them, though Solna would (capacity aside)
    assert volunteer.applicant_id not in candidate_ids(stack.rpc(CASE_WORKER).candidates(a_need(stack), limit=100))


def test_applicant_events_arrive_through_rabbitmq(stack):
    # given a volunteer's events published on the applicants' and registry_checks' exchanges
    volunteer = Volunteer(interests=("schack",))
    for source, envelope in ([("applicants", volunteer.registered())]
                             + [("registry_checks", e) for e in volunteer.all_checks_clear()]
                             + [("applicants", volunteer.approved())]):
        publish_as_relay(stack.amqp_uri, source, envelope)
    # then the running service's inbox receivers put them in the pool
    need_id = a_need(stack, interests=["schack"])
    wait_until(lambda: volunteer.applicant_id in candidate_ids(stack.rpc(CASE_WORKER).candidates(need_id, limit=100)),
               timeout=15, message="the volunteer in the pool")
    assert stack.rpc(CASE_WORKER).pool_status(volunteer.applicant_id)["checks_clear_until"] is not None


def test_the_projections_rebuild_from_the_event_store_and_the_inbox_to_the_same_rows(stack):
    # given a volunteer with a started and flagged assignment (and everything the other tests left)
    volunteer = approved_volunteer(stack, max_assignments=2)
    started = started_assignment(stack, volunteer)
    stack.receive("applicants", volunteer.consent(False), volunteer.availability("weekdays"))
    stack.receive("registry_checks", volunteer.check_expired("kronofogden"))
    before = snapshot(stack)
    [row] = [row for key, row in before["assignments"].items() if key[0] == started]
    assert [flag[1] for flag in json.loads(row[3])] == ["check_expired"]  # (consent concerns only other kommuner)
    # when every projection is dropped and rebuilt
    with stack.kernel.connection() as conn:
        replayed = rebuild(conn, SPEC.projections, progress=False)
    # then the rows are as they were (row versions aside: they are new on every write)
    assert replayed > 0
    assert snapshot(stack) == before


def snapshot(stack) -> dict:
    queries = {
        "pool": "SELECT volunteer_id, municipality, status, approved_roles, approval_valid_until, regional_consent, "
                "availability, checks_clear_until, active_assignments FROM pool_volunteers",
        "checks": "SELECT check_id, state, clear_until FROM pool_checks",
        "needs": "SELECT need_id, status, started_on, postnummer FROM needs",
        "assignments": "SELECT assignment_id, status, start_date, open_flags::text, open_deviations::text, "
                       "interruptions::text, version FROM assignments",
        "meetings": 'SELECT assignment_id, meeting_id, "on", minutes, note, corrections FROM assignment_meetings',
    }
    out = {}
    with stack.kernel.connection() as conn:
        for name, query in queries.items():
            rows = conn.execute(query).fetchall()
            out[name] = {tuple(row[:2]): row for row in rows}
    return out
