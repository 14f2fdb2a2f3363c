"""Operators' commands for one service's kernel.

    python -m services.common.cli migrate SERVICE...          create the databases and apply migrations
    python -m services.common.cli topology SERVICE...         declare exchanges and consumer queues
    python -m services.common.cli rebuild SERVICE             rebuild every projection, with a progress bar
    python -m services.common.cli dead-letters SERVICE        list dead letters
    python -m services.common.cli replay SERVICE [EVENT_ID...] replay dead letters (all, or those named)
    python -m services.common.cli refused SERVICE             messages refused as not signed by their relay

SERVICE is a name under services/ ("applicants") or a spec path ("tests.example.tally:SPEC").
"""
from __future__ import annotations

import argparse
import sys

from . import config
from .db import connect, make_pool
from .inbox import list_dead_letters, list_refused, replay_dead_letters
from .kernel import Kernel, all_subscriptions, load_spec
from .migrations import create_database, migrate
from .projections import rebuild
from .topology import declare


def _migrate(args) -> None:
    for spec in map(load_spec, args.services):
        url = config.database_url(spec.name)
        create_database(url)
        applied = migrate(url, spec.migrations)
        if spec.after_migrations is not None:
            spec.after_migrations(url)
        print(f"{spec.name}: {len(applied)} migration(s) applied")


def _topology(args) -> None:
    specs = [load_spec(s) for s in args.services]
    declare(config.amqp_uri(), [spec.name for spec in specs], all_subscriptions(specs))
    print(f"declared {len(specs)} exchange(s) and {len(all_subscriptions(specs))} queue(s)")


def _rebuild(args) -> None:
    spec = load_spec(args.service)
    with connect(config.database_url(spec.name)) as conn:
        count = rebuild(conn, spec.projections)
    print(f"{spec.name}: rebuilt {len(spec.projections)} projection(s) from {count} event(s)")


def _listed(args, read, line, what: str) -> None:
    """Print each row `read(conn)` finds in the service's database, one `line(row)` each, then how many."""
    spec = load_spec(args.service)
    with connect(config.database_url(spec.name)) as conn:
        rows = read(conn)
    for row in rows:
        print(line(row))
    print(f"{len(rows)} {what}")


def _dead_letters(args) -> None:
    _listed(args, list_dead_letters, lambda letter: (
        f"{letter.event_id}  {letter.source:<16} {letter.event_type:<28} attempts={letter.attempts} "
        f"dead_at={letter.dead_at}\n    {letter.error}"), "dead letter(s)")


def _refused(args) -> None:
    _listed(args, list_refused, lambda message: (
        f"{message.id:>8}  {message.source:<16} {message.reason:<14} {message.event_type or '-':<28} "
        f"{message.event_id or '-'}  refused_at={message.refused_at}"), "refused message(s), newest first")


def _replay(args) -> None:
    spec = load_spec(args.service)
    pool = make_pool(config.database_url(spec.name), max_size=2)
    try:
        kernel = Kernel(spec, pool)
        outcomes = replay_dead_letters(pool, kernel.inbox, args.event_ids or None)
    finally:
        pool.close()
    for event_id, outcome in outcomes.items():
        print(f"{event_id}  {outcome}")
    if any(outcome == "failed again" for outcome in outcomes.values()):
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kontakt-kernel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True)
    for name, handler in (("migrate", _migrate), ("topology", _topology)):
        command = commands.add_parser(name)
        command.add_argument("services", nargs="+")
        command.set_defaults(handler=handler)
    for name, handler in (("rebuild", _rebuild), ("dead-letters", _dead_letters), ("refused", _refused)):
        command = commands.add_parser(name)
        command.add_argument("service")
        command.set_defaults(handler=handler)
    command = commands.add_parser("replay")
    command.add_argument("service")
    command.add_argument("event_ids", nargs="*")
    command.set_defaults(handler=_replay)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
