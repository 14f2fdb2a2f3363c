"""Helpers the benchmarks share: a private environment (databases and a RabbitMQ vhost, removed at the end even on
failure), processes started and stopped by id, writer processes released at once, timing, and the result table.

Plain threads and processes, no eventlet: the bench process itself never imports nameko. A nameko service it
needs runs as its own `nameko run` subprocess, exactly as deployed.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from services.common.db import connect, psycopg
from services.common.migrations import create_database, migrate

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@localhost:5432/postgres")
AMQP_BASE = os.environ.get("BENCH_AMQP_BASE", "amqp://guest:guest@localhost:5672")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.02,
               message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {message}")
        time.sleep(interval)


class BenchEnv:
    """kontakt_bench_<run>_<service> databases and the vhost kontakt-bench-<run>; all removed on exit.

    Subprocesses started through `start` are stopped (by their own pid) before the databases are dropped.
    """

    def __init__(self):
        self.run_id = uuid.uuid4().hex[:8]
        self.vhost = f"kontakt-bench-{self.run_id}"
        self.amqp_uri = f"{AMQP_BASE}/{self.vhost}"
        self.db_prefix = f"kontakt_bench_{self.run_id}_"
        self.url_template = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.db_prefix}{{service}}"
        self.processes: list[tuple[str, subprocess.Popen, Any]] = []
        self.logdir = Path(tempfile.mkdtemp(prefix=f"kontakt-bench-{self.run_id}-"))
        self._saved_env: dict[str, str | None] = {}

    # --- lifecycle -----------------------------------------------------------------------------------------

    def __enter__(self) -> "BenchEnv":
        signal.signal(signal.SIGTERM, _raise_interrupt)  # so `finally` cleans up on kill too
        rabbitmqctl("add_vhost", self.vhost)
        rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        for key, value in (("AMQP_URI", self.amqp_uri), ("KONTAKT_DATABASE_URL_TEMPLATE", self.url_template),
                           ("KONTAKT_ENV", "development")):
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def __exit__(self, exc_type, *exc) -> None:
        for name, proc, log in reversed(self.processes):
            self._stop(proc)
            log.close()
        if exc_type is None:  # logs are kept only when something failed
            shutil.rmtree(self.logdir, ignore_errors=True)
        errors = []
        try:
            with connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                names = [row[0] for row in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", (self.db_prefix + "%",))]
                for name in names:
                    conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        psycopg.sql.Identifier(name)))
        except Exception as error:  # noqa: BLE001 - still remove the vhost
            errors.append(f"dropping databases: {error}")
        try:
            rabbitmqctl("delete_vhost", self.vhost)
        except Exception as error:  # noqa: BLE001
            errors.append(f"deleting vhost {self.vhost}: {error}")
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for error in errors:
            print(f"cleanup: {error}", file=sys.stderr)

    # --- databases -----------------------------------------------------------------------------------------

    def database_url(self, service: str) -> str:
        return self.url_template.format(service=service)

    def database(self, service: str, migrations: Path | None = None) -> str:
        url = self.database_url(service)
        create_database(url)
        migrate(url, migrations)
        return url

    # --- subprocesses --------------------------------------------------------------------------------------

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "w")
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        proc = subprocess.Popen(argv, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes.append((name, proc, log))
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        self._stop(proc)

    @staticmethod
    def _stop(proc: subprocess.Popen) -> None:
        if proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --- writer processes released together ------------------------------------------------------------------

def run_processes(target: Callable, args_per_process: list[tuple], *, during: Callable[[], Any] | None = None,
                  timeout: float = 600.0) -> tuple[list[Any], float, float, Any]:
    """Run `target(*args, ready, go, results)` in one spawned process per args tuple.

    Each process sets up (connects), signals `ready`, waits for `go`, does its work and puts
    (start, end, result) on `results` with time.monotonic() stamps (one clock for every process on Linux).
    Returns (results, the first start, the last end, what `during()` returned).
    `during`, if given, runs in this process once the writers are released (e.g. to wait for a consumer).
    """
    ctx = multiprocessing.get_context("spawn")  # no inherited connections or locks
    ready, results = ctx.Queue(), ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=target, args=(*args, ready, go, results), daemon=True)
             for args in args_per_process]
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            ready.get(timeout=120)
        go.set()
        extra = during() if during else None
        got = [results.get(timeout=timeout) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    errors = [r for r in got if isinstance(r, BaseException) or (isinstance(r, tuple) and r[0] == "error")]
    if errors:
        raise RuntimeError(f"a worker process failed: {errors[0]}")
    start = min(r[0] for r in got)
    end = max(r[1] for r in got)
    return [r[2] for r in got], start, end, extra


# --- results ---------------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    figure: float
    ceiling: float | None = None
    unit: str = "ev/s"
    target: str = ""  # e.g. ">= 40 %", "< 100 ms"
    met: bool | None = None
    note: str = ""
    ceiling_name: str = ""

    @property
    def ratio(self) -> float | None:
        return self.figure / self.ceiling if self.ceiling else None


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {row.name}: {_num(row.figure)} {row.unit}"
              + (f"  (ceiling {_num(row.ceiling)} {row.unit}, {row.ratio * 100:.1f} %)" if row.ceiling else ""),
              flush=True)
        return row

    def render(self) -> str:
        head = ("benchmark", "figure", "ceiling", "ratio", "target", "met")
        body = []
        for r in self.rows:
            body.append((
                r.name,
                f"{_num(r.figure)} {r.unit}",
                f"{_num(r.ceiling)} {r.unit}" if r.ceiling else "-",
                f"{r.ratio * 100:.1f} %" if r.ratio is not None else "-",
                r.target or "-",
                {True: "yes", False: "NO", None: "-"}[r.met],
            ))
        widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
        line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
        fmt = lambda cells: "| " + " | ".join(  # noqa: E731
            str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"
        out = [line, fmt(head), line, *[fmt(b) for b in body], line]
        ceilings = [f"  {r.name}: ceiling = {r.ceiling_name}" for r in self.rows if r.ceiling_name]
        notes = [f"  {r.name}: {r.note}" for r in self.rows if r.note]
        if ceilings:
            out += ["ceilings:", *ceilings]
        if notes:
            out += ["notes:", *notes]
        return "\n".join(out)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, p in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


# --- the system as `make run` starts it, and a nameko RPC client without nameko (recruitment.py, gateway.py) ---

def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_commands() -> dict[str, str]:
    """name -> command line of deploy/local/Procfile, as honcho (and so `make run`) reads it."""
    from honcho.environ import parse_procfile
    return dict(parse_procfile((REPO / "deploy/local/Procfile").read_text()).processes)


def start_system(env: BenchEnv, names: list[str], extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """What `make run` does, in the bench's databases and vhost: `python -m deploy.local.prepare`, then the named
    lines of the Procfile, each its own process (with the venv's `python` and `nameko`). Returns name -> Popen."""
    import shlex
    venv_bin = str(Path(sys.executable).parent)
    full = {"PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""), "PYTHONUNBUFFERED": "1",
            **(extra_env or {})}
    subprocess.run([sys.executable, "-m", "deploy.local.prepare"], cwd=REPO, check=True, capture_output=True,
                   timeout=180, env={**os.environ, "PYTHONPATH": str(REPO), **full})
    commands = procfile_commands()
    started = {}
    for name in names:
        argv = shlex.split(commands[name])
        if argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        elif argv[0] == "nameko":
            argv[0] = str(Path(venv_bin) / "nameko")
        started[name] = env.start(name, argv, env=full)
    return started


def queue_consumers(amqp_uri: str, queue: str) -> int:
    from kombu import Connection
    with Connection(amqp_uri, connect_timeout=5) as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).consumer_count
        except Exception:  # noqa: BLE001 - not declared yet
            return 0


def a_personnummer(rng, used: set[str] | None = None) -> str:
    """A valid personnummer of an adult born 1955-1994, 'YYYYMMDD-NNNC', not in `used`."""
    from tests.people import a_personnummer as any_personnummer
    while True:
        number = any_personnummer(rng)
        if used is None or number not in used:
            if used is not None:
                used.add(number)
            return number


def registration_body(rng, used: set[str], municipality: str = "0180", channel: str = "web") -> dict:
    """An intresseanmälan for the applicants service (a kontaktperson; fictional name, valid personnummer)."""
    tag = f"{rng.randrange(16 ** 8):08x}"
    return {"municipality": municipality, "channel": channel, "roles": ["kontaktperson"], "given_name": "Bench",
            "family_name": f"Benchmark{tag}", "personnummer": a_personnummer(rng, used),
            "contact": {"email": f"bench{tag}@example.se", "phone": "070-000 00 00",
                        "address": {"street": "Provgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
            "availability": {"weekends": True}, "consents": {"personal_data": True}}


class NamekoRpc:
    """Calls nameko @rpc methods over the broker the way nameko's RpcProxy does (exchange `nameko-rpc`, routing key
    `<service>.<method>`, reply_to and correlation_id, context data as `nameko.<key>` headers), with kombu and
    plain threads: the bench process never imports nameko or eventlet.

    `call_async` publishes and returns at once (the reply is kept with its time); `call` waits for the reply.
    Thread-safe: publishing is serialised on one connection, replies are read by one thread on another.
    """

    def __init__(self, amqp_uri: str, context: dict[str, str] | Callable[[], dict[str, str]] | None = None):
        """`context`: nameko context data, or a function giving it for each call (a signed caller expires)."""
        import threading

        from kombu import Connection, Exchange, Producer, Queue
        self.exchange = Exchange("nameko-rpc", type="topic", durable=True)
        self.reply_key = str(uuid.uuid4())
        self.context = context
        self._lock = threading.Lock()
        self._waiting: dict[str, Any] = {}
        self.replies: dict[str, tuple[float, dict]] = {}  # correlation id -> (time.monotonic(), reply body)
        self._publishing = Connection(amqp_uri, connect_timeout=10)
        self._consuming = Connection(amqp_uri, connect_timeout=10)
        self.exchange(self._publishing.default_channel).declare()
        self._queue = Queue(f"rpc.reply-bench-{self.reply_key}", self.exchange, routing_key=self.reply_key,
                            auto_delete=True, exclusive=True)
        self._producer = Producer(self._publishing, exchange=self.exchange, auto_declare=False)
        self._stopping = threading.Event()
        self._consumer = self._consuming.Consumer(self._queue, callbacks=[self._on_reply], accept=["json"],
                                                  no_ack=True)
        self._consumer.consume()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def headers(self) -> dict[str, str]:
        context = self.context() if callable(self.context) else self.context
        return {f"nameko.{key}": value for key, value in (context or {}).items()}

    def _drain(self) -> None:
        import socket
        while not self._stopping.is_set():
            try:
                self._consuming.drain_events(timeout=0.2)
            except socket.timeout:
                pass

    def _on_reply(self, body, message) -> None:
        cid = message.properties.get("correlation_id")
        self.replies[cid] = (time.monotonic(), body)
        event = self._waiting.pop(cid, None)
        if event is not None:
            event.set()

    def call_async(self, service: str, method: str, *args, **kwargs) -> str:
        cid = str(uuid.uuid4())
        with self._lock:
            self._producer.publish({"args": list(args), "kwargs": kwargs}, exchange=self.exchange,
                                   routing_key=f"{service}.{method}", reply_to=self.reply_key, correlation_id=cid,
                                   headers=self.headers(), serializer="json", retry=True)
        return cid

    def call(self, service: str, method: str, *args, timeout: float = 30.0, **kwargs) -> dict:
        """The reply body: {"result": ..., "error": None or {"exc_type", "value", ...}}."""
        import threading
        event = threading.Event()
        cid = str(uuid.uuid4())
        self._waiting[cid] = event
        with self._lock:
            self._producer.publish({"args": list(args), "kwargs": kwargs}, exchange=self.exchange,
                                   routing_key=f"{service}.{method}", reply_to=self.reply_key, correlation_id=cid,
                                   headers=self.headers(), serializer="json", retry=True)
        if cid not in self.replies and not event.wait(timeout):
            self._waiting.pop(cid, None)
            raise TimeoutError(f"no reply from {service}.{method} within {timeout:.0f}s")
        return self.replies.pop(cid)[1]

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)
        for connection in (self._consuming, self._publishing):
            try:
                connection.release()
            except Exception:  # noqa: BLE001
                pass


def print_logs_of(env: "BenchEnv") -> None:
    """On a failure: the last lines of every process the bench started, so the cause is on the screen."""
    for name, *_ in env.processes:
        tail = env.log_tail(name)
        if tail:
            print(f"--- last lines of {name}.log ---\n{tail}", file=sys.stderr)


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def print_summary(table: "Table", started: float, load_start: str) -> None:
    print()
    print(table.render())
    print(f"total {time.monotonic() - started:.0f} s; load average {load_start} at the start, "
          f"{load_average()} at the end (other processes share the machine)")
