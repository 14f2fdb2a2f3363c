"""The audit rows of concurrent reads are written together, and no read returns before its rows are committed."""
from __future__ import annotations

import uuid

import eventlet
import pytest
from psycopg import OperationalError

from gateway.audit import READ, Access, Entry
from gateway.audit_writer import GroupAuditWriter
from gateway.spec import SPEC
from services.common import config
from services.common.roles import Caller
from services.common.db import connect, make_pool
from tests.conftest import prepare_database

ROUTE = "GET /api/v1/applicants/{applicant_id}"


@pytest.fixture
def writer(test_environment):
    prepare_database(SPEC)
    pool = make_pool(config.database_url(SPEC.name), max_size=2, autocommit=True)
    yield GroupAuditWriter(pool)
    pool.close()


def entry(request_id: str, subjects: int = 1) -> Entry:
    caller = Caller({"sub": "rekryterare-grupp", "roles": {"0180": ["recruiter"]}})
    return Entry(caller, ROUTE, request_id, [Access(READ, str(uuid.uuid4()), "0180") for _ in range(subjects)])


def committed(request_ids: list[str]) -> tuple[int, int]:
    """(rows, transactions) of these requests, as another connection sees them."""
    with connect(config.database_url(SPEC.name)) as conn:
        return conn.execute("SELECT count(*), count(DISTINCT xmin::text) FROM audit_log "
                            "WHERE request_id = ANY(%s::uuid[])", (request_ids,)).fetchone()


def test_concurrent_reads_are_audited_together_and_each_waits_for_its_rows(writer):
    # given 30 requests answered at the same time, one of them a page of 40 applicants
    request_ids = [str(uuid.uuid4()) for _ in range(30)]
    seen_on_return = {}

    def answer(index: int, request_id: str):
        writer.record(entry(request_id, subjects=40 if index == 7 else 1))
        seen_on_return[request_id] = committed([request_id])[0]  # when record returns, the rows are in

    pool = eventlet.GreenPool()
    for index, request_id in enumerate(request_ids):
        pool.spawn(answer, index, request_id)
    pool.waitall()
    # then every request found its own rows committed, all 69 rows are there, in far fewer transactions
    assert seen_on_return == {request_id: 40 if i == 7 else 1 for i, request_id in enumerate(request_ids)}
    rows, transactions = committed(request_ids)
    assert rows == 69 and transactions < 10


def test_when_the_audit_cannot_be_written_every_waiting_read_fails(writer):
    class Unreachable:
        def connection(self):
            raise OperationalError("connection refused")

    broken = GroupAuditWriter(Unreachable())
    outcomes = []

    def answer():
        try:
            broken.record(entry(str(uuid.uuid4())))
            outcomes.append("answered")
        except OperationalError:
            outcomes.append("refused")

    pool = eventlet.GreenPool()
    for _ in range(5):
        pool.spawn(answer)
    pool.waitall()
    assert outcomes == ["refused"] * 5
    # and the writer is ready again once the database is back
    request_id = str(uuid.uuid4())
    writer.record(entry(request_id))
    assert committed([request_id]) == (1, 1)
