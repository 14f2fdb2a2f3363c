"""The audit log is append-only against its own writer: the gateway connects as a role that may only INSERT and
SELECT on it, and the migrations, run as the database's owner, gave it no more (gateway/database.py)."""
from __future__ import annotations

import uuid

import pytest

from gateway.database import writer_url
from gateway.service import GatewayService, GatewayDatabase
from gateway.spec import SPEC
from services.common import config
from services.common.db import connect, psycopg

from gateway_testing import _GATEWAYS, Client, token

REFUSED = [
    "UPDATE audit_log SET actor = 'someone-else'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_no_update_or_delete ON audit_log",
    "ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check",
    "DROP TABLE audit_log",
    "SET session_replication_role = replica",  # would skip every trigger
    "CREATE TABLE audit_log_copy AS SELECT * FROM audit_log",
    "SELECT * FROM schema_migrations",  # nor any other table of its database but its own two
]


def audited_read(gateway: str) -> str:
    """One read written to the audit log by the gateway; its subject."""
    subject = str(uuid.uuid4())
    assert Client(gateway, token("auditor")).get("/api/v1/audit", params={"subject": subject}).status_code == 200
    return subject


@pytest.mark.parametrize("statement", REFUSED)
def test_the_gateways_database_role_cannot_change_remove_or_unguard_the_audit_log(gateway, statement):
    # given a row the gateway wrote
    subject = audited_read(gateway)
    # when someone holding the gateway's own database credentials tries to change, remove or unguard it
    with connect(writer_url()) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    # then the row is still there, as it was
    with connect(config.database_url(SPEC.name)) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE subject = %s", (subject,)).fetchone() == (1,)


def test_the_gateways_database_role_may_append_and_read_and_nothing_else(gateway):
    with connect(writer_url()) as conn:
        conn.execute("INSERT INTO audit_log (actor, roles, municipality, caller_municipalities, action, route,"
                     " request_id) VALUES ('x', '{}', '2521', '{2521}', 'read', 'GET /x', gen_random_uuid())")
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 1
        superuser, create = conn.execute("SELECT rolsuper, rolcreaterole OR rolcreatedb FROM pg_roles"
                                         " WHERE rolname = current_user").fetchone()
    assert (superuser, create) == (False, False)


def test_a_new_row_must_name_its_municipality(gateway):
    with connect(writer_url()) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO audit_log (actor, roles, caller_municipalities, action, route, request_id)"
                         " VALUES ('x', '{}', '{2521}', 'read', 'GET /x', gen_random_uuid())")


def test_the_running_gateway_connects_as_that_role_not_as_the_owner(gateway):
    # given the gateway running (its migrations were run as the owner, by the tests' database preparation)
    [database] = [d for d in _GATEWAYS[gateway].dependencies if isinstance(d, GatewayDatabase)]
    owner = connect(config.database_url(SPEC.name))
    # then its connections are the writer role's, which owns nothing in the database
    with database.connection() as conn, owner:
        user = conn.execute("SELECT current_user").fetchone()[0]
        table_owner = owner.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'audit_log'"
                                    ).fetchone()[0]
    assert user != table_owner and user == writer_url().split("//")[1].split(":")[0]
    assert GatewayService.db.__class__ is GatewayDatabase
