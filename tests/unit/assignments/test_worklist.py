"""The case worker's worklist and the IVO list of decisions not carried out."""
import csv
import io
from datetime import date

from services.assignments.domain.assignment import (
    ASSIGNMENT, FlagAssignment, RecordSupervision, ReportDeviation, RequestEnd)
from services.assignments.domain.need import NEED
from services.assignments.domain.worklist import (
    AssignmentRow, NeedRow, assignment_row, case_worker_items, decisions_not_carried_out, ivo_csv, need_row)

from .examples import AT, CASE_WORKER, NEED_ID, SOLNA, STOCKHOLM, VOLUNTEER, history, registered


def need(decided=date(2025, 1, 15), started_on=None, closed_on=None, municipality=STOCKHOLM, need_id="need-1"):
    return NeedRow(need_id, municipality, "kontaktperson", "SoL", decided, started_on, closed_on)


def running(interruptions=(), ended_on=None, status="started", start=date(2025, 1, 10), **changes):
    fields = dict(assignment_id="assignment-1", need_id="need-1", municipality=STOCKHOLM, insats="kontaktperson",
                  legal_basis="SoL", case_worker_id=CASE_WORKER, volunteer_id=VOLUNTEER, status=status,
                  start_date=start, interruptions=interruptions, ended_on=ended_on)
    return AssignmentRow(**{**fields, **changes})


def ivo(needs=(), assignments=(), today=date(2025, 6, 2)):
    return decisions_not_carried_out(STOCKHOLM, needs, assignments, today)


# ---- IVO: decisions not carried out within 3 months -------------------------------------------------------

def test_a_need_not_started_within_three_months_is_reported():
    [row] = ivo([need(decided=date(2025, 2, 28))])
    assert (row.kind, row.decision_date, row.deadline, row.status) == (
        "not_started", date(2025, 2, 28), date(2025, 5, 28), "pending")


def test_the_three_months_run_out_at_the_end_of_the_deadline_day():
    assert ivo([need(decided=date(2025, 3, 2))], today=date(2025, 6, 2)) == []
    assert len(ivo([need(decided=date(2025, 3, 2))], today=date(2025, 6, 3))) == 1


def test_a_need_started_in_time_is_not_reported():
    assert ivo([need(started_on=date(2025, 4, 15))]) == []


def test_a_need_started_late_is_reported_with_the_date_it_was_carried_out():
    [row] = ivo([need(started_on=date(2025, 5, 1))])
    assert (row.carried_out_on, row.status) == (date(2025, 5, 1), "carried_out_late")


def test_a_need_closed_in_time_is_not_reported_but_one_closed_late_is():
    assert ivo([need(closed_on=date(2025, 3, 1))]) == []
    [row] = ivo([need(closed_on=date(2025, 5, 1))])
    assert (row.closed_on, row.status) == (date(2025, 5, 1), "closed")


def test_an_assignment_interrupted_for_three_months_is_reported():
    [row] = ivo([need(started_on=date(2025, 1, 10))], [running(((date(2025, 2, 1), None),), status="interrupted")])
    assert (row.kind, row.assignment_id, row.interrupted_on, row.deadline, row.decision_date) == (
        "interrupted", "assignment-1", date(2025, 2, 1), date(2025, 5, 1), date(2025, 1, 15))


def test_a_short_interruption_is_not_reported():
    assert ivo([], [running(((date(2025, 2, 1), date(2025, 4, 1)),))]) == []
    assert ivo([], [running(((date(2025, 4, 1), None),), status="interrupted")]) == []


def test_each_municipality_sees_only_its_own_list():
    assert ivo([need(municipality=SOLNA)], [running(((date(2025, 1, 20), None),), municipality=SOLNA)]) == []


def test_the_ivo_list_exports_as_csv_without_personal_data():
    rows = ivo([need(decided=date(2025, 1, 2), need_id="need-a")],
               [running(((date(2025, 2, 1), None),), status="interrupted")])
    text = ivo_csv(rows)
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:3] == ["kommunkod", "typ", "beslut_id"]
    assert table[1] == [STOCKHOLM, "ej verkställt", "need-a", "", "kontaktperson", "SoL", "2025-01-02", "",
                        "2025-04-02", "", "", "pending"]
    assert table[2][1:4] == ["avbrott", "need-1", "assignment-1"] and table[2][7] == "2025-02-01"


def test_rows_are_built_from_the_deciders_states():
    need_state = NEED.fold([registered()])
    assert need_row(NEED_ID, need_state, None).decision_date == date(2025, 4, 1)
    row = assignment_row("assignment-1", ASSIGNMENT.fold(history()))
    assert (row.status, row.start_date, row.need_id) == ("started", date(2025, 5, 5), NEED_ID)


# ---- the case worker's worklist ---------------------------------------------------------------------------

def test_a_follow_up_is_due_six_months_after_the_start():
    [item] = case_worker_items([running(start=date(2025, 1, 10))], today=date(2025, 6, 20))
    assert (item.kind, item.due, item.overdue(date(2025, 6, 20))) == ("follow_up_due", date(2025, 7, 10), False)
    assert case_worker_items([running(start=date(2025, 1, 10))], today=date(2025, 6, 2)) == []


def test_the_next_follow_up_counts_from_the_last_one():
    [item] = case_worker_items([running(start=date(2024, 1, 10), last_follow_up_on=date(2025, 1, 5))],
                               today=date(2025, 7, 6))
    assert item.due == date(2025, 7, 5) and item.overdue(date(2025, 7, 6))


def test_deviations_flags_and_end_requests_reach_the_worklist_until_dealt_with():
    events = history(start=date(2025, 5, 5))
    for command in (ReportDeviation(STOCKHOLM, VOLUNTEER, AT, "dev-1", "Fungerar inte"),
                    FlagAssignment(STOCKHOLM, AT, "flag-1", "check_expired"),
                    RequestEnd(STOCKHOLM, VOLUNTEER, AT)):
        events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), command)
    items = case_worker_items([assignment_row("assignment-1", ASSIGNMENT.fold(events))], date(2025, 6, 2))
    assert [(i.kind, i.ref, i.reason) for i in items] == [
        ("deviation", "dev-1", None), ("end_requested", None, None), ("flag", "flag-1", "check_expired")]
    events += ASSIGNMENT.decide(ASSIGNMENT.fold(events), RecordSupervision(
        STOCKHOLM, CASE_WORKER, AT, "sup-1", date(2025, 6, 2), resolves=("dev-1", "flag-1")))
    items = case_worker_items([assignment_row("assignment-1", ASSIGNMENT.fold(events))], date(2025, 6, 2))
    assert [i.kind for i in items] == ["end_requested"]


def test_the_worklist_is_per_case_worker_and_skips_ended_assignments():
    mine = running(assignment_id="a-1", open_deviations=(("dev-1", date(2025, 5, 1)),))
    theirs = running(assignment_id="a-2", case_worker_id="handlaggare-2",
                     open_deviations=(("dev-2", date(2025, 5, 1)),))
    ended = running(assignment_id="a-3", status="ended", open_deviations=(("dev-3", date(2025, 5, 1)),))
    items = case_worker_items([mine, theirs, ended], date(2025, 6, 2), case_worker_id=CASE_WORKER)
    assert [i.assignment_id for i in items] == ["a-1"]
