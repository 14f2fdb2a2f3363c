"""Who may be offered a need: the one rule, in Python. See docs/domain.md, "Matching".

A volunteer may be offered a need when they are approved for its insats (and the approval is in force: read/pool.py
gives a volunteer without one no roles), every register check is clear and current today, they have a place
left (fewer live assignments than they take at once), and they live in the need's municipality or have consented
to the regional pool.

The offer decider refuses with these reasons (assignment.py), ranking leaves out whoever fails them (matching.py),
and read/pool.py states the same rule in SQL to pre-filter the pool; a test checks the SQL agrees with this
function (tests/integration/assignments/test_eligibility_sql_agrees.py).
"""
from __future__ import annotations

from datetime import date

from .need import ClientNeed
from .volunteer import PoolEntry


def ineligibility(entry: PoolEntry, need: ClientNeed, today: date) -> list[str]:
    """Why a volunteer may not be offered this need (empty when they may). Texts name no person."""
    out = []
    if need.insats not in entry.roles:
        out.append(f"volunteer is not approved for {need.insats}")
    if entry.checks_clear_until is None or entry.checks_clear_until < today:
        out.append("volunteer's register checks are not all clear and current")
    if entry.active_assignments >= entry.max_assignments:
        out.append("volunteer has no capacity left")
    if entry.municipality != need.municipality and not entry.regional_consent:
        out.append("volunteer is in another municipality and has not consented to the regional pool")
    return out


def eligible(entry: PoolEntry, need: ClientNeed, today: date) -> bool:
    return not ineligibility(entry, need, today)
