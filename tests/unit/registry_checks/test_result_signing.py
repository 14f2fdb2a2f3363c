"""Signing of register results: HMAC-SHA256 over f"{timestamp}.{raw_body}" (signing.py)."""
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from services.registry_checks.signing import is_fresh, parse_timestamp, sign, timestamp_of, verify

KEY = b"kronofogden-test-key"
BODY = b'{"register_id":"kronofogden"}'


def test_the_signature_is_hex_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(KEY, b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert sign(KEY, "1767225600", BODY) == expected
    assert sign(KEY.decode(), 1767225600, BODY) == expected


def test_a_signature_verifies_only_for_the_same_key_timestamp_and_body():
    signature = sign(KEY, "1767225600", BODY)
    assert verify(KEY, "1767225600", BODY, signature)
    assert verify(KEY, "1767225600", BODY, signature.upper())
    assert not verify(b"another key", "1767225600", BODY, signature)
    assert not verify(KEY, "1767225601", BODY, signature)
    assert not verify(KEY, "1767225600", BODY + b" ", signature)
    assert not verify(KEY, "1767225600", BODY, "ä" + signature[1:])


def test_the_timestamp_is_unix_seconds():
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert timestamp_of(moment) == "1767225600"
    assert parse_timestamp("1767225600") == moment
    assert parse_timestamp(1767225600) == moment
    for bad in ("2026-01-01T00:00:00Z", "1767225600.5", "-1", "", True):
        with pytest.raises(ValueError):
            parse_timestamp(bad)


def test_a_timestamp_is_fresh_within_five_minutes_either_way():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert is_fresh(now - timedelta(minutes=5), now)
    assert is_fresh(now + timedelta(minutes=5), now)
    assert not is_fresh(now - timedelta(minutes=5, seconds=1), now)
    assert not is_fresh(now + timedelta(minutes=5, seconds=1), now)
