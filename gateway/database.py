"""The gateway's database role: the gateway writes its audit log through a role that may only INSERT and SELECT on
it (and what it needs on its idempotency keys), so that not even the gateway, nor whoever takes over its process,
can change or remove a row. Migrations run as the database's owner, another role (docs/security.md, "Audit log").

    GATEWAY_DB_USER, GATEWAY_DB_PASSWORD   the role's name and password; development defaults only under
                                           KONTAKT_ENV=development, otherwise missing ones stop the process
    GATEWAY_DATABASE_URL (or the template) where the database is, and its owner (used by migrations only)

`grant_writer(owner_url)` runs after the gateway's migrations (gateway/spec.py): it creates the role if it does not
exist, sets its password, and grants exactly the privileges below. `writer_url()` is what the gateway connects
with: the database's URL with the role's name and password instead of the owner's.
"""
from __future__ import annotations

import os
from urllib.parse import quote, urlsplit, urlunsplit

from services.common import config
from services.common.db import connect, psycopg

DEVELOPMENT_USER = "kontakt_gateway_writer"
DEVELOPMENT_PASSWORD = "kontakt-gateway-writer-development-only"
_ROLE_LOCK = 7_400_002  # taken in the server's maintenance database: roles belong to the whole server

# table: what the gateway may do on it. Every other table of its database (the kernel's, schema_migrations) it may
# not touch; a new table of the gateway's gets its row here.
PRIVILEGES = {
    "audit_log": ("SELECT", "INSERT"),  # never UPDATE, DELETE or TRUNCATE; and only the owner may ALTER it
    "idempotency_keys": ("SELECT", "INSERT", "UPDATE", "DELETE"),  # claimed, completed, released, purged
}


def writer_credentials() -> tuple[str, str]:
    """(role, password) the gateway writes with."""
    return (config.require_setting("GATEWAY_DB_USER", DEVELOPMENT_USER),
            config.require_secret("GATEWAY_DB_PASSWORD", DEVELOPMENT_PASSWORD))


def owner_url() -> str:
    return config.database_url("gateway")


def writer_url() -> str:
    """The gateway's database, as the writer role."""
    user, password = writer_credentials()
    parts = urlsplit(owner_url())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))


def grant_writer(url: str) -> None:
    """Make the writer role (once for the server), and grant it exactly PRIVILEGES in the database at `url`, which
    is the owner's: run after the migrations, each time they run."""
    user, password = writer_credentials()
    owner = urlsplit(url).username or ""
    if user == owner:
        raise RuntimeError("GATEWAY_DB_USER must not be the database's owner: the owner may alter the audit log")
    role = psycopg.sql.Identifier(user)
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))  # roles are the server's, not a database's
    with connect(maintenance, autocommit=True) as server, connect(url, autocommit=True) as conn:
        server.execute("SELECT pg_advisory_lock(%s)", (_ROLE_LOCK,))  # test runs (and deployments) may race here
        try:
            exists = server.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
            attributes = psycopg.sql.SQL(
                "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD {}"
            ).format(psycopg.sql.Literal(password))
            verb = "ALTER ROLE {} WITH " if exists else "CREATE ROLE {} WITH "
            server.execute(psycopg.sql.SQL(verb).format(role) + attributes)
            database = psycopg.sql.Identifier(urlsplit(url).path.lstrip("/"))
            with conn.transaction():
                conn.execute(psycopg.sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, role))
                conn.execute(psycopg.sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
                for table, privileges in PRIVILEGES.items():
                    conn.execute(psycopg.sql.SQL("REVOKE ALL ON {} FROM {}").format(
                        psycopg.sql.Identifier(table), role))
                    conn.execute(psycopg.sql.SQL("GRANT {} ON {} TO {}").format(
                        psycopg.sql.SQL(", ").join(map(psycopg.sql.SQL, privileges)), psycopg.sql.Identifier(table),
                        role))
        finally:
            server.execute("SELECT pg_advisory_unlock(%s)", (_ROLE_LOCK,))


def check_writer(conn) -> None:
    """Refuse to serve as a role that could rewrite the audit log: a superuser, or the table's owner."""
    try:
        superuser, owner = conn.execute(
            "SELECT rolsuper, pg_get_userbyid(c.relowner) = current_user FROM pg_roles r, pg_class c"
            " WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass").fetchone()
    except psycopg.errors.UndefinedTable:
        raise RuntimeError("the gateway's database is not migrated: run `python -m deploy.local.prepare`") from None
    if superuser or owner:
        raise RuntimeError("the gateway's database role may alter the audit log (a superuser or its owner): "
                           "set GATEWAY_DB_USER to the writer role (docs/security.md, \"Audit log\")")
