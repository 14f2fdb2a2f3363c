"""Each volunteer's tax details in each municipality (TaxDetailsChanged), and every change with who and why.

Personal data: the personnummer is read whole only by `payroll_personnummer` (the payroll file); every other
answer masks it and the bank account.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from psycopg.types.json import Jsonb

from services.common.envelope import Event
from services.common.identity import mask_personnummer
from services.common.projections import Projection
from services.common.rows import json_row

from ..domain.tax import TAX_TABLES_NOT_SUPPORTED, WITHHOLDING_BASES, TaxProfile
from ..domain.tax_details import mask_account
from .query import row, rows, upsert


class TaxDetails(Projection):
    tables = ("pay_tax_details", "pay_tax_details_changes")

    def on_TaxDetailsChanged(self, conn, event: Event) -> None:
        d = event.data
        upsert(conn, "pay_tax_details", ("municipality", "volunteer_id"), {
            "municipality": d["municipality"], "volunteer_id": d["volunteer_id"], "personnummer": d["personnummer"],
            "birth_date": d["birth_date"], "withholding_basis": d["withholding_basis"],
            "withholding_percent": d["withholding_percent"],
            "bank_account": None if d.get("bank_account") is None else Jsonb(d["bank_account"]),
            "changed_by": d["changed_by"], "changed_at": event.recorded_at})
        conn.execute(
            "INSERT INTO pay_tax_details_changes (event_id, municipality, volunteer_id, changed_fields, reason, "
            "changed_by, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (str(event.event_id), d["municipality"], d["volunteer_id"], d["changed_fields"], d["reason"],
             d["changed_by"], event.recorded_at))


def tax_details(conn, municipality: str, volunteer_id: str) -> dict | None:
    """What finance sees: the basis, the personnummer and account masked, and the changes."""
    found = row(conn, "SELECT * FROM pay_tax_details WHERE municipality = %s AND volunteer_id = %s",
                (municipality, volunteer_id))
    if found is None:
        return None
    changes = rows(conn, "SELECT changed_fields, reason, changed_by, changed_at FROM pay_tax_details_changes "
                         "WHERE municipality = %s AND volunteer_id = %s ORDER BY changed_at",
                   (municipality, volunteer_id))
    return {"municipality": municipality, "volunteer_id": volunteer_id,
            "personnummer": mask_personnummer(found["personnummer"]),
            "withholding_basis": found["withholding_basis"], "withholding_percent": found["withholding_percent"],
            "withholding_bases": list(WITHHOLDING_BASES), "tax_table": TAX_TABLES_NOT_SUPPORTED,
            "withholding_basis_supported": found["withholding_basis"] in WITHHOLDING_BASES,
            "bank_account": mask_account(found["bank_account"]),
            "changes": [json_row(change) for change in changes]}


def tax_profiles(conn, municipality: str, volunteer_ids: Iterable[str]) -> dict[str, TaxProfile]:
    """What a calculation needs of each volunteer: the birth date and the withholding basis."""
    found = conn.execute("SELECT volunteer_id, birth_date, withholding_percent, withholding_basis "
                         "FROM pay_tax_details WHERE municipality = %s AND volunteer_id = ANY(%s)",
                         (municipality, list(volunteer_ids))).fetchall()
    return {r[0]: TaxProfile(r[0], r[1], None if r[2] is None else Decimal(r[2]), r[3]) for r in found}


def payroll_personnummer(conn, municipality: str, volunteer_ids: Iterable[str]) -> dict[str, str]:
    """The whole personnummer of each volunteer: for the payroll file only."""
    return dict(conn.execute("SELECT volunteer_id, personnummer FROM pay_tax_details "
                             "WHERE municipality = %s AND volunteer_id = ANY(%s)",
                             (municipality, list(volunteer_ids))).fetchall())
