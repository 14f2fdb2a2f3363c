"""The public intresseanmälan form (no token, consent, rate limit), the OpenAPI document and its page, health
and metrics."""
from __future__ import annotations

import re
import uuid

import pytest

from gateway.service import ROUTES

from gateway_testing import HOME, Client, assert_problem, running_gateway


def interest(**changes) -> dict:
    return {"municipality": HOME, "given_name": "Eva", "family_name": f"Test{uuid.uuid4().hex[:8]}",
            "roles": ["kontaktperson"], "consents": {"personal_data": True, "regional_pool": False}, **changes}


# --- the public form ---------------------------------------------------------------------------------------------

def test_an_intresseanmalan_is_accepted_with_a_reference_only(gateway, stand_ins):
    response = Client(gateway).post("/api/v1/interest", interest())
    assert response.status_code == 202
    assert list(response.json()) == ["reference"] and response.json()["reference"].startswith("KP-")


@pytest.mark.parametrize("consents", [None, {"personal_data": False}, {"personal_data": "yes"}])
def test_an_intresseanmalan_without_consent_is_refused_before_any_service_is_asked(gateway, stand_ins, consents):
    body = interest(consents=consents)
    problem = assert_problem(Client(gateway).post("/api/v1/interest", body), 422, "command-refused")
    assert problem["errors"] == [{"field": "consents.personal_data", "code": "consent_required",
                                  "message": "consent to the processing of personal data is required"}]
    assert not [b for (b,), _ in stand_ins.called("register") if b["family_name"] == body["family_name"]]


def test_the_public_form_is_rate_limited_per_address(stand_ins):
    # given a gateway whose form takes a burst of 2 and then one a minute
    with running_gateway(GATEWAY_INTEREST_BURST=2, GATEWAY_INTEREST_PER_MINUTE=1) as base:
        client = Client(base)
        # when one address sends three at once
        answers = [client.post("/api/v1/interest", interest()) for _ in range(3)]
        # then the third is 429 with when to try again, and was not registered
        assert [a.status_code for a in answers[:2]] == [202, 202]
        assert_problem(answers[2], 429, "rate-limited")
        assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
        # and the routes of signed-in users are not limited
        assert all(client.get("/health").status_code == 200 for _ in range(3))


# --- the document and its page -----------------------------------------------------------------------------------

def test_the_openapi_document_is_valid_and_describes_every_route(gateway):
    document = Client(gateway).get("/openapi.json").json()
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert documented == {(r.method, r.path) for r in ROUTES if r.documented}
    assert document["paths"]["/api/v1/interest"]["post"]["security"] == []
    assert document["paths"]["/api/v1/applicants"]["get"]["security"] == [{"bearer": []}]

    import openapi_spec_validator
    openapi_spec_validator.validate(document)


def test_the_document_describes_bodies_with_the_services_own_schemas(gateway):
    document = Client(gateway).get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    body = document["paths"]["/api/v1/applicants/{applicant_id}/interviews"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RecordInterviewBody"}
    assert set(schemas["RecordInterviewBody"]["required"]) == {"interviewed_on", "interviewer"}
    registration = schemas["RegistrationBody"]
    assert {"municipality", "personnummer", "consents"} <= set(registration["required"])
    assert "ManualResult" in schemas
    # query parameters come from the gateway's query schemas
    names = {p["name"] for p in document["paths"]["/api/v1/audit"]["get"]["parameters"]}
    assert names == {"subject", "actor", "from", "to", "limit"}


def properties_and_parameters(node, path="#"):
    """(where, the schema or parameter) of every property and every parameter anywhere in the document."""
    if isinstance(node, dict):
        for name, value in (node.get("properties") or {}).items():
            yield f"{path}/properties/{name}", value
        for parameter in node.get("parameters") or ():
            yield f"{path}/parameters/{parameter.get('name')}", parameter
        for key, value in node.items():
            yield from properties_and_parameters(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from properties_and_parameters(value, f"{path}/{i}")


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_property_and_parameter_of_the_document_is_described_and_every_ref_resolves(gateway):
    # given the document a client developer reads
    document = Client(gateway).get("/openapi.json").json()
    # then every property of every schema and every parameter says what it is
    undescribed = sorted(where for where, item in properties_and_parameters(document)
                         if not (item.get("description") or "").strip())
    assert undescribed == []
    # and every $ref points at a schema the document holds
    for ref in set(refs(document)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in document["components"]["schemas"]
    # among them the plan's parts, which the old page showed as bare names
    assert {"ArvodeBody", "OmkostnadBody", "AddressBody"} <= set(document["components"]["schemas"])


def test_the_docs_are_the_pinned_viewer_served_from_the_gateways_own_origin_over_the_document(gateway):
    from swagger_ui_bundle import swagger_ui_path
    client = Client(gateway)
    # when a developer opens /docs
    response = client.get("/docs")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    # then its scripts and style come from the gateway itself, nothing from elsewhere
    assert "http://" not in page and "https://" not in page
    loaded = re.findall(r"(?:src|href)='([^']+)'", page)
    assert set(loaded) == {"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/kontakt-docs.js"}
    # and they are the installed package's files, as they are
    for name in ("swagger-ui.css", "swagger-ui-bundle.js"):
        asset = client.get(f"/docs/{name}")
        assert asset.status_code == 200 and asset.content == (swagger_ui_path / name).read_bytes()
    start = client.get("/docs/kontakt-docs.js")
    assert start.headers["Content-Type"].startswith("application/javascript") and "'/openapi.json'" in start.text
    # and nothing else of the file system is served
    for name in ("index.j2", "..%2Fopenapi.py", "%2e%2e", "nothing.js"):
        assert client.get(f"/docs/{name}").status_code == 404
    # and every problem type a problem's `type` points at is on the page
    assert "id='not-found'" in page and "id='command-refused'" in page


# --- operations --------------------------------------------------------------------------------------------------

def test_health_reports_the_database_the_broker_and_the_mode(gateway):
    response = Client(gateway).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "mode": "development"}


def test_metrics_count_requests_by_route_and_status(gateway):
    client = Client(gateway)
    client.get("/health")
    client.get("/api/v1/applicants")  # 401
    text = client.get("/metrics").text
    assert re.search(r'kontakt_gateway_requests_total\{method="GET",route="/health",status="200"\} [1-9]', text)
    assert re.search(r'kontakt_gateway_requests_total\{method="GET",route="/api/v1/applicants",status="401"\} '
                     r'[1-9]', text)
    assert 'kontakt_gateway_request_seconds_bucket{le="0.005",method="GET",route="/health",status="200"}' in text
