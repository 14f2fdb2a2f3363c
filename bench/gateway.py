"""Gateway benchmark (issue 4): GET /api/v1/applicants/{id} requests/s through the real gateway beside a bare
nameko @http route answering the same bytes from memory, both measured in the same run; and POST
/api/v1/applicants commands/s beside the same registrations sent straight to the applicants service's RPC.

    PYTHONPATH=. .venv/bin/python bench/gateway.py [--quick] [--connections 10] [--seconds 15]

The processes are those `make run` starts (deploy/local/Procfile after `python -m deploy.local.prepare`): gateway,
applicants, registry_checks, their relays and the register simulator (delay 0), in the bench's own databases and
vhost (removed at the end); the ceiling is `nameko run bench.bare_http` with the same max_workers. The load
generator is wrk when installed (`which wrk`), otherwise plain threads with requests.Session (which then limit
both figures alike, less exactly). The token is a recruiter's, minted with gateway.auth.mint.

Rows:
  GET gateway      GET /api/v1/applicants/{id}, rotating over the seeded applicants (each with 4 completed checks):
                   auth, RPC to applicants and registry_checks at once, audit insert, JSON
  GET bare         GET /bare/{id} of bench.bare_http: the same answer body from memory      (the ceiling)
  GET 401          the gateway route without a token: routing, problem+json, metrics; no RPC, no database
  RPC get_applicant  applicants.get_applicant straight over the broker (the bench's kombu RPC client, threads)
  POST gateway     POST /api/v1/applicants, recruiter-keyed (channel phone), distinct personnummer, closed loop
  POST RPC         applicants.register with the same bodies and caller straight over the broker (the ceiling)
Before each POST phase and the GET phases the bench waits for the previous registrations' checks to complete, so
one phase's cascade (relays, registry_checks, simulator, inbox) does not load the next.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/ is not a package root
sys.path.insert(0, str(_HERE.parent))

from bench.common import (BenchEnv, NamekoRpc, Row, Table, free_port, load_average, percentile,  # noqa: E402
                          print_logs_of, print_summary, procfile_commands, queue_consumers, registration_body,
                          start_system, wait_until)
from services.common.roles import Caller  # noqa: E402
from services.common.signing import caller_context  # noqa: E402

MUNICIPALITY = "0180"
RECRUITER_CLAIMS = {"sub": "bench-recruiter", "name": "Bench Rekryterare", "roles": {MUNICIPALITY: ["recruiter"]},
                    "system": False}


def connect(url: str):
    from services.common.db import connect as db_connect
    return db_connect(url, autocommit=True)


def unfinished(applicants_url: str) -> int:
    """Applicants whose four checks are not all completed yet (the cascade of a registration still running)."""
    with connect(applicants_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM applicants a WHERE (SELECT count(*) FILTER (WHERE c.state = 'completed') "
            "FROM applicant_checks c WHERE c.applicant_id = a.applicant_id) < 4").fetchone()[0]


def settle(applicants_url: str, timeout: float = 180.0) -> float:
    t0 = time.monotonic()
    try:
        wait_until(lambda: unfinished(applicants_url) == 0, timeout=timeout, interval=0.5,
                   message="earlier registrations' checks completed")
    except TimeoutError:
        print(f"  (still {unfinished(applicants_url)} applicants with checks pending after {timeout:.0f} s; "
              f"going on)", flush=True)
    return time.monotonic() - t0


# --- load generators -------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)$", text).groups()
    return float(number) * _UNITS[unit]


def wrk_get(base: str, paths: list[str], seconds: float, connections: int, headers: dict[str, str],
            workdir: Path) -> dict:
    """requests/s, non-2xx count, p50/p99 ms of GET over `paths` in turn, by wrk."""
    script = workdir / "paths.lua"
    script.write_text("local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
                      "local i = 0\n"
                      "request = function()\n  i = i + 1\n"
                      "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run([*argv, base], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"\s50%\s+(\S+)", out)
    p99 = re.search(r"\s99%\s+(\S+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rate": rate, "non2xx": int(bad.group(1)) if bad else 0, "p50": _ms(p50.group(1)),
            "p99": _ms(p99.group(1)), "socket_errors": errors.group(0) if errors else ""}


def threads_run(work, seconds: float, threads: int) -> dict:
    """Closed loop: `threads` threads call work(i) -> ok (bool) until `seconds` have passed."""
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10 ** 9))

    def loop():
        local, local_bad = [], 0
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                ok = work(next(counter))
            except Exception:  # noqa: BLE001 - counted as a failed request
                ok = False
            local.append((time.perf_counter() - t) * 1000)
            local_bad += not ok
        with lock:
            latencies.extend(local)
            bad[0] += local_bad

    t0 = time.monotonic()
    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - t0
    good = len(latencies) - bad[0]
    return {"rate": good / elapsed, "non2xx": bad[0], "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "socket_errors": "", "count": len(latencies)}


def http_get(base: str, paths: list[str], seconds: float, connections: int, headers: dict[str, str],
             workdir: Path, use_wrk: bool, expect: int = 200) -> dict:
    if use_wrk:
        return wrk_get(base, paths, seconds, connections, headers, workdir)
    import requests
    local = threading.local()

    def get(i: int) -> bool:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers.update(headers)
        return session.get(base + paths[i % len(paths)], timeout=30).status_code == expect
    result = threads_run(get, seconds, connections)
    return result


def describe(result: dict) -> str:
    extra = f", {result['non2xx']} failed" if result["non2xx"] else ""
    extra += f", {result['socket_errors']}" if result.get("socket_errors") else ""
    return f"p50 {result['p50']:.1f} / p99 {result['p99']:.1f} ms{extra}"


# --- main --------------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases (about 1.5 min in all)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per measured phase (default 15)")
    parser.add_argument("--connections", type=int, default=10, help="HTTP connections / threads (default 10)")
    parser.add_argument("--writers", type=int, default=8, help="threads posting registrations (default 8)")
    parser.add_argument("--threads", action="store_true", help="use threads even where wrk is installed")
    parser.add_argument("--workers", type=int, default=None,
                        help="NAMEKO_MAX_WORKERS for every process, the bare route's too (default: nameko.yaml's 10)")
    parser.add_argument("--profile", metavar="PY_SPY", default=None,
                        help="path of a py-spy binary: record the gateway during an extra GET phase")
    args = parser.parse_args(argv)
    seconds = args.seconds or (6.0 if args.quick else 15.0)
    rounds = 1 if args.quick else 2
    use_wrk = shutil.which("wrk") is not None and not args.threads
    rng = random.Random()
    used: set[str] = set()
    table = Table()
    started = time.monotonic()
    load_start = load_average()
    print(f"kontakt gateway bench{' (quick)' if args.quick else ''}: {os.cpu_count()} cpus, load {load_start}, "
          f"max_workers {args.workers or os.environ.get('NAMEKO_MAX_WORKERS', '10')}, "
          f"load generator {'wrk' if use_wrk else 'threads (requests.Session)'}, {args.connections} connections, "
          f"{seconds:g} s per phase", flush=True)
    # minted by the CLI `make token` runs (in its own process: gateway.auth imports nameko, the bench does not)
    token = subprocess.run([sys.executable, "-m", "gateway.token", "--role", "recruiter", "--municipality",
                            MUNICIPALITY, "--sub", "bench-recruiter", "--name", "Bench Rekryterare", "--hours", "3"],
                           cwd=str(_HERE.parent), env={**os.environ, "PYTHONPATH": str(_HERE.parent),
                                                       "KONTAKT_ENV": "development"},
                           capture_output=True, text=True, check=True).stdout.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    with BenchEnv() as env:
        print(f"  databases {env.db_prefix}*, vhost {env.vhost}, logs {env.logdir}", flush=True)
        rpc = None
        try:
            import requests
            port, bare_port = free_port(), free_port()
            base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
            processes = start_system(env, list(procfile_commands()),
                                     {"SIMULATOR_DELAY": "0", "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
                                      **({"NAMEKO_MAX_WORKERS": str(args.workers)} if args.workers else {})})
            applicants_url = env.database_url("applicants")
            session = requests.Session()
            session.headers.update(bearer)

            def up():
                dead = [name for name, proc in processes.items() if proc.poll() is not None]
                if dead:
                    raise RuntimeError(f"{', '.join(dead)} exited:\n" + env.log_tail(dead[0]))
                try:
                    return (session.get(base + "/health", timeout=5).status_code == 200
                            and session.get(base + "/api/v1/applicants", timeout=5).status_code == 200
                            and queue_consumers(env.amqp_uri, "rpc-registry_checks") >= 1)
                except requests.ConnectionError:
                    return False
            wait_until(up, timeout=90, interval=0.3, message="the gateway and the services behind it")

            # seed: applicants keyed in by a recruiter, each with its four checks answered by the simulator
            seeded = []
            for _ in range(20):
                answer = session.post(base + "/api/v1/applicants",
                                      json=registration_body(rng, used, MUNICIPALITY, channel="phone"), timeout=30)
                assert answer.status_code == 201, answer.text
                seeded.append(answer.json()["applicant_id"])
            settle(applicants_url, timeout=120)
            paths = [f"/api/v1/applicants/{key}" for key in seeded]
            detail = session.get(base + paths[0], timeout=30)
            assert detail.status_code == 200 and len(detail.json()["checks"]) == 4, detail.text
            body_file = env.logdir / "bare_body.json"
            body_file.write_bytes(detail.content)
            config = env.logdir / "bare_http.yaml"
            config.write_text(f"AMQP_URI: {env.amqp_uri}\nWEB_SERVER_ADDRESS: 127.0.0.1:{bare_port}\n"
                              f"max_workers: {args.workers or os.environ.get('NAMEKO_MAX_WORKERS', '10')}\n")
            bare = env.start("bare_http", [str(Path(sys.executable).parent / "nameko"), "run", "--config",
                                           str(config), "bench.bare_http"], env={"BENCH_BARE_BODY": str(body_file)})

            def bare_up():
                if bare.poll() is not None:
                    raise RuntimeError("bench.bare_http exited:\n" + env.log_tail("bare_http"))
                try:
                    return requests.get(bare_base + "/bare/x", timeout=2).status_code == 200
                except requests.ConnectionError:
                    return False
            wait_until(bare_up, timeout=60, interval=0.2, message="bench.bare_http answering")
            assert requests.get(bare_base + "/bare/x").content == detail.content
            bare_paths = [f"/bare/{key}" for key in seeded]
            print(f"  answer body {len(detail.content):,} bytes; {len(seeded)} applicants seeded", flush=True)

            # --- GET ------------------------------------------------------------------------------------------
            warm = max(2.0, seconds / 5)
            http_get(base, paths, warm, args.connections, bearer, env.logdir, use_wrk)
            http_get(bare_base, bare_paths, warm, args.connections, {}, env.logdir, use_wrk)
            gateway_runs, bare_runs = [], []
            for round_ in range(rounds):  # interleaved, so a change in the machine's load hits both
                print(f"GET round {round_ + 1} of {rounds} ...", flush=True)
                bare_runs.append(http_get(bare_base, bare_paths, seconds, args.connections, {}, env.logdir,
                                          use_wrk))
                gateway_runs.append(http_get(base, paths, seconds, args.connections, bearer, env.logdir, use_wrk))
                print(f"  bare {bare_runs[-1]['rate']:,.0f}/s ({describe(bare_runs[-1])}), gateway "
                      f"{gateway_runs[-1]['rate']:,.0f}/s ({describe(gateway_runs[-1])})", flush=True)
            gateway_rate = sum(r["rate"] for r in gateway_runs) / rounds
            bare_rate = sum(r["rate"] for r in bare_runs) / rounds
            with connect(env.database_url("gateway")) as conn:
                audited = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'read'").fetchone()[0]
            table.add(Row("GET /api/v1/applicants/{id} via gateway", gateway_rate, bare_rate, unit="req/s",
                          target=">= 50 %", met=gateway_rate / bare_rate >= 0.5,
                          ceiling_name="bench.bare_http: nameko @http answering the same body from memory, same "
                                       f"load generator and {args.connections} connections, interleaved",
                          note=f"gateway {describe(gateway_runs[-1])}; bare {describe(bare_runs[-1])}; "
                               f"{rounds} round(s) of {seconds:g} s; {audited:,} audit rows written"))

            # attribution, same run: the gateway without its work, the service without the gateway
            unauth = http_get(base, paths, seconds, args.connections, {}, env.logdir, use_wrk)
            table.add(Row("  GET same route, no token (401: no RPC, no DB)", unauth["rate"], bare_rate,
                          unit="req/s", note=f"p50 {unauth['p50']:.1f} / p99 {unauth['p99']:.1f} ms"))
            rpc = NamekoRpc(env.amqp_uri, lambda: caller_context(Caller(RECRUITER_CLAIMS)))
            direct = threads_run(lambda i: not rpc.call("applicants", "get_applicant", seeded[i % len(seeded)])
                                 .get("error"), seconds, args.connections)
            table.add(Row("  RPC applicants.get_applicant, no gateway", direct["rate"], bare_rate, unit="req/s",
                          note=f"{describe(direct)}; the bench's kombu client, {args.connections} threads"))
            if args.profile:
                top = env.logdir.parent / f"kontakt-bench-gateway-{env.run_id}.txt"
                spy = subprocess.Popen([args.profile, "record", "--pid", str(processes["gateway"].pid),
                                        "--duration", str(int(seconds)), "--rate", "200", "--format", "raw",
                                        "--output", str(top)], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.STDOUT)
                profiled = http_get(base, paths, seconds, args.connections, bearer, env.logdir, use_wrk)
                spy.wait(timeout=60)
                print(f"  profiled GET phase: {profiled['rate']:,.0f}/s; py-spy raw stacks in {top}", flush=True)

            # --- POST -----------------------------------------------------------------------------------------
            post_seconds = seconds
            settle(applicants_url)
            bodies = [registration_body(rng, used, MUNICIPALITY, channel="phone") for _ in range(20_000)]
            direct_post = threads_run(lambda i: not rpc.call("applicants", "register", bodies[i], timeout=60)
                                      .get("error"), post_seconds, args.writers)
            drained = settle(applicants_url, timeout=300)
            print(f"  RPC register: {direct_post['rate']:.1f}/s; its cascade completed {drained:.0f} s later",
                  flush=True)
            offset = direct_post["count"] + 10
            local = threading.local()

            def post(i: int) -> bool:
                s = getattr(local, "session", None)
                if s is None:
                    s = local.session = requests.Session()
                    s.headers.update(bearer)
                return s.post(base + "/api/v1/applicants", json=bodies[offset + i], timeout=60).status_code == 201
            via_gateway = threads_run(post, post_seconds, args.writers)
            drained = settle(applicants_url, timeout=300)
            table.add(Row("POST /api/v1/applicants via gateway", via_gateway["rate"], direct_post["rate"],
                          unit="cmd/s", ceiling_name="applicants.register straight over RPC, same bodies, caller "
                                                     f"and {args.writers} threads",
                          note=f"gateway {describe(via_gateway)}; RPC {describe(direct_post)}; "
                               f"{args.writers} threads, {post_seconds:g} s each; the cascade of the registrations "
                               f"(checks requested, answered, completed) took {drained:.0f} s more"))
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
