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

REFUSED_LIMIT_MAX = 1000  # the operators' listing (refused.py)
REFUSED_PAGE_SIZE_MAX = 200
REFUSED_PAGE_MAX = 1_000_000  # far beyond any page there is; a larger one's offset overflows the database's integer


def list_refused_results(kernel: Kernel, caller: Caller, municipality: str | None = None, page: int = 1,
                         page_size: int = 50, register: str | None = None, reason_code: str | None = None,
                         since: str | None = None) -> dict:
    """Admins: one page of the refused results of their municipalities' checks (of `municipality`, or of every
    municipality of theirs), newest first, without the message's headers and body; `since` an ISO 8601 date and
    time with an offset. A refused result that belongs to no known check (forged, for an unknown check, unreadable)
    names no municipality: it is for the deployment's operators only (python -m services.registry_checks.refused),
    never listed here."""
    if municipality is not None:
        caller.require(municipality, ADMIN)
        municipalities = [municipality]
    else:
        municipalities = caller.municipalities_with(ADMIN)  # forbidden where the caller is admin nowhere
    problems = []
    for name, value, largest in (("page", page, REFUSED_PAGE_MAX), ("page_size", page_size, REFUSED_PAGE_SIZE_MAX)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= largest:
            problems.append(_problem(name, f"{name} must be a whole number from 1 to {largest}"))
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
    with kernel.connection() as conn:
        return projection.refused_results_page(conn, municipalities, page=page, page_size=page_size,
                                               register=register, reason_code=reason_code, since=since_at)


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
