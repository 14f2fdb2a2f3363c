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


def upsert(conn, table: str, key: tuple[str, ...], row: dict) -> None:
    """Insert `row` into `table`, or, when a row with the same `key` columns exists, set its other columns to
    these values. Table and column names come from the read models' code, never from input."""
    columns = ", ".join(row)
    values = ", ".join(["%s"] * len(row))
    updates = ", ".join(f"{name} = excluded.{name}" for name in row if name not in key)
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({values}) "
                 f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}", tuple(row.values()))
