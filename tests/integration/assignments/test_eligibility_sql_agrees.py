"""The matching pool's SQL pre-filter (read/pool.py, `eligible_where`) and the eligibility rule (domain/eligibility.py)
say the same thing, on generated pools in a database of their own.

The relation is equality: a volunteer's row is returned by the pre-filter if and only if `eligible` admits the
PoolEntry that `pool_entry` makes of that row (the one the offer decides on), and with a need to leave out, the
pre-filter returns exactly those minus the volunteers already asked for it (a live or declined assignment).
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from psycopg.types.json import Jsonb

from services.assignments.domain.eligibility import eligible, ineligibility
from services.assignments.domain.need import INSATSER, ClientNeed
from services.assignments.read import pool
from services.assignments.spec import SPEC

TODAY = date(2025, 6, 2)
MUNICIPALITIES = ("0180", "0184", "1480")
STATUSES = ("registered", "approved", "approved", "approved", "rejected", "withdrawn")
ROLE_SETS = ((), ("kontaktperson",), ("kontaktfamilj",), ("skkp",), ("kontaktperson", "kontaktfamilj"),
             ("kontaktperson", "kontaktfamilj", "skkp"))
NEED_ID = "need-11111111-1111-1111-1111-111111111111"


def around(day: date, rng: random.Random) -> date | None:
    """None, or a day at or near the boundary of `day` (where a pre-filter and a rule would most likely part), or
    well after it."""
    return rng.choice((None, day - timedelta(days=30), day - timedelta(days=1), day, day + timedelta(days=1),
                       day + timedelta(days=400), day + timedelta(days=400), day + timedelta(days=700)))


def generated_pool(rng: random.Random, size: int) -> list[tuple]:
    rows = []
    for i in range(size):
        max_assignments = rng.randint(1, 3)
        rows.append((f"applicant-{i:08d}-0000-4000-8000-{rng.getrandbits(48):012x}", rng.choice(MUNICIPALITIES),
                     rng.choice(STATUSES), f"Volontär {i}", list(rng.choice(ROLE_SETS)), around(TODAY, rng),
                     rng.random() < 0.5, max_assignments, rng.randint(0, max_assignments + 1), around(TODAY, rng),
                     datetime.now(timezone.utc)))
    return rows


def insert_pool(conn, rows: list[tuple]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO pool_volunteers (volunteer_id, municipality, status, name, approved_roles, "
            "approval_valid_until, regional_consent, max_assignments, active_assignments, checks_clear_until, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)


def ask(conn, volunteer_ids: list[str], statuses: list[str]) -> None:
    """Assignments for NEED_ID, one per volunteer, in the given statuses."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO assignments (assignment_id, need_id, municipality, volunteer_id, volunteer_municipality, "
            "insats, legal_basis, decision_date, period_from, case_worker_id, status, offered_on, client_view, "
            "version, updated_at) VALUES (%s, %s, '0180', %s, '0180', 'kontaktperson', 'SoL', %s, %s, 'hl-1', %s, "
            "%s, %s, 1, now())",
            [(f"assignment-{n:08d}-0000-4000-8000-000000000000", NEED_ID, v, TODAY, TODAY, s, TODAY, Jsonb({}))
             for n, (v, s) in enumerate(zip(volunteer_ids, statuses))])


def need(insats: str, municipality: str) -> ClientNeed:
    return ClientNeed(municipality=municipality, insats=insats, legal_basis="SoL", decision_date=TODAY,
                      period_from=TODAY, period_to=None, clients=(), needs="", goals=(), interests=(), languages=(),
                      postnummer=None, protected_identity=False, frequency_per_month=4, case_worker_id="hl-1")


@pytest.fixture
def pool_db(kernel_for, service_name):
    """A database of the assignments service's tables of its own, with 600 generated volunteers in the pool."""
    kernel = kernel_for(replace(SPEC, name=service_name), pool_size=2)
    rows = generated_pool(random.Random(9), 600)
    with kernel.connection() as conn:
        insert_pool(conn, rows)
    return kernel, [row[0] for row in rows]


def as_offers_see_them(conn, volunteer_ids, today: date) -> dict:
    """Each volunteer's PoolEntry as the offer decides on it today."""
    return {v: pool.pool_entry(conn, v, today) for v in volunteer_ids}


def admitted_by_the_rule(entries: dict, for_need: ClientNeed, today: date) -> set[str]:
    return {v for v, entry in entries.items() if eligible(entry, for_need, today)}


def test_the_sql_pre_filter_returns_exactly_the_volunteers_the_eligibility_rule_admits(pool_db):
    # given a generated pool of every status, role set, approval, check, capacity and municipality
    kernel, volunteer_ids = pool_db
    reasons = set()
    with kernel.connection() as conn:
        for today in (TODAY, TODAY + timedelta(days=1)):
            entries = as_offers_see_them(conn, volunteer_ids, today)
            for insats in INSATSER:
                for municipality in MUNICIPALITIES:
                    the_need = need(insats, municipality)
                    # when the pre-filter reads the pool for the need, with the process's cache and without
                    by_sql = {e.volunteer_id for e in pool.eligible_entries(conn, insats, municipality, today)}
                    cached = pool.eligible_entries(conn, insats, municipality, today, cache=pool.PoolCache())
                    # then it returns exactly the volunteers the rule admits
                    assert by_sql == admitted_by_the_rule(entries, the_need, today), (insats, municipality, today)
                    assert {e.volunteer_id for e in cached} == by_sql
                    reasons |= {text for entry in entries.values()
                                for text in ineligibility(entry, the_need, today)}
    # and the pool tried the rule on every ground it refuses for
    for ground in ("not approved for", "register checks", "no capacity", "regional pool"):
        assert any(ground in text for text in reasons), ground


def test_with_a_need_the_pre_filter_also_leaves_out_the_volunteers_already_asked(pool_db):
    # given the pool, and the need already offered to some (live, declined or ended)
    kernel, volunteer_ids = pool_db
    the_need = need("kontaktperson", "0180")
    with kernel.connection() as conn:
        admitted = sorted(admitted_by_the_rule(as_offers_see_them(conn, volunteer_ids, TODAY), the_need, TODAY))
        asked, statuses = admitted[:8], ["offered", "accepted", "started", "interrupted", "declined", "ended",
                                         "ended", "offered"]
        ask(conn, asked, statuses)
        # when the pre-filter reads the pool for that need
        by_sql = {e.volunteer_id for e in pool.eligible_entries(conn, "kontaktperson", "0180", TODAY,
                                                                excluding_need=NEED_ID)}
    # then it returns the admitted volunteers except those asked and not ended
    still_askable = {v for v, s in zip(asked, statuses) if s == "ended"}
    assert len(admitted) > len(asked)
    assert by_sql == set(admitted) - set(asked) | still_askable
