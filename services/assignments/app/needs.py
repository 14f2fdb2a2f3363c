"""Client needs (beslut), by the case workers of the need's municipality: register, read, list and close."""
from __future__ import annotations

import uuid

from services.common.kernel import Kernel
from services.common.roles import CASE_WORKER, Caller
from services.common.validation import load_body

from ..domain.need import NEED, NEED_STATUSES, CloseClientNeed, RegisterClientNeed
from ..domain.need import stream_id as need_stream_id
from ..read import needs as read_needs
from ..schemas import CloseClientNeedBody, RegisterClientNeedBody
from .access import actor, case_workers_need, metadata, now
from .arguments import one_of, whole_number

MAX_PAGE_SIZE = 200


def register_need(kernel: Kernel, caller: Caller, municipality: str, body) -> dict:
    """The municipality's decision (beslut): `body` is a RegisterClientNeedBody. Returns the need's detail."""
    caller.require(municipality, CASE_WORKER)
    fields = load_body(RegisterClientNeedBody, body)
    command = RegisterClientNeed(municipality=municipality, by=actor(caller), at=now(), **fields)
    key = need_stream_id(str(uuid.uuid4()))
    kernel.execute(NEED, key, command, metadata(caller, municipality))
    return need_detail(kernel, caller, key)


def get_need(kernel: Kernel, caller: Caller, need_id) -> dict:
    """The whole need, the clients' identity included; for skyddad identitet the postnummer only for the
    responsible case worker ("location_withheld": true for the others)."""
    key, _ = case_workers_need(kernel, caller, need_id)
    return need_detail(kernel, caller, key)


def list_needs(kernel: Kernel, caller: Caller, municipality: str, status=None, page=1, page_size=50) -> dict:
    """{"items", "total", "page", "page_size"}: newest decision first, personnummer masked, no location."""
    caller.require(municipality, CASE_WORKER)
    one_of("status", status, NEED_STATUSES)
    whole_number("page", page, 1, 1_000_000)
    whole_number("page_size", page_size, 1, MAX_PAGE_SIZE)
    with kernel.connection() as conn:
        return read_needs.list_needs(conn, municipality, status, page, page_size)


def close_need(kernel: Kernel, caller: Caller, need_id, body) -> dict:
    """`body`: {"closed_on", "reason"}. Returns the need's detail."""
    key, municipality = case_workers_need(kernel, caller, need_id)
    fields = load_body(CloseClientNeedBody, body)
    command = CloseClientNeed(municipality=municipality, by=actor(caller), at=now(), **fields)
    kernel.execute(NEED, key, command, metadata(caller, municipality))
    return need_detail(kernel, caller, key)


def need_detail(kernel: Kernel, caller: Caller, key: str) -> dict:
    return kernel.find(key, lambda conn, k: read_needs.need_detail(conn, k, caller.actor), "need")
