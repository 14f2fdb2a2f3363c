"""What the applicants projection learns of a check from registry_checks' events (check_status_after)."""
from datetime import date

from services.applicants.domain.checks import CheckStatus, check_status_after

requested = {"check_id": "check-1", "register": "kronofogden", "applicant_id": "applicant-1"}


def _fold(*events):
    status = None
    for event_type, data in events:
        status = check_status_after(status, event_type, data)
    return status


def test_a_requested_check_is_pending():
    assert _fold(("CheckRequested", requested)) == CheckStatus("check-1", "kronofogden", "requested")


def test_a_completed_check_carries_outcome_and_last_valid_day():
    status = _fold(("CheckRequested", requested),
                   ("CheckCompleted", {**requested, "outcome": "clear", "valid_until": "2026-03-01"}))
    assert status == CheckStatus("check-1", "kronofogden", "completed", "clear", date(2026, 3, 1))


def test_an_expired_check_keeps_its_outcome():
    status = _fold(("CheckRequested", requested),
                   ("CheckCompleted", {**requested, "outcome": "clear", "valid_until": "2026-03-01"}),
                   ("CheckExpired", requested))
    assert status.state == "expired" and status.outcome == "clear"


def test_a_cancelled_check():
    assert _fold(("CheckRequested", requested), ("CheckCancelled", requested)).state == "cancelled"


def test_other_check_events_change_nothing():
    before = _fold(("CheckRequested", requested))
    assert check_status_after(before, "CheckResultRefused", requested) == before


def test_a_completed_check_knows_whether_it_was_keyed_in_and_by_whom():
    status = _fold(("CheckRequested", requested),
                   ("CheckCompleted", {**requested, "outcome": "clear", "valid_until": "2026-03-01",
                                       "source": "manual", "entered_by": "rekryterare-1"}))
    assert (status.source, status.entered_by) == ("manual", "rekryterare-1")


def test_a_conflict_is_open_from_its_raising_to_its_resolution_and_outlives_a_renewal():
    raised = _fold(("CheckRequested", requested), ("CheckConflictRaised", requested))
    assert raised.conflict
    assert _fold(("CheckRequested", requested), ("CheckConflictRaised", requested), ("CheckRequested", requested)) \
        .conflict
    assert not _fold(("CheckRequested", requested), ("CheckConflictRaised", requested),
                     ("CheckConflictResolved", requested)).conflict
