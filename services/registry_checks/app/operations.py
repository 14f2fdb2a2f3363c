"""For admins and operators: the refused results kept for them, the expiry on request, and the service's health."""
from __future__ import annotations

from datetime import date, datetime

from services.common.kernel import Kernel
from services.common.problems import ServiceProblem
from services.common.roles import ADMIN, Caller
from services.common.sweden import today as today_in_sweden

from .. import projection
from ..domain import ACTOR
from ..settings import register_keys, uses_dev_keys
from .expiry import expire_due

REFUSED_LIMIT_MAX = 1000


def list_refused_results(kernel: Kernel, caller: Caller, limit: int = 100, register: str | None = None,
                         reason_code: str | None = None, since: str | None = None) -> list[dict]:
    """Admins: the refused results of their municipalities and those of no known check, newest first; `since`
    an ISO 8601 date and time with an offset."""
    caller.require_role(ADMIN)
    problems = []
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= REFUSED_LIMIT_MAX:
        problems.append(_problem("limit", f"limit must be a whole number from 1 to {REFUSED_LIMIT_MAX}"))
    since_at = None
    if since is not None:
        try:
            since_at = datetime.fromisoformat(str(since))
            if since_at.tzinfo is None:
                raise ValueError
        except ValueError:
            problems.append(_problem("since", "since must be an ISO 8601 date and time with an offset"))
    if problems:
        raise _invalid(*problems)
    municipalities = caller.municipalities_with(ADMIN)
    with kernel.connection() as conn:
        return projection.refused_results(conn, limit=limit, municipalities=municipalities, register=register,
                                          reason_code=reason_code, since=since_at)


def expire_due_on_request(kernel: Kernel, caller: Caller, today: str | None = None) -> int:
    """An admin (or the system) runs the expiry now, as of `today` (an ISO date; default the Swedish date)."""
    caller.require_role(ADMIN)
    real_today = today_in_sweden()
    day = real_today
    if today is not None:
        try:
            day = date.fromisoformat(str(today))
        except ValueError:
            raise _invalid(_problem("today", "today must be an ISO 8601 date")) from None
        # A later day would expire results that are still valid: only the system (tests, operations) may.
        if day > real_today and not caller.system:
            raise _invalid(_problem("today", "today may not be later than today"))
    return expire_due(kernel, day, actor=caller.actor or ACTOR)


def health(kernel: Kernel) -> dict:
    with kernel.connection() as conn:
        counts = projection.health_counts(conn)
    return {"service": kernel.spec.name, "status": "ok", "database": "ok", **counts,
            "registers_with_keys": sorted(register_keys()), "dev_keys": uses_dev_keys()}


def _problem(field: str, message: str) -> dict:
    return {"message": message, "field": field, "code": "invalid"}


def _invalid(*problems: dict) -> ServiceProblem:
    return ServiceProblem("invalid", "the request has invalid fields", list(problems))
