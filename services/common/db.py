"""psycopg, set up to cooperate with eventlet when the process runs under nameko.

psycopg 3's C wait function blocks the whole eventlet hub: five concurrent 0.2 s queries took 1.05 s (see
docs/kernel.md). The pure-Python `wait_select` yields. The choice is read when psycopg is imported, so this
module must be imported before anything imports psycopg; nameko entry points and the root conftest.py do that.
"""
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
from psycopg_pool import ConnectionPool  # noqa: E402

__all__ = ["psycopg", "dict_row", "connect", "make_pool", "assert_cooperative_wait"]


def assert_cooperative_wait() -> None:
    """Refuse to run a nameko service whose database waits would block every other greenthread."""
    if _eventlet_patched() and psycopg.waiting.wait.__name__ == "wait_c":
        raise RuntimeError(
            "psycopg was imported before services.common.db under eventlet: set PSYCOPG_WAIT_FUNC=wait_select")


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def make_pool(url: str, *, min_size: int = 1, max_size: int = 10, name: str | None = None,
              autocommit: bool = False) -> ConnectionPool:
    """`autocommit` for one-statement writes: each commits alone, without a BEGIN and a COMMIT round trip."""
    pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=False, name=name,
                          kwargs={"autocommit": True} if autocommit else None)
    pool.open(wait=True, timeout=30)
    return pool
