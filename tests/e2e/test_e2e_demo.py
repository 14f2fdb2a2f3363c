"""`make demo` against the running system: every municipality gets applicants at every stage, through the API;
Stockholm is filled whole (needs, assignments, meetings, approved reports, a prepared payment run); and a second
run finds all of it and makes nothing twice."""
from __future__ import annotations

import io

from deploy.local import demo

STATUS_OF_STAGE = {"registered": "registered", "interviewed": "registered", "references": "registered",
                   "approved": "approved", "rejected": "rejected", "withdrawn": "withdrawn"}


def test_the_demo_fills_a_whole_municipality_and_can_be_run_again(system):
    # when the demo runs against the system
    out = io.StringIO()
    made = demo.fill(system.base, out=out)
    filled = demo.fill_municipality(system.base, demo.WHOLE, made, out=out)
    demo.report(made, system.base, out=out, filled=filled)

    # then each municipality has an applicant at every stage, each in the status its stage should leave it in
    for place in demo.MUNICIPALITIES:
        mine = [m for m in made if m.municipality == place]
        assert {m.stage for m in mine} == set(demo.STAGES)
        assert all(m.status == STATUS_OF_STAGE[m.stage] for m in mine), [(m.stage, m.status) for m in mine]
        # and a recruiter of that municipality finds them, the public form's among them
        recruiter = system.client("recruiter", [place.code])
        listed = {item["applicant_id"]: item for item in recruiter.get(
            "/api/v1/applicants", params={"municipality": place.code, "page_size": 200}).json()["items"]}
        assert {m.applicant_id for m in mine} <= set(listed)
        assert any(listed[m.applicant_id]["channel"] == "web" for m in mine)
    # and the approved have every register check clear; the report names tokens to look with
    for approved in (m for m in made if m.stage == "approved"):
        checks = system.client("recruiter", [approved.municipality.code]).get(
            f"/api/v1/applicants/{approved.applicant_id}/checks").json()["items"]
        assert checks and all(check["outcome"] == "clear" for check in checks)
    assert "recruiter, Pajala (2521)" in out.getvalue() and "/api/v1/applicants" in out.getvalue()

    # and Stockholm is filled whole: two needs, each with a started assignment and last month's meetings, the
    # reports approved, and this month's payment run prepared with a payment for each
    place = demo.WHOLE
    case_worker = system.client("case_worker", [place.code], sub=demo.case_worker_id(place))
    assert len(filled.needs) == 2 and len(filled.assignments) == 2 and filled.reports_approved == filled.assignments
    for assignment_id in filled.assignments:
        assignment = case_worker.get(f"/api/v1/assignments/{assignment_id}").json()
        assert assignment["status"] == "started" and len(assignment["meetings"]) == len(demo.MEETINGS)
    run = filled.run["run"]
    assert run["status"] == "prepared" and run["item_count"] == 2, filled.run

    # when the demo runs again
    again = demo.fill(system.base, out=io.StringIO())
    refilled = demo.fill_municipality(system.base, demo.WHOLE, again, out=io.StringIO())
    # then it found everyone and everything it made, and made nothing twice
    assert [m.applicant_id for m in again] == [m.applicant_id for m in made] and all(m.existed for m in again)
    assert (refilled.needs, refilled.assignments) == (filled.needs, filled.assignments)
    needs = case_worker.get(f"/api/v1/municipalities/{place.code}/needs", params={"page_size": 200}).json()["items"]
    demo_needs = [n for n in needs if any(c["name"].startswith("Demobarn") for c in n["clients"])]
    assert sorted(n["need_id"] for n in demo_needs) == sorted(filled.needs)
    for assignment_id in filled.assignments:
        assert len(case_worker.get(f"/api/v1/assignments/{assignment_id}").json()["meetings"]) == len(demo.MEETINGS)
    assert refilled.run["run"]["item_count"] == 2
