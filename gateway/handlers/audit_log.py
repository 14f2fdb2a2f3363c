"""The gateway's own audit log, read by auditors within their municipalities (gateway/audit.py keeps it)."""
from __future__ import annotations

from services.common.roles import AUDITOR

from .. import audit
from ..schemas import AuditQuery
from ..web import Call


def audit_log(call: Call):
    query = call.query(AuditQuery)
    with call.db.connection() as conn:
        items = audit.query(conn, frozenset(call.caller.municipalities_with(AUDITOR)), **query)
    call.read(query["subject"])  # who looked at whose accesses is itself audited
    return 200, {"items": items}
