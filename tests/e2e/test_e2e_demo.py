"""`make demo` against the running system: every municipality gets applicants at every stage, through the API."""
from __future__ import annotations

import io

from deploy.local import demo

STATUS_OF_STAGE = {"registered": "registered", "interviewed": "registered", "references": "registered",
                   "approved": "approved", "rejected": "rejected", "withdrawn": "withdrawn"}


def test_the_demo_fills_every_municipality_with_applicants_at_every_stage(system):
    # when the demo runs against the system
    out = io.StringIO()
    made = demo.fill(system.base, out=out)
    demo.report(made, system.base, out=out)

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
