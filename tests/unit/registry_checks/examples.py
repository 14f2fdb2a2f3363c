"""The examples registry_checks' tests build from, one way each: the ids, the events a check's stream is given, a
register's result as it is sent and signed, the applicants' events as they arrive, and the callers.

The unit tests (pure) and the integration tests import them alike: `from tests.unit.registry_checks.examples import
...`. Fixed dates where a test decides at a fixed `now`; the clock's date where a test runs against the service.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

from services.common.decider import NewEvent
from services.common.roles import RECRUITER, Caller
from services.registry_checks.settings import DEV_KEYS
from services.registry_checks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, timestamp_of

UTC = timezone.utc
CHECK_ID = "0b7d6a0e-5d1c-4f61-9a57-7b3f1c2e4d10"
APPLICANT_ID = "4a1e2f3b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
STOCKHOLM, UPPSALA = "0180", "0380"
MARCH_10 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
# The registers every applicant is checked against, in the order recruiters see them.
DEFAULT_REGISTERS = ["polisen_belastningsregister", "polisen_misstankeregister", "socialregistret", "kronofogden"]
# The keys the service takes when REGISTRY_CHECKS_KEYS is unset, as bytes.
KEYS = {register: key.encode() for register, key in DEV_KEYS.items()}


# ---------------------------------------------------------------- a check's stream: Kronofogden, kontaktperson

def _check(**data) -> dict:
    return {"check_id": CHECK_ID, "applicant_id": APPLICANT_ID, "register": "kronofogden",
            "municipality": STOCKHOLM, **data}


def requested() -> NewEvent:
    return NewEvent("CheckRequested", _check(roles=["kontaktperson"], requested_at=MARCH_10.isoformat(),
                                             validity_months=12))


def completed(outcome="clear", valid_until="2026-01-31", reference="KFM-1") -> NewEvent:
    return NewEvent("CheckCompleted", _check(
        outcome=outcome, register_reference=reference, completed_at="2025-03-11T09:00:00+00:00",
        valid_until=valid_until, summary="", source="register", entered_by=None))


def keyed_in(outcome="clear", reference=None, by="rekryterare-1") -> NewEvent:
    """A paper extract a recruiter keyed in (source manual), dated the day after the request."""
    return NewEvent("CheckCompleted", _check(
        outcome=outcome, register_reference=reference, completed_at="2025-03-11T00:00:00+01:00",
        valid_until="2026-01-31", summary="", source="manual", entered_by=by))


def conflict_raised(keyed_in_outcome="clear", register_outcome="remarks", reference="KFM-1") -> NewEvent:
    return NewEvent("CheckConflictRaised", _check(
        keyed_in={"outcome": keyed_in_outcome, "entered_by": "rekryterare-1",
                  "completed_at": "2025-03-11T00:00:00+01:00", "register_reference": None},
        register_outcome=register_outcome, register_reference=reference, raised_at="2025-03-11T09:01:00+00:00"))


def cancelled(cancelled_at="2025-03-12T09:00:00+00:00") -> NewEvent:
    return NewEvent("CheckCancelled", _check(reason="applicant_withdrawn", cancelled_at=cancelled_at))


def expired(valid_until="2026-01-31", expired_on="2026-02-01") -> NewEvent:
    return NewEvent("CheckExpired", _check(valid_until=valid_until, expired_on=expired_on))


# ---------------------------------------------------------------- a register's result, as published

def result(check_id: str, register="kronofogden", outcome="clear", reference=None, completed_at=None,
           **changes) -> dict:
    """The body of a result by the contract: completed now unless told, valid a year when clear."""
    completed_at = completed_at or datetime.now(UTC).replace(microsecond=0)
    return {"register_id": register, "check_id": check_id, "outcome": outcome,
            "register_reference": reference or f"REF-{uuid.uuid4().hex[:8]}", "completed_at": completed_at.isoformat(),
            "valid_until": (completed_at.date() + timedelta(days=365)).isoformat() if outcome == "clear" else None,
            "summary": "", **changes}


def signed(body: dict, key: bytes | None = None, sent_at: datetime | None = None) -> tuple[bytes, dict]:
    """The raw body and the headers a register sends; by default signed now with the register's development key."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    timestamp = timestamp_of(sent_at or datetime.now(UTC))
    return raw, {TIMESTAMP_HEADER: timestamp,
                 SIGNATURE_HEADER: sign(key or KEYS[body["register_id"]], timestamp, raw)}


# ---------------------------------------------------------------- the applicants' events, as the relay sends them

def applicant_event(event_type: str, applicant_id: str, version: int, data: dict, municipality=STOCKHOLM) -> dict:
    """The envelope of an applicants' event, with the applicant id in its data as the applicants service puts it."""
    now = datetime.now(UTC).isoformat()
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1, "stream_id": applicant_id,
            "stream_type": "applicant", "stream_version": version, "municipality": municipality,
            "occurred_at": now, "recorded_at": now, "actor": "rekryterare-1", "correlation_id": None,
            "causation_id": None, "data": {"applicant_id": applicant_id, **data}}


def registration(municipality=STOCKHOLM, roles=("kontaktperson",), channel="web", by=None) -> dict:
    """The fields of ApplicantRegistered that registry_checks reads; the rest (name, personnummer...) it ignores."""
    return {"municipality": municipality, "roles": list(roles), "registered_on": date.today().isoformat(),
            "channel": channel, "by": by}


# ---------------------------------------------------------------- callers

def a_recruiter(sub="rekryterare-1", *municipalities: str) -> Caller:
    return Caller({"sub": sub, "roles": {m: [RECRUITER] for m in municipalities or (STOCKHOLM,)}})
