"""An applicant's whole way through the running system, over HTTP: the public form, the register checks answered
by the register simulator, interview, references, the decision; and an approval refused because a register
reported remarks."""
from __future__ import annotations

from datetime import timedelta

from services.common.sweden import today
from services.registry_checks.registers import DEFAULT_REGISTERS
from tests.kernel.helpers import wait_until

STOCKHOLM = "0180"


def answered_checks(recruiter, applicant_id: str) -> list[dict] | None:
    """The applicant's checks once every register checked for everyone has been requested and answered."""
    checks = recruiter.get(f"/api/v1/applicants/{applicant_id}/checks").json()["items"]
    registers = {check["register"] for check in checks}
    if set(DEFAULT_REGISTERS) <= registers and all(check["state"] == "completed" for check in checks):
        return checks
    return None


def assess(recruiter, applicant_id: str) -> None:
    """Interview, a work reference and a private reference, all positive."""
    for path, body in (
            ("interviews", {"interviewed_on": today().isoformat(), "interviewer": "Rut Rekryterare",
                            "home_visit": True}),
            ("references", {"kind": "work_or_studies", "name": "Chef Chefsson", "contact": "08-000 00 01",
                            "outcome": "positive"}),
            ("references", {"kind": "private", "name": "Vän Vänsson", "contact": "08-000 00 02",
                            "outcome": "positive"})):
        answer = recruiter.post(f"/api/v1/applicants/{applicant_id}/{path}", body)
        assert answer.status_code == 200, answer.text


def decide(recruiter, applicant_id: str, approval: dict):
    """The approval's answer, once the applicants service has seen every check result. Until then it is refused
    with a check pending or missing among its problems (beside, it may be, a result it has already seen, such as
    remarks): not the answer this waits for. The results reach applicants one event at a time, in no set order."""
    def attempt():
        answer = recruiter.post(f"/api/v1/applicants/{applicant_id}/approval", approval)
        if answer.status_code == 422 and {e["code"] for e in answer.json()["errors"]} & {"check_pending",
                                                                                         "check_missing"}:
            return None
        return [answer]  # a list: a Response of 4xx is falsy
    [answer] = wait_until(attempt, timeout=20, interval=0.2,
                          message="the check results to reach the applicants service")
    return answer


def test_an_applicant_goes_from_the_public_form_to_approval(system):
    recruiter = system.client("recruiter", [STOCKHOLM], sub="rekryterare-e2e")

    # given an intresseanmälan sent through the public form
    applicant_id, body = system.register_publicly(STOCKHOLM)

    # when the register simulator has answered every register check registry_checks requested
    checks = wait_until(lambda: answered_checks(recruiter, applicant_id), timeout=20,
                        message="the register checks answered")
    assert {check["outcome"] for check in checks} == {"clear"}
    # and the recruiter has held the interview and taken both references
    assess(recruiter, applicant_id)

    # then the approval goes through
    approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=365)).isoformat()}
    answer = decide(recruiter, applicant_id, approval)
    assert answer.status_code == 200, answer.text

    # and the applicant reads back approved, with every check clear, the interview and both references
    applicant = recruiter.get(f"/api/v1/applicants/{applicant_id}").json()
    assert applicant["status"] == "approved"
    assert applicant["approved_roles"] == ["kontaktperson"]
    assert applicant["approval_valid_until"] == approval["valid_until"]
    assert applicant["personnummer"].replace("-", "")[-10:] == body["personnummer"].replace("-", "")[-10:]
    assert set(DEFAULT_REGISTERS) <= {check["register"] for check in applicant["checks"]}
    assert all(check["state"] == "completed" and check["outcome"] == "clear" for check in applicant["checks"])
    assert len(applicant["interviews"]) == 1
    assert {reference["kind"] for reference in applicant["references"]} == {"work_or_studies", "private"}
    # and the list shows it approved, its personnummer masked
    listed = recruiter.get("/api/v1/applicants", params={"q": body["family_name"], "status": "approved"})
    [item] = listed.json()["items"]
    assert item["applicant_id"] == applicant_id
    assert body["personnummer"] not in listed.text and body["personnummer"].replace("-", "") not in listed.text


def test_an_approval_is_refused_while_a_register_reports_remarks(system):
    # given an applicant of the municipality for which the simulated Kronofogden reports remarks
    municipality, register = system.remarks_municipality, system.remarks_register
    recruiter = system.client("recruiter", [municipality])
    applicant_id, _ = system.register_publicly(municipality)
    checks = wait_until(lambda: answered_checks(recruiter, applicant_id), timeout=20,
                        message="the register checks answered")
    assert {check["register"]: check["outcome"] for check in checks if check["outcome"] != "clear"} == {
        register: "remarks"}
    # and a complete assessment otherwise
    assess(recruiter, applicant_id)

    # when the recruiter approves
    approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=365)).isoformat()}
    answer = decide(recruiter, applicant_id, approval)

    # then the approval is refused, naming that check and nothing else
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    [problem] = answer.json()["errors"]
    assert problem["code"] == "check_remarks" and problem["field"] == "checks"
    assert register in problem["message"]
    assert recruiter.get(f"/api/v1/applicants/{applicant_id}").json()["status"] == "registered"

    # and the recruiter's rejection, with its reason, is what stands
    answer = recruiter.post(f"/api/v1/applicants/{applicant_id}/rejection",
                            {"reason": "Anmärkning hos Kronofogden (simulerad)."})
    assert answer.status_code == 200, answer.text
    assert recruiter.get(f"/api/v1/applicants/{applicant_id}").json()["status"] == "rejected"
