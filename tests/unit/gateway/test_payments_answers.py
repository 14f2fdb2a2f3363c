"""payments' answers as the gateway gives them: every id in the API's one spelling (docs/contracts.md, "Ids")."""
from gateway.handlers.payments import _csv_named_as_the_api_does, named_as_the_api_does

UUID = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
VOLUNTEER = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


def test_a_report_names_the_assignment_and_each_meeting_as_the_volunteer_logged_it():
    # given a report as payments answers it: the assignment's bare uuid, each meeting's version as meeting_id
    answer = {"assignment_id": UUID, "month": "2026-01", "status": "pending", "meetings": [
        {"meeting_id": "evt-123", "logged_meeting_id": "m-1", "date": "2026-01-10", "corrected": False}]}
    # when the gateway answers with it
    shown = named_as_the_api_does(answer)
    # then the assignment is "assignment-<uuid>", as the assignment routes name it, and the meeting its logged id
    assert shown["assignment_id"] == f"assignment-{UUID}"
    assert shown["meetings"] == [{"meeting_id": "m-1", "version_id": "evt-123", "date": "2026-01-10",
                                  "corrected": False}]


def test_my_payments_and_pending_reports_name_assignments_and_volunteers_in_one_spelling():
    shown = named_as_the_api_does({"volunteer_id": f"applicant-{VOLUNTEER.upper()}", "payments": [
        {"assignment_id": UUID, "compensation_id": f"compensation-{UUID}-2026-01"}],
        "pending_reports": [{"assignment_id": f"assignment-{UUID}", "volunteer_id": VOLUNTEER}]})
    assert shown["volunteer_id"] == f"applicant-{VOLUNTEER}"
    assert shown["payments"][0]["assignment_id"] == f"assignment-{UUID}"
    assert shown["pending_reports"] == [{"assignment_id": f"assignment-{UUID}", "volunteer_id": f"applicant-{VOLUNTEER}"}]


def test_the_exports_name_assignments_and_people_as_the_answers_do():
    summary = f"assignment_id,volunteer_id,kind\n{UUID},applicant-{VOLUNTEER},kontaktperson\n"
    assert _csv_named_as_the_api_does(summary) == (
        f"assignment_id,volunteer_id,kind\nassignment-{UUID},applicant-{VOLUNTEER},kontaktperson\n")
    payroll = f"period,person_id,personnummer\n2026-02,applicant-{VOLUNTEER},19800101-1234\n"
    assert _csv_named_as_the_api_does(payroll) == payroll
