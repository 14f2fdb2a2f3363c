"""The gateway's own audit log, read by auditors within their municipalities (gateway/audit.py keeps it)."""
from __future__ import annotations

from services.common.ids import bare_uuid
from services.common.roles import AUDITOR

from .. import audit
from ..schemas import AuditQuery
from ..web import PATH_IDS, Call


def audit_log(call: Call):
    query = call.query(AuditQuery)
    query["subject"] = searched_subject(query["subject"])
    with call.db.connection() as conn:
        items = audit.query(conn, frozenset(call.caller.municipalities_with(AUDITOR)), **query)
    for municipality in call.caller.municipalities_with(AUDITOR):  # who looked at whose trail, where, is audited
        call.read(query["subject"], municipality)
    return 200, {"items": items}


def searched_subject(subject: str | None) -> str | None:
    """The subject an auditor asks for, in the spelling the rows use, however it was typed: "<kind>-<uuid>" as its
    path parameter spells it, a bare uuid as a person's id; anything else (paymentrun-..., rates-...) as it is."""
    if subject is None:
        return None
    for kind, spelling in dict(PATH_IDS.values()).items():
        if subject.strip().lower().startswith(f"{kind}-"):
            return spelling(kind, subject) or subject
    return bare_uuid("applicant", subject) or subject
