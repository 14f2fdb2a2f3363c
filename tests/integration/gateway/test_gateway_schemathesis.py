"""schemathesis against the gateway's own /openapi.json: requests generated from the document (valid and invalid),
sent with a recruiter's token to the gateway in-process over the real applicants and registry_checks services.
No answer may be a 5xx, and every answer must match the document: a status code it lists for the operation (its
catch-all `default` does not count), the content type, the schema of the body and the headers.

Bounded: 50 examples per operation (12 before issue 10). Measured for the whole module on the 2-core machine, idle
(load 0.1-3): 12 examples 37 s, 25 examples 39 s, 50 examples 75 s, 100 examples 93 s, every run without a 5xx.
KONTAKT_SCHEMATHESIS_EXAMPLES sets more for a deeper run by hand.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from gateway import openapi
from gateway.service import ROUTES

from gateway_testing import running_recruitment, token

STOCKHOLM = "0180"
MAX_EXAMPLES = int(os.environ.get("KONTAKT_SCHEMATHESIS_EXAMPLES", "50"))  # more for a deeper run by hand


@schemathesis.check
def status_code_listed(ctx, response, case):
    """The status code is one the operation lists itself: `default` documents no status code."""
    if case.method.upper() != case.operation.method.upper():
        return None  # a probe with a method the path does not take: 405, which no operation lists
    listed = {code for code in case.operation.definition.raw.get("responses", {}) if code != "default"}
    if str(response.status_code) not in listed:
        raise AssertionError(f"Undocumented status code: {response.status_code} is not among the codes "
                             f"{case.operation.label} lists: {sorted(listed)}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, status_code_listed, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture(scope="module")
def served(test_environment):
    """The gateway over the real services, in this process: its base URL."""
    with running_recruitment(GATEWAY_INTEREST_BURST=10_000) as base:
        yield base


# The document the gateway serves at /openapi.json is generated from the route table when asked; schemathesis
# reads it here at collection (its lazy fixture loader does not work with pytest 9), and the first test below
# proves that the gateway serves exactly this document.
DOCUMENT = json.loads(json.dumps(openapi.document(ROUTES)))
schema = schemathesis.openapi.from_dict(DOCUMENT)
# A recruiter who is also the auditor, so that the audit log's route is exercised beyond its 403.
RECRUITER = {"Authorization": "Bearer " + token("recruiter", "auditor", municipalities=[STOCKHOLM], sub="schemathesis")}


def test_the_document_tested_is_the_one_served(served):
    answer = requests.get(f"{served}/openapi.json", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == DOCUMENT
    assert len(list(schema.get_all_operations())) == sum(1 for route in ROUTES if route.documented)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_answer_matches_the_document(case, served):
    case.call_and_validate(base_url=served, headers=RECRUITER, checks=CHECKS, timeout=30)


# --- what schemathesis found, kept as plain examples ----------------------------------------------------------

def test_a_page_beyond_any_offset_is_invalid_not_a_server_error(served):
    answer = requests.get(f"{served}/api/v1/applicants", params={"page": 10 ** 30}, headers=RECRUITER, timeout=10)
    assert answer.status_code == 400, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["page"]


def test_text_with_a_nul_character_is_refused_not_a_server_error(served):
    """PostgreSQL text cannot hold U+0000: a body or query naming it is a 400 naming the field, an id a 404."""
    applicant = f"{served}/api/v1/applicants/{uuid.uuid4()}"
    for method, url, body, params, status, fields in (
            ("GET", f"{served}/api/v1/applicants", None, {"q": "Ann\x00a"}, 400, ["q"]),
            ("GET", f"{served}/api/v1/audit", None, {"subject": "x\x00"}, 400, ["subject"]),
            ("POST", f"{applicant}/interviews", {"interviewed_on": "2024-05-02", "interviewer": "Rut\x00"}, None,
             400, ["interviewer"]),
            ("POST", f"{applicant}/references", {"kind": "private", "name": "Vän", "contact": ["08\x00"],
                                                 "outcome": "positive"}, None, 400, ["contact[0]"]),
            ("POST", f"{served}/api/v1/checks/check-%00/result", {"outcome": "clear", "completed_on": "2024-05-02"},
             None, 404, [])):
        answer = requests.request(method, url, json=body, params=params, headers=RECRUITER, timeout=10)
        assert answer.status_code == status, (url, answer.text)
        assert [error["field"] for error in answer.json()["errors"]] == fields
