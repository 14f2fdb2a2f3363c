"""Matching benchmark: candidates for one need over a pool of 20,000 approved volunteers, beside the time to read the
pool's rows alone (the ceiling), in the same run on the same machine.

    PYTHONPATH=. .venv/bin/python bench/matching.py [--volunteers 20000] [--needs 50] [--rounds 3] [--limit 20]

The pool rows are inserted directly (COPY) into a bench database made with services.common.migrations
(create_database, migrate: the service's real tables and indexes), spread over the 26 municipalities of Stockholm
county, about half consenting to the regional pool. Each need is registered through the event store (so its
ClientNeedRegistered is folded per answer, as the service does).

figure   one answer as the service's candidates use case (services/assignments/app/matching.py) computes it,
         without the RPC hop: fold the need from the event store, read/pool.eligible_entries (the SQL
         pre-filter; ids and row versions, whole rows only for those the process's PoolCache does not hold at
         that version), domain/matching.rank (score every eligible volunteer, keep the best `limit` with
         reasons), read/pool.volunteer_names for those kept. Warm: the cache holds the pool (the steady state of
         a running service).
ceiling  the same pre-filtering SELECT of the whole rows, fetched and discarded: the time to read the pool's rows
         for one need alone, which an answer without the cache must pay before any matching.
also     cold answers (an empty cache for every answer: after a restart, or when every row changed), the read of
         the eligible rows' ids and versions alone (what a warm answer reads), and the whole pool read.

Goal: p95 under 200 ms. The database is removed at the end, also on failure or Ctrl-C.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/ is not a package root
sys.path.insert(0, str(_HERE.parent))

from bench.common import Row, Table, percentile  # noqa: E402
from services.assignments.domain.matching import rank  # noqa: E402
from services.assignments.domain.need import NEED, ClientInput, RegisterClientNeed  # noqa: E402
from services.assignments.read import pool  # noqa: E402
from services.assignments.spec import SPEC  # noqa: E402
from services.common.commands import CommandHandler  # noqa: E402
from services.common.db import connect  # noqa: E402
from services.common.envelope import Metadata  # noqa: E402
from services.common.migrations import create_database, drop_database, migrate  # noqa: E402
from services.common.places import _postnummer, municipalities  # noqa: E402
from services.common.store import EventStore  # noqa: E402
from services.common.sweden import SWEDEN  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@localhost:5432/postgres")
INTERESTS = ("fotboll", "musik", "bakning", "schack", "friluftsliv", "bio", "gaming", "läsning", "simning", "dans",
             "konst", "hästar", "matlagning", "teater", "cykling", "fiske", "innebandy", "klättring", "foto",
             "programmering", "slöjd", "kör", "basket", "ridning", "trädgård", "djur", "skateboard", "yoga",
             "historia", "natur")
LANGUAGES = ("arabiska", "somaliska", "persiska", "engelska", "finska", "polska", "tigrinja", "spanska", "bosniska",
             "kurdiska")
AVAILABILITY = ("weekdays", "evenings", "weekends", "holidays")
# Valid personnummer of children (Luhn checked), for the needs' clients.
CHILDREN = ("201212031239", "201405152347")


def pool_rows(n: int, county: list[str], postnummer_of: dict[str, list[str]], today: date, rng: random.Random):
    """n approved volunteers: Stockholm (0180) a third of them, the rest spread over the county."""
    for i in range(n):
        municipality = "0180" if rng.random() < 0.33 else rng.choice(county)
        roles = [r for r, p in (("kontaktperson", 0.75), ("kontaktfamilj", 0.4), ("skkp", 0.1)) if rng.random() < p]
        roles = roles or ["kontaktperson"]
        low = rng.choice((None, 6, 10, 13, 16))
        high = None if low is None else rng.choice((low + 4, low + 8, None))
        clear_until = (today + timedelta(days=rng.randrange(1, 700)) if rng.random() < 0.95
                       else rng.choice((None, today - timedelta(days=rng.randrange(1, 100)))))
        household = ([today.year - rng.randrange(1, 17) for _ in range(rng.randrange(1, 3))]
                     if "kontaktfamilj" in roles and rng.random() < 0.6 else [])
        max_assignments = rng.choice((1, 1, 2, 3))
        yield (f"applicant-{uuid.UUID(int=rng.getrandbits(128))}", municipality, "approved", f"Volontär {i}",
               roles, today + timedelta(days=rng.randrange(30, 1000)), rng.random() < 0.5, max_assignments, low, high,
               rng.sample(INTERESTS, rng.randrange(1, 6)),
               ["svenska"] + rng.sample(LANGUAGES, rng.choice((0, 0, 1, 2))),
               rng.choice(postnummer_of[municipality]),
               [a for a in AVAILABILITY if rng.random() < 0.5], household, clear_until,
               rng.randrange(0, max_assignments + 1), datetime.now(timezone.utc))


COPY_COLUMNS = ("volunteer_id", "municipality", "status", "name", "approved_roles", "approval_valid_until",
                "regional_consent", "max_assignments", "age_min", "age_max", "interests", "languages", "postnummer",
                "availability", "household_birth_years", "checks_clear_until", "active_assignments", "updated_at")
COPY_TYPES = ("text", "text", "text", "text", "text[]", "date", "bool", "int4", "int4", "int4", "text[]", "text[]",
              "text", "text[]", "int4[]", "date", "int4", "timestamptz")


def register_needs(conn, store: EventStore, count: int, county: list[str], postnummer_of, at: datetime,
                   rng: random.Random) -> list[str]:
    handler = CommandHandler(store)
    ids = []
    for _ in range(count):
        municipality = "0180" if rng.random() < 0.5 else rng.choice(county)
        insats = rng.choice(("kontaktperson", "kontaktperson", "kontaktperson", "kontaktfamilj", "skkp"))
        clients = (ClientInput(rng.choice(CHILDREN), "Klient Exempel"),)
        command = RegisterClientNeed(
            municipality=municipality, by="handlaggare-1", at=at, insats=insats, legal_basis="SoL",
            decision_date=at.date() - timedelta(days=10), period_from=at.date() - timedelta(days=10), period_to=None,
            clients=clients, needs="Behov", goals=("Mål",), frequency_per_month=rng.choice((2, 4, 6)),
            case_worker_id="handlaggare-1", interests=tuple(rng.sample(INTERESTS, 3)),
            languages=tuple(rng.sample(LANGUAGES, 1)), postnummer=rng.choice(postnummer_of[municipality]),
            protected_identity=rng.random() < 0.1)
        need_id = f"need-{uuid.uuid4()}"
        handler.handle(conn, NEED, need_id, command, Metadata(municipality=municipality, actor="handlaggare-1"))
        ids.append(need_id)
    conn.commit()
    return ids


def answer(conn, handler: CommandHandler, need_id: str, today: date, limit: int,
           cache: pool.PoolCache) -> tuple[int, int]:
    """What the candidates use case does between the RPC's arrival and its reply (app/matching.py)."""
    need, _ = handler.state(conn, NEED, need_id)
    entries = pool.eligible_entries(conn, need.insats, need.municipality, today, excluding_need=need_id,
                                          cache=cache)
    ranked = rank(need, entries, today, limit)
    names = pool.volunteer_names(conn, [c.volunteer_id for c in ranked])
    assert len(names) == len(ranked)
    conn.commit()
    return len(entries), len(ranked)


def read_rows(conn, handler: CommandHandler, need_id: str, today: date, columns: str) -> int:
    """The pool's rows for one need (the same pre-filter), fetched and nothing done with them."""
    need, _ = handler.state(conn, NEED, need_id)
    where, params = pool.eligible_where(need.insats, need.municipality, today, need_id)
    rows = conn.execute(f"SELECT {columns} FROM pool_volunteers p WHERE {where}", params).fetchall()
    conn.commit()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--needs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="answers per need (after one warm-up round)")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/kontakt_bench_{uuid.uuid4().hex[:8]}_assignments"
    print(f"matching bench: {args.volunteers:,} volunteers, {args.needs} needs x {args.rounds} rounds, "
          f"limit {args.limit}; database {url.rsplit('/', 1)[1]}", flush=True)
    create_database(url)
    try:
        migrate(url, SPEC.migrations)
        at = datetime.now(SWEDEN)
        today = at.date()
        county = sorted(c for c, m in municipalities().items() if m.county_code == "01")
        postnummer_of: dict[str, list[str]] = {}
        for code, municipality in _postnummer().items():
            postnummer_of.setdefault(municipality, []).append(code)
        with connect(url) as conn:
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY pool_volunteers ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
                copy.set_types(COPY_TYPES)
                for row in pool_rows(args.volunteers, county, postnummer_of, today, rng):
                    copy.write_row(row)
            conn.execute("ANALYZE pool_volunteers")
            conn.commit()
            print(f"  pool inserted in {time.perf_counter() - started:.1f} s", flush=True)
            store = EventStore(SPEC.name, SPEC.projections, SPEC.published_data)
            handler = CommandHandler(store)
            needs = register_needs(conn, store, args.needs, county, postnummer_of, at, rng)

            rows_read, ids_read = pool.POOL_COLUMNS, "volunteer_id, version"
            cold = []
            for need_id in needs:  # cold answers first (warming the database's pages and plans on the way)
                read_rows(conn, handler, need_id, today, rows_read)
                t0 = time.perf_counter()
                answer(conn, handler, need_id, today, args.limit, pool.PoolCache())
                cold.append((time.perf_counter() - t0) * 1000)
            cache = pool.PoolCache()
            for need_id in needs:  # the running service's steady state: the cache holds the pool
                answer(conn, handler, need_id, today, args.limit, cache)
            figure, ceiling, versions_only, whole, eligible = [], [], [], [], []
            for _ in range(args.rounds):
                for need_id in needs:
                    t0 = time.perf_counter()
                    rows = read_rows(conn, handler, need_id, today, rows_read)
                    t1 = time.perf_counter()
                    n, kept = answer(conn, handler, need_id, today, args.limit, cache)
                    t2 = time.perf_counter()
                    read_rows(conn, handler, need_id, today, ids_read)
                    t3 = time.perf_counter()
                    assert n == rows, (n, rows)
                    ceiling.append((t1 - t0) * 1000)
                    figure.append((t2 - t1) * 1000)
                    versions_only.append((t3 - t2) * 1000)
                    eligible.append(n)
                t0 = time.perf_counter()
                conn.execute(f"SELECT {pool.POOL_COLUMNS} FROM pool_volunteers").fetchall()
                conn.commit()
                whole.append((time.perf_counter() - t0) * 1000)
    finally:
        drop_database(url)

    table = Table()
    for p in (50, 95):
        ok = percentile(figure, p) < 200 if p == 95 else None
        table.add(Row(f"candidates p{p}", percentile(figure, p), percentile(ceiling, p), unit="ms",
                      target="< 200 ms" if p == 95 else "", met=ok,
                      ceiling_name="the same pre-filtered rows read alone (SELECT, fetchall)"))
    for p in (50, 95):
        table.add(Row(f"cold candidates p{p}", percentile(cold, p), percentile(ceiling, p), unit="ms",
                      note="an empty PoolCache for each answer: every eligible row read and built" if p == 50 else "",
                      ceiling_name="the same pre-filtered rows read alone" if p == 50 else ""))
    table.add(Row("ids+versions read p50", percentile(versions_only, 50), percentile(ceiling, 50), unit="ms",
                  note="what a warm answer reads of the pool"))
    table.add(Row("whole pool read", sum(whole) / len(whole), unit="ms",
                  note=f"all {args.volunteers:,} rows, no pre-filter (mean of {len(whole)})"))
    print()
    print(table.render())
    print(f"eligible rows per need: min {min(eligible):,}, median {sorted(eligible)[len(eligible) // 2]:,}, "
          f"max {max(eligible):,}; answers timed: {len(figure)}")
    print(f"ratio (answer / read alone): p50 {percentile(figure, 50) / percentile(ceiling, 50):.2f}x, "
          f"p95 {percentile(figure, 95) / percentile(ceiling, 95):.2f}x")
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{datetime.now(SWEDEN):%Y-%m-%d %H:%M %Z}")


if __name__ == "__main__":
    main()
