"""What every service must do, asked of each of the four after one season in the town (cases.py): publish only
events it declares, rebuild its read tables to the same rows, show a personnummer in a list only masked, and
refuse a caller of another municipality."""
from __future__ import annotations

import json
import re

import pytest
from marshmallow import ValidationError

from services.common.problems import ServiceProblem
from services.common.projections import rebuild

from .cases import CASES
from .published import declared_events
from .town import SERVICES

MASKED = re.compile(r"^\d{8}-\*{4}$")  # "YYYYMMDD-****": the one way a personnummer is shown masked


@pytest.mark.parametrize("service", SERVICES)
def test_every_event_a_service_publishes_is_declared_with_its_schema_version(town, season, service):
    # given what the service published during the season
    with town.kernels[service].connection() as conn:
        published = [row[0] for row in conn.execute("SELECT body FROM outbox ORDER BY id")]
    assert published, f"{service} published nothing in the season"
    # then each event's type is declared in its events.py, with the version it went out with, and its data loads
    declared, wrong = declared_events(service), []
    for body in published:
        event_type = body["event_type"]
        if event_type not in declared:
            wrong.append(f"{event_type}: not declared")
            continue
        version, schema = declared[event_type]
        if body["schema_version"] != version:
            wrong.append(f"{event_type}: published as version {body['schema_version']}, declared {version}")
        try:
            schema().load(body["data"])
        except ValidationError as error:
            wrong.append(f"{event_type}: its data does not load: {sorted(error.messages)}")
    assert sorted(set(wrong)) == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_read_tables_rebuild_to_the_same_rows(town, season, service):
    # given the service's read tables after the season
    kernel, renumbered = town.kernels[service], CASES[service].renumbered
    before = read_tables(kernel, renumbered)
    assert any(before.values()), f"{service}'s read tables are empty"
    # when they are rebuilt from its events and its inbox
    with kernel.connection() as conn:
        replayed = rebuild(conn, kernel.spec.projections, progress=False)
    # then they hold the same rows
    assert replayed > 0
    assert read_tables(kernel, renumbered) == before


@pytest.mark.parametrize("service", SERVICES)
def test_a_personnummer_is_shown_in_lists_only_masked(town, season, service):
    # given the season's people: the volunteer and the child
    case, shown_masked = CASES[service], []
    # when staff of their municipality read every list of people the service answers
    for name, answer in case.lists(town, season):
        answered = answer()
        text = json.dumps(answered, default=str)
        # then no number is there in full, in any spelling, and every personnummer shown is masked one way
        for number in season.numbers:
            assert not [spelling for spelling in spellings(number) if spelling in text], f"{name} shows {number}"
        for value in personnummer_values(answered):
            assert MASKED.match(value), f"{name} shows a personnummer as {value!r}"
            shown_masked.append(name)
    assert sorted(set(shown_masked)) == sorted(case.masked_in)


@pytest.mark.parametrize("service", SERVICES)
def test_a_caller_of_another_municipality_is_refused_and_changes_nothing(town, season, service):
    # given a caller of Göteborg with every role, and what the service holds of Stockholm
    before = event_count(town.kernels[service])
    # when they read and write Stockholm's resources
    answered = {}
    for name, call in CASES[service].foreign_calls(town, season):
        try:
            call()
            answered[name] = "answered"
        except ServiceProblem as problem:
            if problem.kind != "not_found":
                answered[name] = problem.kind
    # then each is "not found" (that it exists does not leak), and nothing was appended
    assert answered == {}
    assert event_count(town.kernels[service]) == before


def read_tables(kernel, renumbered: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Every row of the service's read tables, but the columns a rebuild renumbers, in a stable order."""
    tables = {}
    with kernel.connection() as conn:
        for projection in kernel.spec.projections:
            for table in projection.tables:
                cursor = conn.execute(f"SELECT * FROM {table}")
                columns = [column.name for column in cursor.description]
                kept = [i for i, name in enumerate(columns) if name not in renumbered.get(table, ())]
                tables[table] = sorted(repr([row[i] for i in kept]) for row in cursor.fetchall())
    return tables


def event_count(kernel) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def spellings(number: str) -> set[str]:
    """A personnummer as it may be written: with or without the century, with or without the hyphen."""
    digits = number.replace("-", "")
    return {digits, f"{digits[:8]}-{digits[8:]}", digits[2:], f"{digits[2:8]}-{digits[8:]}"}


def personnummer_values(answer) -> list[str]:
    """The text of every field named for a personnummer, anywhere in an answer."""
    if isinstance(answer, dict):
        return [value for key, item in answer.items()
                for value in ([item] if "personnummer" in key and isinstance(item, str) else personnummer_values(item))]
    if isinstance(answer, list):
        return [value for item in answer for value in personnummer_values(item)]
    return []
