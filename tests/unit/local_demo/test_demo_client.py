"""The demo's HTTP client: a busy public form (429) or a service not yet up (503) is waited out as its Retry-After
says, with the same Idempotency-Key, so `make demo` can run twice in a row."""
import requests

from deploy.local.demo import DemoError, Gateway


class Answers:
    """A requests.Session stand-in that answers from a list and notes each request's headers."""

    def __init__(self, *answers):
        self.answers, self.sent, self.headers = list(answers), [], {}

    def request(self, method, url, json=None, params=None, headers=None, timeout=None):
        self.sent.append(dict(headers or {}))
        status, retry_after = self.answers.pop(0)
        answer = requests.Response()
        answer.status_code = status
        answer._content = b'{"detail": "busy", "errors": []}' if status >= 400 else b'{"reference": "KP-1"}'
        if retry_after is not None:
            answer.headers["Retry-After"] = retry_after
        return answer


def test_a_429_is_asked_again_after_its_retry_after_with_the_same_idempotency_key():
    waited = []
    gateway = Gateway("http://gateway", sleep=waited.append)
    gateway.session = Answers((429, "7"), (503, "2"), (202, None))
    # when the public form answers 429, then 503, then takes it
    answer = gateway.post("/api/v1/interest", {"municipality": "0180"})
    # then the demo waited as told each time, and sent one request three times
    assert answer == {"reference": "KP-1"} and waited == [7.0, 2.0]
    assert len({sent["Idempotency-Key"] for sent in gateway.session.sent}) == 1


def test_it_gives_up_after_a_bounded_number_of_waits():
    gateway = Gateway("http://gateway", sleep=lambda seconds: None)
    gateway.session = Answers(*[(429, "1")] * 20)
    try:
        gateway.post("/api/v1/interest", {})
    except DemoError as error:
        assert "429" in str(error)
    else:
        raise AssertionError("expected a DemoError")
    assert len(gateway.session.sent) == 9
