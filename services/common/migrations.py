"""Per-service database migrations: the kernel's tables first, then the service's own, each applied once.

Migrations are plain SQL files named `NNNN_what.sql`, applied in name order inside one transaction each and
recorded in `schema_migrations`. An advisory lock keeps two processes starting at once from applying one twice.
"""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .db import connect, psycopg

KERNEL_MIGRATIONS = Path(__file__).parent / "sql"
_LOCK = 7_400_001  # any constant; only migrations take it

log = logging.getLogger(__name__)


def _on_server(url: str) -> tuple[str, str]:
    """(the server's maintenance database, the database name) of `url`: databases are created and dropped from
    another database than themselves."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def create_database(url: str) -> bool:
    """Create the database `url` names, if it does not exist. Returns whether it was created."""
    admin_url, name = _on_server(url)
    with connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        try:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:  # another process won the race
            return False
        return True


def drop_database(url: str) -> None:
    admin_url, name = _on_server(url)
    with connect(admin_url, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name)))


def migrate(url: str, service_migrations: Path | None = None) -> list[str]:
    """Apply what is not yet applied; returns the names applied now."""
    files = sorted(KERNEL_MIGRATIONS.glob("*.sql"))
    if service_migrations is not None:
        files += sorted(Path(service_migrations).glob("*.sql"))
    applied_now = []
    with connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
        try:
            conn.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                                name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())""")
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            for path in files:
                name = ("kernel/" if path.parent == KERNEL_MIGRATIONS else "service/") + path.name
                if name in done:
                    continue
                with conn.transaction():
                    conn.execute(path.read_text())
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                log.info("applied migration %s", name)
                applied_now.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))
    return applied_now
