"""Writing a read model's rows: the INSERT its projections share (services.common.projections.update_row is the
UPDATE). Table and column names come from the projection's code, never from input."""
from __future__ import annotations


def insert_row(conn, table: str, columns: dict, *, on_conflict: str = "") -> None:
    """Insert one row of `columns` (name: value); `on_conflict`, e.g. "ON CONFLICT DO NOTHING", ends the
    statement."""
    names = ", ".join(columns)
    values = ", ".join(["%s"] * len(columns))
    conn.execute(f"INSERT INTO {table} ({names}) VALUES ({values}) {on_conflict}".rstrip(), tuple(columns.values()))
