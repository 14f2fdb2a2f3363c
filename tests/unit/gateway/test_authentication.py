"""Bearer tokens: a verified token is not verified again until it expires, and never under another key."""
import time

import jwt
import pytest

from gateway import auth
from gateway.problems import Problem


@pytest.fixture
def decodes(monkeypatch):
    """Counts the signature checks the gateway makes."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counting)
    monkeypatch.setattr(auth, "_VERIFIED", type(auth._VERIFIED)())
    monkeypatch.delenv("GATEWAY_JWT_PUBLIC_KEY", raising=False)
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "a-test-secret-of-thirty-two-bytes!")
    return calls


def test_a_token_seen_before_is_not_checked_again(decodes):
    token = auth.mint("rekryterare-1", ["recruiter"], ["0180"])
    first = auth.authenticate(f"Bearer {token}")
    again = auth.authenticate(f"Bearer {token}")
    assert len(decodes) == 1
    assert (again.actor, again.roles, again.municipalities) == (first.actor, first.roles, first.municipalities)


def test_a_token_seen_before_is_refused_once_it_has_expired(decodes, monkeypatch):
    token = auth.mint("rekryterare-1", ["recruiter"], ["0180"], ttl_seconds=60)
    auth.authenticate(f"Bearer {token}")
    later = time.time() + 60 + auth.LEEWAY_SECONDS + 1
    monkeypatch.setattr(auth.time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _Frozen(later), raising=False)
    with pytest.raises(Problem) as refused:
        auth.authenticate(f"Bearer {token}")
    assert refused.value.kind == "unauthenticated"


def test_a_token_seen_before_is_checked_again_under_another_key(decodes, monkeypatch):
    token = auth.mint("rekryterare-1", ["recruiter"], ["0180"])
    auth.authenticate(f"Bearer {token}")
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "another-secret-of-thirty-two-bytes")
    with pytest.raises(Problem):
        auth.authenticate(f"Bearer {token}")
    assert len(decodes) == 2


class _Frozen:
    """pyjwt's clock, moved to `at` (pyjwt reads datetime.now(tz=timezone.utc))."""

    def __init__(self, at: float):
        from datetime import datetime, timezone
        self._now = datetime.fromtimestamp(at, tz=timezone.utc)
        self._datetime = datetime

    def now(self, tz=None):
        return self._now

    def __getattr__(self, name):
        return getattr(self._datetime, name)
