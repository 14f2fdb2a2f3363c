"""An assignment from the approved volunteer to its end, and who may see what of it: the service in-process, called
over RPC as the gateway calls it (the caller in context data)."""
from __future__ import annotations

import json
from datetime import timedelta

from assignments_testing import (  # noqa: F401 - `stack` is a fixture
    CASE_WORKER, CHILD, GOTEBORG, GOTEBORG_CASE_WORKER, OTHER_CASE_WORKER, RECRUITER, STOCKHOLM, approved_volunteer,
    candidate_ids, days_ago, need_body, plan_body, refusal, stack, stored_events, today)


def test_an_approved_volunteer_is_matched_offered_accepts_starts_meets_and_ends(stack):
    case_worker = stack.rpc(CASE_WORKER)
    # given an approved volunteer who likes football and speaks Arabic
    volunteer = approved_volunteer(stack, interests=("Fotboll", "bakning"), languages=("arabiska", "svenska"),
                                   age_range=(10, 15), max_assignments=1)
    me = stack.volunteer_rpc(volunteer, bare_id=True)  # the gateway may pass the bare uuid as `sub`

    # when a case worker registers a decision for a 12-year-old
    need = case_worker.register_need(STOCKHOLM, need_body(languages=["arabiska"]))
    need_id = need["need_id"]
    assert need["status"] == "open" and need["clients"][0]["personnummer"] == CHILD
    assert need["clients"][0]["age"] >= 12 and need["postnummer"] == "11234"
    # and asks for candidates
    answer = case_worker.candidates(need_id)
    # then the volunteer is among them, with shared interests and language as reasons
    mine = next(c for c in answer["candidates"] if c["volunteer_id"] == volunteer.applicant_id)
    texts = {r["en"] for r in mine["reasons"]}
    assert "Shared interests: fotboll" in texts and "Speaks arabiska" in texts
    assert any(r["factor"] == "age" and r["points"] == 20 for r in mine["reasons"])

    # when the case worker offers it
    offered = case_worker.offer({"need_id": need_id, "volunteer_id": volunteer.applicant_id})
    assignment_id = offered["assignment_id"]
    assert offered["status"] == "offered" and offered["volunteer_name"] == volunteer.name
    # then the volunteer sees the offer, de-identified: ages, interests, area and frequency, no name or number
    [offer] = me.my_offers()
    assert offer["assignment_id"] == assignment_id
    assert offer["client_view"]["interests"] == ["fotboll", "musik"] and offer["client_view"]["area"] == "112"
    assert "Alva" not in json.dumps(offer) and CHILD not in json.dumps(offer)
    assert me.my_assignments() == []

    # when the volunteer accepts and the case worker starts it with the genomförandeplan
    assert me.accept_offer(assignment_id)["status"] == "accepted"
    started = case_worker.start_assignment(assignment_id, {"start_date": days_ago(10), "plan": plan_body()})
    assert started["status"] == "started" and started["plan"]["arvode"]["category"] == 2

    # when the volunteer logs two meetings, one with expenses and a note, and corrects one
    me.log_meeting(assignment_id, {"meeting_id": "m-1", "on": days_ago(7), "status": "held", "hours": "1.5",
                                   "activity": "Fotboll", "note": "Alva var glad",
                                   "expenses": [{"amount_ore": 12_000, "description": "Fika", "receipt": True}]})
    me.log_meeting(assignment_id, {"meeting_id": "m-2", "on": days_ago(2), "status": "no_show",
                                   "note": "Alva kom inte"})
    view = me.correct_meeting(assignment_id, "m-1", {"on": days_ago(7), "status": "held", "hours": 2,
                                                     "activity": "Fotboll och fika", "reason": "Fel tid"})
    # then they see their meetings as they now stand, without the note (the case worker's to read)
    meetings = {m["meeting_id"]: m for m in view["meetings"]}
    assert meetings["m-1"]["minutes"] == 120 and meetings["m-1"]["corrections"] == 1
    assert meetings["m-2"]["status"] == "no_show"
    assert "note" not in meetings["m-2"] and "Alva" not in json.dumps(view)
    # and the case worker sees the note (the correction of m-1 gave none, so its first note is gone)
    full = case_worker.get_assignment(assignment_id)
    assert {m["meeting_id"]: m["note"] for m in full["meetings"]} == {"m-1": None, "m-2": "Alva kom inte"}
    assert any(t["event_type"] == "MeetingCorrected" for t in full["timeline"])
    # and a meeting in the future is refused, naming the field
    problem = refusal(me.log_meeting, assignment_id, {"on": (today() + timedelta(days=1)).isoformat(),
                                                      "status": "held", "hours": 1, "activity": "Bio"})
    assert problem.kind == "refused" and problem.problems[0]["field"] == "on"

    # when the volunteer reports a deviation, it is on the case worker's worklist
    me.report_deviation(assignment_id, {"deviation_id": "dev-1", "description": "Alva kommer sällan"})
    assert any(i["kind"] == "deviation" and i["ref"] == "dev-1" for i in case_worker.worklist(STOCKHOLM))
    # and supervision resolves it
    case_worker.record_supervision(assignment_id, {"on": today().isoformat(), "resolves": ["dev-1"]})
    assert not any(i["ref"] == "dev-1" for i in case_worker.worklist(STOCKHOLM))

    # when the volunteer asks to end and the case worker ends it
    me.request_end(assignment_id, {"reason": "Flyttar"})
    assert any(i["kind"] == "end_requested" and i["assignment_id"] == assignment_id
               for i in case_worker.worklist(STOCKHOLM, case_worker_id=CASE_WORKER["sub"]))
    ended = case_worker.end_assignment(assignment_id, {"ended_on": today().isoformat(),
                                                       "reason": "volunteer_request"})
    # then it is ended, the volunteer's place is free again, and the need shows when it started
    assert ended["status"] == "ended" and ended["end_reason"] == "volunteer_request"
    assert stack.rpc(RECRUITER).pool_status(volunteer.applicant_id)["active_assignments"] == 0
    assert case_worker.get_need(need_id)["started_on"] == days_ago(10)
    assert [a["status"] for a in me.my_assignments()] == ["ended"]
    assert stored_events(stack, assignment_id) == [
        "AssignmentOffered", "OfferAccepted", "AssignmentStarted", "MeetingLogged", "MeetingLogged",
        "MeetingCorrected", "DeviationReported", "SupervisionRecorded", "AssignmentEndRequested", "AssignmentEnded"]
    # and the applicant's aggregated view lists the assignment
    [summary] = stack.rpc(RECRUITER).assignments_for_volunteer(volunteer.key)
    assert summary["assignment_id"] == assignment_id and summary["status"] == "ended"


def test_a_volunteer_may_decline_and_is_not_asked_again_for_that_need(stack):
    case_worker = stack.rpc(CASE_WORKER)
    volunteer = approved_volunteer(stack)
    need_id = case_worker.register_need(STOCKHOLM, need_body())["need_id"]
    assignment_id = case_worker.offer({"need_id": need_id, "volunteer_id": volunteer.applicant_id})["assignment_id"]
    # when they decline without a reason
    assert stack.volunteer_rpc(volunteer).decline_offer(assignment_id)["status"] == "declined"
    # then the offer is gone from their list, their place is free, and the need's candidates leave them out
    assert stack.volunteer_rpc(volunteer).my_offers() == []
    assert stack.rpc(RECRUITER).pool_status(volunteer.applicant_id)["active_assignments"] == 0
    assert volunteer.applicant_id not in candidate_ids(case_worker.candidates(need_id, limit=100))
    other_need = case_worker.register_need(STOCKHOLM, need_body())["need_id"]
    assert volunteer.applicant_id in candidate_ids(case_worker.candidates(other_need, limit=100))


def test_a_volunteer_token_of_another_municipality_lists_none_of_the_volunteers_offers_or_assignments(stack):
    # given a Stockholm volunteer with an offer and an accepted assignment in Stockholm
    case_worker = stack.rpc(CASE_WORKER)
    volunteer = approved_volunteer(stack, max_assignments=2)
    offered, accepted = (case_worker.offer({"need_id": case_worker.register_need(STOCKHOLM, need_body())["need_id"],
                                            "volunteer_id": volunteer.applicant_id})["assignment_id"]
                         for _ in range(2))
    stack.volunteer_rpc(volunteer).accept_offer(accepted)
    # when a volunteer's token for Göteborg carrying their sub lists offers and assignments
    elsewhere = stack.rpc({"sub": volunteer.applicant_id, "name": None, "roles": {GOTEBORG: ["volunteer"]},
                           "system": False})
    # then neither list shows Stockholm's, as neither single one is shown
    assert elsewhere.my_offers() == [] and elsewhere.my_assignments() == []
    problem = refusal(elsewhere.get_assignment, accepted)
    # (refused as another municipality's: the gateway audits the attempt there)
    assert (problem.kind, problem.municipality) == ("not_found", STOCKHOLM)
    # while their token for Stockholm lists both
    home = stack.volunteer_rpc(volunteer)
    assert [o["assignment_id"] for o in home.my_offers()] == [offered]
    assert [a["assignment_id"] for a in home.my_assignments()] == [accepted]


def test_a_volunteer_cannot_read_or_act_on_another_volunteers_assignment(stack):
    case_worker = stack.rpc(CASE_WORKER)
    owner, other = approved_volunteer(stack), approved_volunteer(stack)
    need_id = case_worker.register_need(STOCKHOLM, need_body())["need_id"]
    assignment_id = case_worker.offer({"need_id": need_id, "volunteer_id": owner.applicant_id})["assignment_id"]
    intruder = stack.volunteer_rpc(other)
    # then another volunteer can neither accept the offer nor read it: it does not exist for them
    for call, args in ((intruder.accept_offer, (assignment_id,)), (intruder.get_assignment, (assignment_id,)),
                       (intruder.decline_offer, (assignment_id, {"reason": "x"}))):
        assert refusal(call, *args).kind == "not_found"
    assert intruder.my_offers() == []
    # and once it runs, they cannot log a meeting on it or ask to end it
    stack.volunteer_rpc(owner).accept_offer(assignment_id)
    case_worker.start_assignment(assignment_id, {"start_date": days_ago(5), "plan": plan_body()})
    meeting = {"on": days_ago(1), "status": "held", "hours": 1, "activity": "Bio"}
    assert refusal(intruder.log_meeting, assignment_id, meeting).kind == "not_found"
    assert refusal(intruder.request_end, assignment_id, {}).kind == "not_found"
    assert refusal(intruder.report_deviation, assignment_id, {"description": "x"}).kind == "not_found"
    assert "MeetingLogged" not in stored_events(stack, assignment_id)
    # and a volunteer cannot use the case worker's side at all
    assert refusal(intruder.get_need, need_id).kind == "forbidden"
    assert refusal(intruder.candidates, need_id).kind == "forbidden"
    assert refusal(stack.volunteer_rpc(owner).start_assignment, assignment_id, {}).kind == "forbidden"
    assert refusal(stack.volunteer_rpc(owner).list_assignments, STOCKHOLM).kind == "forbidden"
    # and a case worker is not a volunteer: they cannot log meetings in the volunteer's name
    assert refusal(case_worker.log_meeting, assignment_id, meeting).kind == "forbidden"


def test_another_municipality_sees_nothing_of_a_need_or_an_assignment(stack):
    case_worker = stack.rpc(CASE_WORKER)
    volunteer = approved_volunteer(stack)
    need_id = case_worker.register_need(STOCKHOLM, need_body())["need_id"]
    assignment_id = case_worker.offer({"need_id": need_id, "volunteer_id": volunteer.applicant_id})["assignment_id"]
    goteborg = stack.rpc(GOTEBORG_CASE_WORKER)
    # then to Göteborg the need and the assignment do not exist
    for call, args in ((goteborg.get_need, (need_id,)), (goteborg.candidates, (need_id,)),
                       (goteborg.close_need, (need_id, {"closed_on": today().isoformat(), "reason": "other"})),
                       (goteborg.offer, ({"need_id": need_id, "volunteer_id": volunteer.applicant_id},)),
                       (goteborg.get_assignment, (assignment_id,)),
                       (goteborg.end_assignment, (assignment_id, {"ended_on": today().isoformat(),
                                                                  "reason": "other"})),
                       (goteborg.list_needs, (STOCKHOLM,)), (goteborg.list_assignments, (STOCKHOLM,)),
                       (goteborg.worklist, (STOCKHOLM,)), (goteborg.ivo_report, (STOCKHOLM,)),
                       (goteborg.register_need, (STOCKHOLM, need_body()))):
        assert refusal(call, *args).kind == "not_found", call
    # and their own lists hold nothing of Stockholm's
    assert need_id not in [n["need_id"] for n in goteborg.list_needs(GOTEBORG)["items"]]
    assert assignment_id not in [a["assignment_id"] for a in goteborg.list_assignments(GOTEBORG)]
    # while Stockholm's case workers find both
    assert need_id in [n["need_id"] for n in case_worker.list_needs(STOCKHOLM, status="open", page_size=200)["items"]]
    assert assignment_id in [a["assignment_id"] for a in case_worker.list_assignments(STOCKHOLM, need_id=need_id)]


def test_the_client_s_identity_and_notes_never_leave_the_service(stack):
    # given a need and an offer
    case_worker = stack.rpc(CASE_WORKER)
    volunteer = approved_volunteer(stack)
    need_id = case_worker.register_need(STOCKHOLM, need_body(needs="Hemlig behovstext"))["need_id"]
    case_worker.offer({"need_id": need_id, "volunteer_id": volunteer.applicant_id})
    # then the outbox (what is published) holds no name, personnummer, postnummer or needs text
    with stack.kernel.connection() as conn:
        bodies = json.dumps([row[0] for row in conn.execute(
            "SELECT o.body FROM outbox o JOIN events e USING (event_id) WHERE e.stream_id = %s", (need_id,))])
        stored = json.dumps([row[0] for row in conn.execute("SELECT data FROM events WHERE stream_id = %s",
                                                            (need_id,))])
    assert "ClientNeedRegistered" in bodies
    for secret in (CHILD, "Alva", "11234", "Hemlig behovstext"):
        assert secret not in bodies and secret in stored


def test_protected_identity_withholds_location_from_all_but_the_responsible_case_worker(stack):
    # given a need for a client with skyddad identitet
    responsible, colleague = stack.rpc(CASE_WORKER), stack.rpc(OTHER_CASE_WORKER)
    volunteer = approved_volunteer(stack, postnummer="11234")
    need_id = responsible.register_need(STOCKHOLM, need_body(protected_identity=True))["need_id"]
    # then the responsible case worker sees the postnummer, a colleague does not
    assert responsible.get_need(need_id)["postnummer"] == "11234"
    withheld = colleague.get_need(need_id)
    assert withheld["postnummer"] is None and withheld["location_withheld"] is True
    assert "11234" not in json.dumps(colleague.list_needs(STOCKHOLM, page_size=200))
    # and no candidate's reasons speak of nearness, though the volunteer lives in the same area
    answer = responsible.candidates(need_id, limit=100)
    mine = next(c for c in answer["candidates"] if c["volunteer_id"] == volunteer.applicant_id)
    assert all(r["factor"] != "nearness" for r in mine["reasons"])
    assert "112" not in json.dumps([r for c in answer["candidates"] for r in c["reasons"]])
    # and the volunteer offered it sees no area
    assignment_id = responsible.offer({"need_id": need_id, "volunteer_id": volunteer.applicant_id})["assignment_id"]
    [offer] = [o for o in stack.volunteer_rpc(volunteer).my_offers() if o["assignment_id"] == assignment_id]
    assert offer["client_view"]["area"] is None and offer["client_view"]["area_municipality"] is None


def test_decisions_not_carried_out_within_three_months_are_listed_for_ivo(stack):
    case_worker = stack.rpc(CASE_WORKER)
    # given a decision four months old that never started, and a fresh one
    old = case_worker.register_need(STOCKHOLM, need_body(decision_date=days_ago(125), period_from=days_ago(125)))
    fresh = case_worker.register_need(STOCKHOLM, need_body())
    # then the old one is reportable, pending, the fresh one is not
    rows = {r["need_id"]: r for r in case_worker.ivo_report(STOCKHOLM)}
    assert rows[old["need_id"]]["kind"] == "not_started" and rows[old["need_id"]]["status"] == "pending"
    assert rows[old["need_id"]]["decision_date"] == days_ago(125)
    assert fresh["need_id"] not in rows
    # and the CSV export has the same row, with Swedish headers
    export = case_worker.ivo_csv(STOCKHOLM)
    assert export["content"].startswith("kommunkod;typ;beslut_id")
    assert f"{STOCKHOLM};ej verkställt;{old['need_id']}" in export["content"]
    # naming the decisions it carries (for the audit)
    assert old["need_id"] in export["need_ids"] and fresh["need_id"] not in export["need_ids"]
    # and an auditor may read it, a volunteer may not
    auditor = {**CASE_WORKER, "sub": "revisor-1", "roles": {STOCKHOLM: ["auditor"]}}
    assert old["need_id"] in {r["need_id"] for r in stack.rpc(auditor).ivo_report(STOCKHOLM)}


def test_bad_input_is_named_field_by_field(stack):
    case_worker = stack.rpc(CASE_WORKER)
    problem = refusal(case_worker.register_need, STOCKHOLM, need_body(insats="familjehem", frequency_per_month=0))
    assert problem.kind == "invalid"
    assert {p["field"] for p in problem.problems} == {"insats", "frequency_per_month"}
    problem = refusal(case_worker.register_need, STOCKHOLM,
                      need_body(decision_date=(today() + timedelta(days=3)).isoformat()))
    assert problem.kind == "refused" and problem.problems[0]["field"] == "decision_date"
    assert refusal(case_worker.get_need, "need-not-a-uuid").kind == "not_found"
    assert refusal(case_worker.candidates, "need-00000000-0000-0000-0000-000000000000").kind == "not_found"
