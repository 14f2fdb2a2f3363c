"""Input that once crashed the gateway or the services behind it, sent through the gateway to the real applicants
and registry_checks services: each is a 400 naming the field, nothing is stored, and no log line carries the
personnummer or a traceback."""
from __future__ import annotations

import json
import logging
import random
import string
import uuid

import pytest
import requests

from tests.people import a_personnummer

from gateway_testing import Client, assert_problem, running_recruitment, token

STOCKHOLM = "0180"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture(scope="module")
def system(test_environment):
    with running_recruitment(GATEWAY_INTEREST_BURST=10_000) as base:
        yield base


@pytest.fixture
def recruiter(system) -> Client:
    return Client(system, token("recruiter", municipalities=[STOCKHOLM]))


def intresseanmalan(**overrides) -> dict:
    body = {"municipality": STOCKHOLM, "roles": ["kontaktperson"], "given_name": "Anna",
            "family_name": "Indata" + "".join(random.choices(string.ascii_lowercase, k=10)),
            "personnummer": a_personnummer(),
            "contact": {"email": "anna@example.se", "phone": "070-123 45 67",
                        "address": {"street": "Storgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
            "availability": {"weekends": True}, "consents": {"personal_data": True}}
    return {**body, **overrides}


def raw_post(system, path: str, data: str, headers: dict | None = None) -> requests.Response:
    return requests.post(system + path, data=data.encode(), timeout=30,
                         headers={"Content-Type": "application/json", **(headers or {})})


def stored(recruiter: Client, body: dict) -> list[dict]:
    answer = recruiter.get("/api/v1/applicants", params={"q": body["family_name"]})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def fields_of(answer) -> list[str]:
    return [error["field"] for error in assert_problem(answer, 400, "invalid-request")["errors"]]


def no_trace_of(caplog, body: dict) -> None:
    """Nothing logged names the person, and nothing logged a traceback."""
    for record in caplog.records:
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        assert body["personnummer"] not in text and body["personnummer"].replace("-", "") not in text, text
        assert record.exc_info is None, text[-2000:]


@pytest.mark.parametrize("path, field, value", [
    (("given_name",), "given_name", "Ann\ud800a"),
    (("contact", "address", "city"), "contact.address.city", "Stock\udfffholm"),
    (("roles",), "roles[0]", ["kontakt\ud83dperson"]),
], ids=["given_name", "contact.address.city", "roles[0]"])
def test_a_lone_surrogate_in_any_text_field_is_a_400_naming_the_field_and_nothing_is_stored(
        system, recruiter, caplog, path, field, value):
    # given an intresseanmälan with a lone surrogate (half of a UTF-16 pair, which UTF-8 cannot encode) in a field
    body = intresseanmalan()
    target = body
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    caplog.set_level(logging.INFO)
    # when a recruiter keys it in, and when the public form sends it
    for answer in (recruiter.post("/api/v1/applicants", body), Client(system).post("/api/v1/interest", body)):
        # then it is refused, naming the field
        assert fields_of(answer) == [field]
    # and nothing is stored, nothing logged names the person
    assert stored(recruiter, body) == []
    no_trace_of(caplog, body)


def test_a_lone_surrogate_in_a_key_is_refused_and_the_answer_can_be_encoded(system, recruiter):
    body = intresseanmalan(contact={"email": "anna@example.se", "\udc00x": "1"})
    assert fields_of(recruiter.post("/api/v1/applicants", body)) == ["contact"]
    assert stored(recruiter, body) == []


@pytest.mark.parametrize("depth", [40, 100_000])
def test_json_nested_too_deep_is_a_400_naming_the_field_before_anything_acts(system, recruiter, caplog, depth):
    # given a body whose contact nests `depth` levels (past Python's recursion limit for the deeper one)
    body = intresseanmalan()
    text = json.dumps({**body, "contact": "DEEP"}).replace('"DEEP"', "[" * depth + "]" * depth)
    caplog.set_level(logging.INFO)
    # when it is posted, with and without an Idempotency-Key, to the form and to a command on an id
    for answer in (raw_post(system, "/api/v1/applicants", text, recruiter.session.headers),
                   raw_post(system, "/api/v1/applicants", text, {**recruiter.session.headers,
                                                                  "Idempotency-Key": str(uuid.uuid4())}),
                   raw_post(system, "/api/v1/interest", text)):
        # then it is refused, naming the top-level field under which it nests (or the body, when the parser gave
        # up), with no traceback in the log
        problem = assert_problem(answer, 400, "invalid-request")
        assert [(e["field"], e["code"]) for e in problem["errors"]] in ([("contact", "too_deep")],
                                                                        [("_schema", "too_deep")])
    assert stored(recruiter, body) == []
    no_trace_of(caplog, body)


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_a_personnummer_of_non_ascii_digits_is_a_400_naming_it_and_nothing_is_stored(system, recruiter, digits):
    # given a valid personnummer written in other digits, which str.isdigit() and \d take for digits
    body = intresseanmalan()
    body["personnummer"] = body["personnummer"].translate(digits)
    # when a recruiter keys it in
    answer = recruiter.post("/api/v1/applicants", body)
    # then it is refused, naming the field, and nothing is stored
    assert fields_of(answer) == ["personnummer"]
    assert stored(recruiter, body) == []
