"""A query's rows as dicts, for the read models' queries."""
from __future__ import annotations

from typing import Iterable

from psycopg.rows import dict_row


def rows(conn, query: str, params: Iterable = ()) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, tuple(params)).fetchall()


def row(conn, query: str, params: Iterable = ()) -> dict | None:
    found = rows(conn, query, params)
    return found[0] if found else None
