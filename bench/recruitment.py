"""Recruitment benchmark (issue 3): from an intresseanmälan to every register check completed in the applicants
projection, at a steady rate, with the register simulator answering at once; beside the kernel's own
append-to-projection lag measured in the same run.

    PYTHONPATH=. .venv/bin/python bench/recruitment.py [--quick] [--rate 100] [--seconds 30]

The processes are those `make run` starts (deploy/local/Procfile, after `python -m deploy.local.prepare`):
applicants, registry_checks, their relays and the register simulator (SIMULATOR_DELAY=0), in databases and a vhost
of the bench's own, removed at the end. The bench registers by calling the applicants service's RPC `register` as
the public form does (a system caller, channel web), published open-loop at the rate; it never imports nameko.

The chain measured: register RPC -> ApplicantRegistered (applicants) -> relay -> registry_checks inbox, which
requests 4 checks (CheckRequested x4) -> relay -> the simulator answers on registry_checks.inbound -> CheckCompleted
x4 -> relay -> applicants inbox -> applicant_checks. Completion time = when the applicants projection applied the
last CheckCompleted: a clock_timestamp() column (`bench_applied_at`, set by a trigger on every insert and update)
the bench adds to applicant_checks in its own database. The ceiling is the lag of one kernel hop in the same run:
CheckRequested's recorded_at (registry_checks' append) -> its row inserted into applicant_checks (applicants'
projection, through relay, broker and inbox): the same kind of hop the chain takes three times.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/ is not a package root
sys.path.insert(0, str(_HERE.parent))

from bench.common import (BenchEnv, NamekoRpc, Row, Table, load_average, percentile, queue_consumers,  # noqa: E402
                          print_logs_of, print_summary, registration_body, start_system, wait_until)
from services.common.roles import Caller  # noqa: E402
from services.common.signing import caller_context  # noqa: E402

PROCESSES = ["applicants", "applicants_relay", "registry_checks", "registry_checks_relay", "register_simulator"]
CHECKS_PER_APPLICANT = 4  # services.registry_checks.registers.DEFAULT_REGISTERS, no municipality extras
SYSTEM_CALLER = {"sub": "public-form", "system": True}  # the public form

STAMP_SQL = """
ALTER TABLE applicant_checks ADD COLUMN bench_applied_at timestamptz, ADD COLUMN bench_inserted_at timestamptz;
CREATE FUNCTION bench_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN NEW.bench_inserted_at := clock_timestamp(); END IF;
    NEW.bench_applied_at := clock_timestamp();
    RETURN NEW;
END $$;
CREATE TRIGGER bench_stamp BEFORE INSERT OR UPDATE ON applicant_checks FOR EACH ROW EXECUTE FUNCTION bench_stamp();
"""


def connect(url: str):
    from services.common.db import connect as db_connect
    return db_connect(url, autocommit=True)


def completed_count(url: str, family_like: str) -> int:
    with connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM (SELECT a.applicant_id FROM applicants a JOIN applicant_checks c USING "
            "(applicant_id) WHERE a.family_name LIKE %s GROUP BY a.applicant_id "
            "HAVING count(*) FILTER (WHERE c.state = 'completed') >= %s) done",
            (family_like, CHECKS_PER_APPLICANT)).fetchone()[0]


def ms(values) -> str:
    return f"p50 {percentile(values, 50):,.0f} / p99 {percentile(values, 99):,.0f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s instead of 30 s")
    parser.add_argument("--rate", type=float, default=100.0, help="registrations per second (default 100)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds of registering (default 30)")
    args = parser.parse_args(argv)
    seconds = args.seconds or (10.0 if args.quick else 30.0)
    n = int(args.rate * seconds)
    rng = random.Random()
    used: set[str] = set()
    table = Table()
    started = time.monotonic()
    load_start = load_average()
    print(f"kontakt recruitment bench{' (quick)' if args.quick else ''}: {n:,} registrations at {args.rate:g}/s, "
          f"{os.cpu_count()} cpus, load {load_start}", flush=True)
    with BenchEnv() as env:
        print(f"  databases {env.db_prefix}*, vhost {env.vhost}, logs {env.logdir}", flush=True)
        rpc = None
        try:
            processes = start_system(env, PROCESSES, {"SIMULATOR_DELAY": "0"})
            applicants_url = env.database_url("applicants")
            registry_url = env.database_url("registry_checks")
            with connect(applicants_url) as conn:
                conn.execute(STAMP_SQL)

            def up():
                dead = [name for name, proc in processes.items() if proc.poll() is not None]
                if dead:
                    raise RuntimeError(f"{', '.join(dead)} exited:\n" + env.log_tail(dead[0]))
                return queue_consumers(env.amqp_uri, "rpc-applicants") >= 1
            wait_until(up, timeout=90, interval=0.2, message="the applicants service on its RPC queue")
            rpc = NamekoRpc(env.amqp_uri, lambda: caller_context(Caller(SYSTEM_CALLER)))

            # warm-up: the whole chain once (pools, prepared statements, every consumer attached)
            for _ in range(5):
                reply = rpc.call("applicants", "register", registration_body(rng, used), timeout=60)
                if reply.get("error"):
                    raise RuntimeError(f"register refused: {reply['error']}")
            wait_until(lambda: completed_count(applicants_url, "Benchmark%") >= 5, timeout=120, interval=0.2,
                       message="the warm-up registrations' checks completed")
            with connect(applicants_url) as conn:
                conn.execute("UPDATE applicants SET family_name = 'Warmup' || family_name")

            # the run: open loop, one publish every 1/rate s; the send time of each personnummer is kept
            print(f"registering {n:,} at {args.rate:g}/s ...", flush=True)
            sent: dict[str, tuple[float, float, str]] = {}  # personnummer -> (wall, monotonic, correlation id)
            behind = 0.0
            t0 = time.monotonic()
            for i in range(n):
                due = t0 + i / args.rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                else:
                    behind = max(behind, -pause)
                body = registration_body(rng, used)
                wall, mono = time.time(), time.monotonic()
                cid = rpc.call_async("applicants", "register", body)
                sent[body["personnummer"]] = (wall, mono, cid)
            offered = n / (time.monotonic() - t0)
            sending_done = time.monotonic()

            wait_until(lambda: len(rpc.replies) >= n, timeout=300, interval=0.2, message="every RPC reply")
            refused_now = sum(1 for _, body in rpc.replies.values() if body.get("error"))
            last, last_change = -1, time.monotonic()
            while True:
                done = completed_count(applicants_url, "Benchmark%")
                if done >= n - refused_now:
                    break
                if done != last:
                    last, last_change = done, time.monotonic()
                elif time.monotonic() - last_change > 90:
                    print(f"  no progress for 90 s at {done:,} of {n:,} complete; measuring what completed",
                          flush=True)
                    break
                time.sleep(0.5)
            drained = time.monotonic() - sending_done
            replies = dict(rpc.replies)
            errors = [body["error"] for _, body in replies.values() if body.get("error")]
            rpc_ms = [(replies[cid][0] - mono) * 1000 for _, mono, cid in sent.values() if cid in replies]

            with connect(applicants_url) as conn:
                rows = conn.execute(
                    "SELECT a.personnummer, extract(epoch FROM a.updated_at), "
                    "       extract(epoch FROM max(c.bench_applied_at)), count(*) "
                    "FROM applicants a JOIN applicant_checks c USING (applicant_id) "
                    "WHERE a.family_name LIKE 'Benchmark%%' GROUP BY a.applicant_id "
                    "HAVING count(*) FILTER (WHERE c.state = 'completed') >= %s", (CHECKS_PER_APPLICANT,)).fetchall()
                # kernel hops, same run: append (recorded_at) -> applied in the consumer's projection/reaction
                requested_hop = [float(r[0]) for r in conn.execute(
                    "SELECT extract(epoch FROM c.bench_inserted_at - (i.envelope->>'recorded_at')::timestamptz)"
                    " * 1000 FROM inbox i JOIN applicant_checks c ON c.check_id = i.envelope->'data'->>'check_id' "
                    "JOIN applicants a USING (applicant_id) "
                    "WHERE i.event_type = 'CheckRequested' AND a.family_name LIKE 'Benchmark%%'")]
                completed_hop = [float(r[0]) for r in conn.execute(
                    "SELECT extract(epoch FROM c.bench_applied_at - (i.envelope->>'recorded_at')::timestamptz)"
                    " * 1000 FROM inbox i JOIN applicant_checks c ON c.check_id = i.envelope->'data'->>'check_id' "
                    "JOIN applicants a USING (applicant_id) "
                    "WHERE i.event_type = 'CheckCompleted' AND c.state = 'completed' "
                    "AND a.family_name LIKE 'Benchmark%%'")]
                simulator_hop = [float(r[0]) for r in conn.execute(
                    "SELECT extract(epoch FROM (d.envelope->>'recorded_at')::timestamptz "
                    "                        - (q.envelope->>'recorded_at')::timestamptz) * 1000 "
                    "FROM inbox q JOIN inbox d ON d.envelope->'data'->>'check_id' = q.envelope->'data'->>'check_id' "
                    "JOIN applicant_checks c ON c.check_id = q.envelope->'data'->>'check_id' "
                    "JOIN applicants a USING (applicant_id) WHERE q.event_type = 'CheckRequested' "
                    "AND d.event_type = 'CheckCompleted' AND a.family_name LIKE 'Benchmark%%'")]
                applicants_dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
            with connect(registry_url) as conn:
                registered_hop = [float(r[0]) for r in conn.execute(
                    "SELECT extract(epoch FROM i.received_at - (i.envelope->>'recorded_at')::timestamptz) * 1000 "
                    "FROM inbox i WHERE i.event_type = 'ApplicantRegistered' "
                    "AND i.envelope->'data'->>'family_name' LIKE 'Benchmark%'")]
                registry_dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
                refused = conn.execute("SELECT count(*) FROM refused_results").fetchone()[0]

            total_ms, after_append_ms = [], []
            for personnummer, registered_at, completed_at, _ in rows:
                wall, _, _ = sent[personnummer]
                total_ms.append((float(completed_at) - wall) * 1000)
                after_append_ms.append((float(completed_at) - float(registered_at)) * 1000)
            if not total_ms:
                raise RuntimeError("no registration completed")
            p50, p99 = percentile(total_ms, 50), percentile(total_ms, 99)
            hop50, hop99 = percentile(requested_hop, 50), percentile(requested_hop, 99)
            ceiling = "kernel hop CheckRequested append -> applicants projection, same run"
            table.add(Row(f"registration -> all {CHECKS_PER_APPLICANT} checks completed p50 at {args.rate:g}/s",
                          p50, hop50, unit="ms", ceiling_name=ceiling))
            table.add(Row(f"registration -> all {CHECKS_PER_APPLICANT} checks completed p99 at {args.rate:g}/s",
                          p99, hop99, unit="ms", ceiling_name=ceiling,
                          note=f"{len(total_ms):,} of {n:,} completed; offered {offered:.1f}/s (at most "
                               f"{behind * 1000:.0f} ms behind schedule); the last completed {drained:.1f} s after "
                               f"the last registration was sent; max {max(total_ms):,.0f} ms; RPC reply "
                               f"{ms(rpc_ms)}; {len(errors)} refused; dead letters applicants {applicants_dead}, "
                               f"registry_checks {registry_dead}; refused results {refused}"))
            with connect(applicants_url) as conn:
                last_done = conn.execute(
                    "SELECT extract(epoch FROM max(c.bench_applied_at)) FROM applicant_checks c "
                    "JOIN applicants a USING (applicant_id) WHERE a.family_name LIKE 'Benchmark%'").fetchone()[0]
            first_sent = min(wall for wall, _, _ in sent.values())
            throughput = len(total_ms) / (float(last_done) - first_sent)
            table.add(Row("registrations completed per second", throughput, offered, unit="/s",
                          ceiling_name="the rate offered (registrations sent per second)",
                          note="from the first registration sent to the last check completed"))
            print(f"\nhops (same run), recorded_at of the event -> applied by the consumer:\n"
                  f"  ApplicantRegistered -> registry_checks inbox transaction began: {ms(registered_hop)}\n"
                  f"  CheckRequested -> row in applicant_checks (the ceiling):           {ms(requested_hop)}\n"
                  f"  CheckRequested recorded -> CheckCompleted recorded (relay, simulator, inbound): "
                  f"{ms(simulator_hop)}\n"
                  f"  CheckCompleted -> applicant_checks completed:                     {ms(completed_hop)}\n"
                  f"  ApplicantRegistered recorded -> all completed:                    {ms(after_append_ms)}",
                  flush=True)
            if errors:
                print(f"  first refusal: {errors[0]}", flush=True)
        except BaseException:
            print_logs_of(env)
            raise
        finally:
            if rpc is not None:
                rpc.close()
    print_summary(table, started, load_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
