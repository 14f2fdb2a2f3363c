"""The expiry: a clear result may be relied on until its valid_until, and is ended the day after (hourly, from
the service's timer; an admin may also ask for it, see operations)."""
from __future__ import annotations

import logging
from datetime import date

from services.common.decider import CommandRefused, NotFound
from services.common.envelope import Metadata
from services.common.kernel import Kernel
from services.common.store import ConcurrencyError
from services.common.sweden import today as today_in_sweden

from .. import projection
from ..domain import ACTOR, ExpireCheck, stream_id
from ..settings import check_decider

log = logging.getLogger("kontakt.registry_checks")

BATCH = 1000  # checks read per round (projection.due_for_expiry's limit)


def expire_due(kernel: Kernel, today: date | None = None, actor: str = ACTOR) -> int:
    """CheckExpired for every clear result whose last valid day is before `today` (Swedish date). Returns how many
    were emitted. Safe to run from several instances at once: a check another run expired is skipped."""
    today = today or today_in_sweden()
    decider = check_decider()
    expired = 0
    while True:
        with kernel.connection() as conn:
            due = projection.due_for_expiry(conn, today, BATCH)
        done_before = expired
        for check_id, municipality in due:
            try:
                kernel.execute(decider, stream_id(check_id), ExpireCheck(check_id, municipality, today),
                               Metadata(municipality=municipality, actor=actor))
                expired += 1
            except (CommandRefused, ConcurrencyError, NotFound):
                continue  # expired (or renewed with a new result) by someone else meanwhile
        if len(due) < BATCH or expired == done_before:
            if expired:
                log.info("expired %d check(s)", expired)
            return expired
