"""psycopg, set up to cooperate with eventlet when the process runs under nameko.

psycopg 3's C wait function blocks the whole eventlet hub: five concurrent 0.2 s queries took 1.05 s (see
docs/kernel.md). The pure-Python `wait_select` yields. The choice is read when psycopg is imported, so this
module must be imported before anything imports psycopg; nameko entry points and the root conftest.py do that.
"""
import math
import os
import sys


def _eventlet_patched() -> bool:
    eventlet = sys.modules.get("eventlet")
    return bool(eventlet) and eventlet.patcher.is_monkey_patched("socket")


if _eventlet_patched():
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import psycopg  # noqa: E402
import psycopg.waiting  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402
from psycopg_pool import ConnectionPool  # noqa: E402

from . import config  # noqa: E402

__all__ = ["psycopg", "dict_row", "connect", "make_pool", "assert_cooperative_wait"]

# How long a pool retries on its own (after 0, 1, 2... s) to replace a lost connection. Then it stops, and the next
# request that needs a connection tries at once: so the first request after the database is back connects, instead
# of waiting out a delay that doubled for as long as the outage lasted (psycopg_pool's default tries for 5 minutes).
RECONNECT_WINDOW = 5.0


def assert_cooperative_wait() -> None:
    """Refuse to run a nameko service whose database waits would block every other greenthread."""
    if _eventlet_patched() and psycopg.waiting.wait.__name__ == "wait_c":
        raise RuntimeError(
            "psycopg was imported before services.common.db under eventlet: set PSYCOPG_WAIT_FUNC=wait_select")


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def make_pool(url: str, *, min_size: int = 1, max_size: int = 10, name: str | None = None,
              autocommit: bool = False, statement_timeout: float | None = None) -> ConnectionPool:
    """`autocommit` for one-statement writes: each commits alone, without a BEGIN and a COMMIT round trip.

    Every pool has a connect timeout, a statement timeout (`statement_timeout` seconds, else
    KONTAKT_DB_STATEMENT_TIMEOUT; 0: none) and a limit on the wait for a free connection, so that a database that
    is gone or stuck is an error within seconds, not a request that hangs. A connection the server has closed
    while it sat in the pool (a restart, a failover) is found when it is taken, and never handed out."""
    statement = config.db_statement_timeout() if statement_timeout is None else statement_timeout
    kwargs: dict = {"connect_timeout": max(2, math.ceil(config.db_connect_timeout())),
                    "options": _with_statement_timeout(url, statement)}
    if autocommit:
        kwargs["autocommit"] = True
    pool: ConnectionPool | None = None

    def check(conn: psycopg.Connection) -> None:
        if _closed_by_server(conn):
            # The server restarted or failed over: the pool's other idle connections are most likely closed too.
            # Check them all now, so that the requests after this one do not each meet a dead connection (the
            # pool waits 1 s, 2 s, 4 s... between two failed checks of one request).
            pool.check()
            raise psycopg.OperationalError("the server closed this pooled connection")

    pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=False, name=name, kwargs=kwargs,
                          check=check, timeout=config.db_pool_timeout(), reconnect_timeout=RECONNECT_WINDOW)
    pool.open(wait=True, timeout=30)
    return pool


def _with_statement_timeout(url: str, seconds: float) -> str:
    """The connection's `options` (those of the URL kept) with the statement timeout in milliseconds."""
    options = conninfo_to_dict(url).get("options") or ""
    return f"{options} -c statement_timeout={int(seconds * 1000)}".strip()


def _closed_by_server(conn: psycopg.Connection) -> bool:
    """Whether the server has closed this idle connection. libpq reads what has arrived without waiting: the
    server's goodbye on the first read, the end of the stream on the next. A live connection has sent nothing, so
    this costs no round trip (psycopg_pool's own check_connection costs one on every checkout)."""
    if conn.closed or conn.broken:
        return True
    try:
        for _ in range(3):
            conn.pgconn.consume_input()
    except psycopg.OperationalError:
        return True
    return False
