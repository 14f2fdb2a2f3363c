"""The route table, read without running anything: its paths name their parameters for what they hold, each
handler takes exactly its path's parameters, the document describes them, and the gateway reaches the services
only through their contract modules."""
import ast
import inspect
import re
import uuid
from pathlib import Path

import pytest

from gateway import openapi
from gateway.service import ROUTES
from gateway.web import NOT_IDS, PATH_IDS, canonical_id

GATEWAY = Path(__file__).resolve().parents[3] / "gateway"


def parameters(route) -> list[str]:
    return re.findall(r"{(\w+)}", route.path)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.template)
def test_a_handler_takes_exactly_the_parameters_its_path_names(route):
    # given a row of the table
    # then its handler takes the call and the path's parameters by the path's names, nothing else
    taken = list(inspect.signature(route.handler).parameters)
    assert taken == ["call", *parameters(route)]


def test_every_path_parameter_is_named_for_what_it_holds_and_documented():
    # given every parameter name the table's paths use
    names = {name for route in ROUTES for name in parameters(route)}
    # then each is one the document describes (no bare {id}, {m} or {k})
    assert names <= set(openapi.PATH_PARAMETERS)
    assert not names & {"id", "m", "k"}
    # and the document gives each path parameter its description
    document = openapi.document(ROUTES)
    described = {(p["name"], p["description"]) for operations in document["paths"].values()
                 for operation in operations.values() for p in operation.get("parameters", ()) if p["in"] == "path"}
    documented = {name for route in ROUTES if route.documented for name in parameters(route)}
    assert described == {(name, openapi.PATH_PARAMETERS[name]) for name in documented}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_the_gateway_imports_only_the_services_contracts_and_the_common_kernel():
    # given every module of the gateway
    imports = {str(path.relative_to(GATEWAY)): imported_modules(path) for path in GATEWAY.rglob("*.py")}
    # then what it imports of services is services.common or a service's contract module, nothing else
    allowed = re.compile(r"^services\.(common|\w+\.contract)(\.|$)")
    foreign = {(module, name) for module, names in imports.items() for name in names
               if name.startswith("services.") and not allowed.match(name)}
    assert foreign == set()


def test_every_path_parameter_is_declared_an_id_of_a_kind_or_none():
    # given every parameter name the table's paths use
    names = {name for route in ROUTES for name in route.parameters}
    # then each is spelt the one way at the edge (an id of a kind) or is declared to name no stream
    assert names <= set(PATH_IDS) | set(NOT_IDS)
    assert not set(PATH_IDS) & set(NOT_IDS)


@pytest.mark.parametrize("name,kind,canonical", [
    ("applicant_id", "applicant", "{key}"), ("volunteer_id", "applicant", "{key}"), ("check_id", "check", "{key}"),
    ("need_id", "need", "need-{key}"), ("assignment_id", "assignment", "assignment-{key}")])
def test_every_spelling_of_an_id_in_a_path_becomes_its_one_spelling(name, kind, canonical):
    key = str(uuid.uuid4())
    for spelling in (key, key.upper(), key.replace("-", ""), "{" + key + "}", f"urn:uuid:{key}", f"{kind}-{key}",
                     f"{kind.upper()}-{key.upper()}"):
        assert canonical_id(name, spelling) == canonical.format(key=key), spelling
    assert canonical_id(name, "not-an-id") is None
