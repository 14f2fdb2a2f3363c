"""Payments benchmark: one payment run over N assignment-months, done by 1 and then by 2 worker processes.

    PYTHONPATH=. .venv/bin/python bench/payments.py [--quick] [--months 100000] [--job-size 25]

For each worker count W (1, then 2) the bench starts W `python -m services.payments.worker` processes on a
database holding N approved, uncalculated assignment-months (N/2 kontaktperson assignments, February and March,
five months a volunteer, every volunteer's tax details set), then times the run as finance drives it:

  calculate   phases.start_calculation + the jobs on the queue until the workers have calculated every month and
              the last one has prepared the run (PaymentRunPrepared with N items)
  issue       PaymentRunApproved + phases.start_issuing + the jobs until every item has its PaymentIssued
  run         both, end to end: assignment-months per second

Ceilings, measured in the same run: for W = 2, twice the 1-worker figure (perfect scaling); the ratio of the two
is the scaling, goal >= 80 % (2-worker / 1-worker >= 1.6). For W = 1, the bare job queue: the same number of job
messages published and consumed with acks by one kombu consumer process, no work done.

Set-up: the N months are written with COPY, the rows the real path would write (pay_assignments, pay_tax_details,
ReportApproved events decided by the compensation decider, pay_reports), and the W = 2 database is a copy of the
W = 1 one (CREATE DATABASE ... TEMPLATE), so both runs start from the same state. The real path (assignments'
events through the inbox, ApproveReport commands) is timed on a sample and its time for N months printed.
Everything runs in private databases and a private vhost, removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kombu import Connection, Consumer, Queue  # noqa: E402

from bench.common import BenchEnv, Row, Table, load_average, print_logs_of, print_summary, wait_until  # noqa: E402
from services.common.db import connect, make_pool, psycopg  # noqa: E402
from services.common.kernel import Kernel  # noqa: E402
from services.payments.app import phases  # noqa: E402
from services.payments.domain.calculation import Meeting, month_end  # noqa: E402
from services.payments.domain.compensation import COMPENSATION, ApproveReport  # noqa: E402
from services.payments.domain.compensation import stream_id as compensation_stream  # noqa: E402
from services.payments.domain.payment_run import stream_id as run_stream  # noqa: E402
from services.payments.job_queue import JobQueue  # noqa: E402
from services.payments.spec import SPEC  # noqa: E402
from tests.integration.payments_service.payments_feeding import (a_personnummer,  # noqa: E402
                                                                   approve_and_start_issuing, seed_months)

KOMMUN, PERIOD, MONTHS = "0180", "2025-04", ("2025-02", "2025-03")
MONTHS_PER_VOLUNTEER = 5
PLANS = [{"frequency_per_month": 4, "arvode": {"basis": "category", "category": c, "percent": p, "monthly_ore": None},
          "omkostnad": {"level": c, "receipts_allowed": False}} for c, p in ((1, 20), (2, 30), (3, 40))]


# --- set-up --------------------------------------------------------------------------------------------------

def seed_by_copy(url: str, months: int) -> None:
    """N approved assignment-months, as the projections and the event store would hold them after the real path."""
    rng = random.Random(7)
    assignments = months // len(MONTHS)
    volunteers = max(1, months // MONTHS_PER_VOLUNTEER)
    now = datetime.now(timezone.utc)
    with connect(url) as conn:
        with conn.cursor() as cur:
            with cur.copy("COPY pay_tax_details (municipality, volunteer_id, personnummer, birth_date, "
                          "withholding_basis, withholding_percent, bank_account, changed_by, changed_at) "
                          "FROM STDIN") as copy:
                for v in range(volunteers):
                    born = date(1950 + v % 50, 1 + v % 12, 1 + v % 28)
                    copy.write_row((KOMMUN, f"v-{v}", a_personnummer(rng, born=born), born, "default", None, None,
                                    "ekonom-1", now))
            with cur.copy("COPY pay_assignments (assignment_id, municipality, volunteer_id, kind, case_worker_id, "
                          "start_date, plan, client_birth_date, updated_at) FROM STDIN") as copy:
                for a in range(assignments):
                    copy.write_row((f"a-{a}", KOMMUN, f"v-{a % volunteers}", "kontaktperson", "socialsekreterare-1",
                                    date(2025, 1, 1), json.dumps(PLANS[a % 3]), None, now))
            reports = []
            with cur.copy("COPY events (event_id, event_type, schema_version, stream_id, stream_type, stream_version, "
                          "occurred_at, recorded_at, data, municipality, actor) FROM STDIN") as copy:
                for a in range(assignments):
                    for month in MONTHS:
                        meeting = Meeting(str(uuid.uuid4()), date.fromisoformat(f"{month}-{10 + a % 15:02d}"))
                        command = ApproveReport(KOMMUN, f"a-{a}", month, "socialsekreterare-1", "socialsekreterare-1",
                                                f"v-{a % volunteers}", "kontaktperson", (meeting,), month_end(month))
                        [event] = COMPENSATION.decide(COMPENSATION.initial(), command)
                        copy.write_row((uuid.uuid4(), event.type, event.schema_version,
                                        compensation_stream(f"a-{a}", month),
                                        "compensation", 1, now, now, json.dumps(event.data), KOMMUN,
                                        "socialsekreterare-1"))
                        reports.append((f"a-{a}", month, KOMMUN, f"v-{a % volunteers}", "kontaktperson", 1,
                                        [meeting.meeting_id], "socialsekreterare-1", month_end(month)))
            with cur.copy("COPY pay_reports (assignment_id, month, municipality, volunteer_id, kind, revision, "
                          "meeting_version_ids, approved_by, approved_on) FROM STDIN") as copy:
                for row in reports:
                    copy.write_row(row)
        conn.execute("ANALYZE")


def copy_database(env: BenchEnv, source: str, target: str) -> str:
    admin = env.database_url("postgres").rsplit("/", 1)[0] + "/postgres"
    with connect(admin, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            psycopg.sql.Identifier(env.db_prefix + target), psycopg.sql.Identifier(env.db_prefix + source)))
    return env.database_url(target)


def real_path_rate(env: BenchEnv, sample: int) -> float:
    """Assignment-months per second set up the real way: the assignments' events through the inbox, approvals
    as commands, tax details as commands."""
    url = env.database("payments_realpath", SPEC.migrations)
    pool = make_pool(url, max_size=2)
    try:
        kernel = Kernel(SPEC, pool)
        started = time.monotonic()
        seed_months(kernel, KOMMUN, assignments=sample // len(MONTHS), months=MONTHS,
                    volunteers=max(1, sample // MONTHS_PER_VOLUNTEER))
        return sample / (time.monotonic() - started)
    finally:
        pool.close()


# --- the run -------------------------------------------------------------------------------------------------

def consumers(amqp_uri: str, queue_name: str) -> int:
    with Connection(amqp_uri) as connection:
        return Queue(queue_name, durable=True)(connection.default_channel).queue_declare(passive=True).consumer_count


def phase_done(kernel: Kernel, phase: str) -> dict | None:
    with kernel.connection() as conn:
        found = [b for b in phases.batches(conn, run_stream(KOMMUN, PERIOD)) if b["phase"] == phase]
    return found[-1] if found and found[-1]["status"] == "done" else None


def timed_run(env: BenchEnv, url: str, workers: int, months: int, job_size: int) -> dict:
    queue_name = f"payments.jobs.bench{workers}"
    os.environ["PAYMENTS_JOB_QUEUE"] = queue_name
    jobs = JobQueue(env.amqp_uri)
    jobs.declare()
    procs = [env.start(f"payments-worker-{workers}-{i}",
                       [sys.executable, "-m", "services.payments.worker", "--name", f"w{i}"],
                       env={"PAYMENTS_DATABASE_URL": url, "PAYMENTS_JOB_QUEUE": queue_name})
             for i in range(workers)]
    pool = make_pool(url, max_size=2)
    try:
        kernel = Kernel(SPEC, pool)
        wait_until(lambda: consumers(env.amqp_uri, queue_name) == workers, timeout=60, interval=0.2,
                   message=f"{workers} workers consuming")
        t0 = time.monotonic()
        with kernel.connection() as conn:
            with conn.transaction():
                started = phases.start_calculation(kernel, conn, KOMMUN, PERIOD, "ekonom-1", date(2025, 4, 25),
                                                 job_size=job_size)
        jobs.publish(started["job_ids"])
        calculated = wait_until(lambda: phase_done(kernel, "calculate"), timeout=7200, interval=0.2,
                                message="calculated")
        t1 = time.monotonic()
        assert calculated["outcome"]["prepared"] and calculated["outcome"]["item_count"] == months, calculated
        jobs.publish(approve_and_start_issuing(kernel, KOMMUN, PERIOD, job_size=job_size))
        wait_until(lambda: phase_done(kernel, "issue"), timeout=7200, interval=0.2, message="paid")
        t2 = time.monotonic()
        with kernel.connection() as conn:
            paid = conn.execute("SELECT count(*), count(DISTINCT data->>'compensation_id') FROM events "
                                "WHERE event_type = 'PaymentIssued'").fetchone()
        assert paid == (months, months), f"paid {paid}, expected {months} once each"
        return {"calculate": months / (t1 - t0), "issue": months / (t2 - t1), "run": months / (t2 - t0),
                "seconds": t2 - t0, "jobs": len(started["job_ids"])}
    finally:
        pool.close()
        for proc in procs:
            env.stop(proc)


def bare_queue_rate(amqp_uri: str, messages: int) -> float:
    """Job messages published and then consumed with acks by one consumer, no work: the queue's own speed."""
    name = f"payments.jobs.bare.{uuid.uuid4().hex[:6]}"
    queue = Queue(name, durable=True, auto_delete=False)
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        started = time.monotonic()
        for i in range(messages):
            producer.publish({"job_id": i}, routing_key=name, delivery_mode=2, declare=[queue] if i == 0 else [])
        got = [0]

        def on_message(body, message):
            message.ack()
            got[0] += 1

        channel = connection.channel()
        channel.basic_qos(0, 2, False)
        with Consumer(channel, [queue], callbacks=[on_message], accept=["json"]):
            while got[0] < messages:
                connection.drain_events(timeout=10)
        elapsed = time.monotonic() - started
        queue(connection.default_channel).delete()
    return messages / elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4,000 assignment-months instead of 100,000")
    parser.add_argument("--months", type=int, default=None, help="assignment-months in the run")
    parser.add_argument("--job-size", type=int, default=25, help="assignment-months a job (default 25)")
    parser.add_argument("--sample", type=int, default=None, help="months set up the real way, to time it")
    args = parser.parse_args(argv)
    months = args.months or (4_000 if args.quick else 100_000)
    months -= months % (len(MONTHS) * MONTHS_PER_VOLUNTEER)
    sample = args.sample or (200 if args.quick else 1_000)
    table = Table()
    started = time.monotonic()
    load_at_start = load_average()
    print(f"kontakt payments bench{' (quick)' if args.quick else ''}: {os.cpu_count()} cpus, {months:,} "
          f"assignment-months, jobs of {args.job_size}", flush=True)
    with BenchEnv() as env:
        print(f"  databases {env.db_prefix}*, vhost {env.vhost}, logs {env.logdir}", flush=True)
        try:
            rate = real_path_rate(env, sample)
            print(f"  set-up the real way: {rate:,.0f} assignment-months/s on a sample of {sample}: "
                  f"{months:,} would take {months / rate / 60:.0f} min", flush=True)
            t = time.monotonic()
            one = env.database("payments_w1", SPEC.migrations)
            seed_by_copy(one, months)
            two = copy_database(env, "payments_w1", "payments_w2")
            print(f"  set-up by COPY: {time.monotonic() - t:.0f} s for {months:,} months (and the copy)", flush=True)
            bare = bare_queue_rate(env.amqp_uri, min(20_000, months // args.job_size * 2))
            results = {}
            for workers, url in ((1, one), (2, two)):
                print(f"  run with {workers} worker process(es) ...", flush=True)
                results[workers] = timed_run(env, url, workers, months, args.job_size)
                print(f"    {results[workers]['seconds']:.0f} s, {results[workers]['jobs']} jobs a phase", flush=True)
            unit = "months/s"
            for phase in ("calculate", "issue", "run"):
                table.add(Row(f"{phase}, 1 worker", results[1][phase], bare * args.job_size, unit,
                              ceiling_name="bare job queue (kombu publish + consume + ack, no work) x job size"))
                ratio = results[2][phase] / results[1][phase]
                table.add(Row(f"{phase}, 2 workers", results[2][phase], 2 * results[1][phase], unit,
                              target=">= 80 % (x1.6)", met=ratio >= 1.6,
                              ceiling_name="twice the 1-worker figure (perfect scaling)",
                              note=f"2-worker / 1-worker = {ratio:.2f}"))
            table.add(Row("setup, the real way", rate, None, unit,
                          note=f"inbox + ApproveReport + tax details; {months:,} would take "
                               f"{months / rate / 60:.0f} min, so the bench sets up by COPY"))
        except BaseException:
            print_logs_of(env)
            raise
    print_summary(table, started, load_at_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
