"""The gateway under a stopped service and a stopped database: 503 with Retry-After within 5 s (p99), /health
answering throughout, and recovery by itself once the service or the database is back.

The gateway and the applicants service run as processes (`nameko run`, as deploy/local/Procfile starts them), with
databases of their own reached through a TCP proxy this test starts and stops: that is "the database" for them.
PostgreSQL and RabbitMQ themselves are shared with other tests and never stopped. The 503 latencies are printed
(run with -s to see them; bench/README.md, "Outages", keeps a run's figures).
"""
from __future__ import annotations

import os
import sys
import time
import uuid

import eventlet
import pytest
import requests

from gateway.auth import mint
from gateway.spec import SPEC as GATEWAY
from services.applicants.spec import SPEC as APPLICANTS
from services.common.db import connect
from services.common.migrations import create_database, migrate
from tests.faults.processes import Processes
from tests.faults.proxy import TcpProxy, free_port
from tests.infrastructure import POSTGRES_ADMIN_URL, RUN_ID
from tests.people import a_personnummer

pytestmark = pytest.mark.faults

STOCKHOLM = "0180"
WITHIN = 5.0  # seconds: every 503 of an outage comes sooner than this
PREFIX = f"kt_{RUN_ID}_outage_"  # the processes' own databases, dropped with the test run's


class System:
    def __init__(self, base: str, processes: Processes, proxy: TcpProxy, family: str):
        self.base, self.processes, self.proxy, self.family = base, processes, proxy, family
        self.recruiter = {"Authorization": "Bearer " + mint(f"outage-{uuid.uuid4().hex[:6]}", ["recruiter"],
                                                            [STOCKHOLM])}

    def post(self, key: str | None = None, body: dict | None = None) -> tuple[requests.Response, float]:
        headers = {**self.recruiter, **({"Idempotency-Key": key} if key else {})}
        return _timed(lambda: requests.post(f"{self.base}/api/v1/applicants", json=body or self.registration(),
                                            headers=headers, timeout=30))

    def health(self) -> tuple[requests.Response, float]:
        return _timed(lambda: requests.get(f"{self.base}/health", timeout=30))

    def registered(self) -> list[str]:
        """The reference of every applicant of this test run's family name."""
        answer = requests.get(f"{self.base}/api/v1/applicants", params={"q": self.family, "page_size": 200},
                              headers=self.recruiter, timeout=30)
        assert answer.status_code == 200, answer.text
        return sorted(item["reference"] for item in answer.json()["items"])

    def reads(self) -> bool:
        return requests.get(f"{self.base}/api/v1/applicants", params={"q": self.family}, headers=self.recruiter,
                            timeout=30).status_code == 200

    def registration(self) -> dict:
        return {"municipality": STOCKHOLM, "roles": ["kontaktperson"], "given_name": "Testa",
                "family_name": self.family, "personnummer": a_personnummer(),
                "contact": {"email": "utfall@example.se", "phone": "070-000 00 00",
                            "address": {"street": "Provgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
                "availability": {"weekends": True}, "consents": {"personal_data": True}}

    def serving(self) -> bool:
        try:
            return self.health()[0].status_code == 200 and self.post()[0].status_code == 201
        except requests.RequestException:
            return False


def _timed(request) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = request()
    return answer, time.monotonic() - started


def wait_until(predicate, timeout: float, message: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        eventlet.sleep(interval)
    raise AssertionError(f"not within {timeout} s: {message}")


def p99(seconds: list[float]) -> float:
    ranked = sorted(seconds)
    return ranked[max(0, -(-99 * len(ranked) // 100) - 1)]  # nearest rank


def at_once(n: int, request) -> list[tuple[requests.Response, float]]:
    """`request(i)` for i in 0..n-1, all at once."""
    return list(eventlet.GreenPool(n).imap(request, range(n)))


def with_a_new_key(_: int):
    return str(uuid.uuid4())


def report(what: str, answers: list[tuple[requests.Response, float]]) -> float:
    seconds = [elapsed for _, elapsed in answers]
    figure = p99(seconds)
    print(f"\n{what}: {len(seconds)} requests, p50 {sorted(seconds)[len(seconds) // 2]:.2f} s, "
          f"p99 {figure:.2f} s, max {max(seconds):.2f} s")
    return figure


def assert_unavailable(answer: requests.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(answer.headers["Retry-After"]) <= 60


@pytest.fixture(scope="module")
def system(test_environment):
    direct = {spec.name: POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{PREFIX}{spec.name}"
              for spec in (GATEWAY, APPLICANTS)}
    for spec in (GATEWAY, APPLICANTS):
        create_database(direct[spec.name])
        migrate(direct[spec.name], spec.migrations)
        if spec.after_migrations is not None:  # the gateway's writer role, as `cli migrate` makes it
            spec.after_migrations(direct[spec.name])
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    port = free_port()
    env = {**os.environ, "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
           **{f"{name.upper()}_DATABASE_URL": url.replace("@localhost:5432/", f"@127.0.0.1:{proxy.port}/")
              for name, url in direct.items()}}
    processes = Processes(env, lambda name: [sys.executable, "-m", "nameko", "run", "--config",
                                             "deploy/local/nameko.yaml", name], prefix="kontakt-outages-")
    processes.start("gateway.service")
    processes.start("services.applicants.service")
    system = System(f"http://127.0.0.1:{port}", processes, proxy, "Utfall" + uuid.uuid4().hex[:10])
    try:
        wait_until(system.serving, 90, "the gateway and applicants serving")
        yield system
    except BaseException:
        print(processes.tail())
        raise
    finally:
        processes.stop_all()
        proxy.stop()


def test_a_stopped_service_is_answered_503_with_retry_after_at_once_and_comes_back_by_itself(system):
    # given a running system, and the applicants service killed
    before = system.registered()
    system.processes.kill("services.applicants.service")

    # when ten POSTs arrive at once: every worker the gateway has (max_workers 10) waits on the service
    waiting = eventlet.spawn(at_once, 10, lambda i: system.post(key=with_a_new_key(i)))
    eventlet.sleep(0.5)
    # then /health answers meanwhile, at once
    health, elapsed = system.health()
    assert health.status_code == 200 and elapsed < 1.0, (health.status_code, elapsed)
    # and the ten are each a 503 with Retry-After within the deadline, not a hang
    ten = waiting.wait()
    for answer, _ in ten:
        assert_unavailable(answer)
    assert report("stopped service, 10 POSTs at once", ten) < WITHIN

    # when a POST with an Idempotency-Key fails, and 50 more arrive, 10 at a time
    key, body = str(uuid.uuid4()), system.registration()
    failed, elapsed = system.post(key, body)
    assert_unavailable(failed)
    assert elapsed < WITHIN
    fifty = [answer for _ in range(5) for answer in at_once(10, lambda i: system.post(key=with_a_new_key(i)))]
    # then each is a 503 within 5 s (the service that missed its deadline is not waited for again, but probed)
    for answer, _ in fifty:
        assert_unavailable(answer)
    assert report("stopped service, 50 POSTs 10 at a time", fifty) < WITHIN

    # when the service is started again
    system.processes.start("services.applicants.service")
    # then the gateway serves again by itself
    wait_until(system.reads, 90, "the applicants read again")
    # and the key that failed may be used again: it acts, once
    answer, _ = system.post(key, body)
    assert answer.status_code == 201, answer.text
    replay, _ = system.post(key, body)
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    # and none of the requests answered 503 acted later: they expired on the broker with their deadline
    assert len(system.registered()) == len(before) + 1, "only the retried key's registration"


def test_a_database_failover_costs_no_request_and_health_is_true_at_once(system):
    # given pools with several open connections in the gateway and the service
    for answer, _ in at_once(8, lambda _: system.post()) + at_once(8, lambda _: system.health()):
        assert answer.status_code in (200, 201), answer.text
    # when every backend of their databases is terminated, as a failover does
    with connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        terminated = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                  " WHERE datname LIKE %s AND pid <> pg_backend_pid()", (PREFIX + "%",)).fetchone()[0]
    assert terminated >= 4
    eventlet.sleep(0.2)
    # then /health is true at once, and no request fails
    health, elapsed = system.health()
    assert health.status_code == 200, health.text
    answers = at_once(8, lambda _: system.post()) + at_once(8, lambda i: system.post(key=with_a_new_key(i)))
    assert [answer.status_code for answer, _ in answers] == [201] * 16, [a.text for a, _ in answers]


def test_a_stopped_database_is_answered_503_with_retry_after_fast_and_comes_back_by_itself(system):
    # given a running system, and its database gone (the proxy refuses and closes every connection)
    system.proxy.stop()
    try:
        # when requests arrive: with and without an Idempotency-Key (the gateway's database, the service's)
        key, body = str(uuid.uuid4()), system.registration()
        failed, elapsed = system.post(key, body)
        assert_unavailable(failed)
        assert elapsed < WITHIN
        # (every other one with a key: the gateway's own database is asked first; else the service's)
        fifty = [answer for _ in range(5) for answer in at_once(10, lambda i: system.post(
            key=with_a_new_key(i) if i % 2 else None))]
        # then each is a 503 with Retry-After within 5 s, and /health answers that the database is unavailable
        for answer, _ in fifty:
            assert_unavailable(answer)
        assert report("stopped database, 50 POSTs 10 at a time", fifty) < WITHIN
        health, elapsed = system.health()
        assert health.status_code == 503 and elapsed < WITHIN, (health.status_code, elapsed)
        assert health.json()["checks"]["database"] == "unavailable"
        assert "Retry-After" in health.headers
    finally:
        # when the database is back
        system.proxy.start()
    # then /health is true again by itself, and the key that failed may be used again
    wait_until(lambda: system.health()[0].status_code == 200, 15, "/health true after the database came back")
    wait_until(lambda: system.post(key, body)[0].status_code == 201, 15, "the POST with the failed key accepted")
