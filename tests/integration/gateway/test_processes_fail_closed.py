"""Secrets fail closed: a process started without KONTAKT_ENV=development refuses to start without its real keys,
naming what is missing and printing no key; with them it starts, and the gateway's /health says "production"
(docs/security.md). The processes are those of deploy/local/Procfile, started as a deployment would."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from gateway.auth import DEVELOPMENT_SECRET, mint
from gateway.database import DEVELOPMENT_PASSWORD, DEVELOPMENT_USER
from gateway.spec import SPEC as GATEWAY
from services.applicants.spec import SPEC as APPLICANTS
from services.common import config
from services.common.roles import Caller
from services.common.signing import DEVELOPMENT_INTERNAL_KEY, caller_context
from services.registry_checks.registers import REGISTERS
from services.registry_checks.settings import DEV_KEYS
from services.registry_checks.spec import SPEC as REGISTRY_CHECKS
from tests.conftest import prepare_database
from tests.infrastructure import environment
from tests.kernel.helpers import wait_until

from gateway_testing import free_port

ROOT = Path(__file__).resolve().parents[3]
NAMEKO = str(Path(sys.executable).parent / "nameko")
CONFIG = "deploy/local/nameko.yaml"
COMMANDS = {
    "gateway": [NAMEKO, "run", "--config", CONFIG, "gateway.service"],
    "applicants": [NAMEKO, "run", "--config", CONFIG, "services.applicants.service"],
    "registry_checks": [NAMEKO, "run", "--config", CONFIG, "services.registry_checks.service"],
    "assignments": [NAMEKO, "run", "--config", CONFIG, "services.assignments.service"],
    "payments": [NAMEKO, "run", "--config", CONFIG, "services.payments.service"],
    "relay": [sys.executable, "-m", "services.common.relay", "applicants"],
}
ISSUER, AUDIENCE = "https://idp.kommun.example.se", "kontakt-produktion"
KEYS = {
    "KONTAKT_INTERNAL_KEY": secrets.token_hex(32),
    "GATEWAY_JWT_SECRET": secrets.token_hex(32),
    "GATEWAY_JWT_ISSUER": ISSUER,
    "GATEWAY_JWT_AUDIENCE": AUDIENCE,
    "REGISTRY_CHECKS_KEYS": json.dumps({register: secrets.token_hex(32) for register in REGISTERS}),
    # the role the gateway writes its audit log as, made when the test's databases were migrated
    "GATEWAY_DB_USER": DEVELOPMENT_USER,
    "GATEWAY_DB_PASSWORD": DEVELOPMENT_PASSWORD,
}
NEEDS = {  # what each process needs, in the order it asks for it
    "gateway": ["KONTAKT_INTERNAL_KEY", "GATEWAY_JWT_SECRET", "GATEWAY_JWT_ISSUER", "GATEWAY_JWT_AUDIENCE",
                "GATEWAY_DB_USER", "GATEWAY_DB_PASSWORD"],
    "applicants": ["KONTAKT_INTERNAL_KEY"],
    "registry_checks": ["REGISTRY_CHECKS_KEYS", "KONTAKT_INTERNAL_KEY"],
    "assignments": ["KONTAKT_INTERNAL_KEY"],
    "payments": ["KONTAKT_INTERNAL_KEY"],
    "relay": ["KONTAKT_INTERNAL_KEY"],
}
# Every key a process could print, the development ones included.
KEY_TEXTS = [value for name, value in KEYS.items() if "KEY" in name or "SECRET" in name] + [
    DEVELOPMENT_SECRET, DEVELOPMENT_INTERNAL_KEY, *DEV_KEYS.values()]


@pytest.fixture(scope="module")
def databases(test_environment):
    for spec in (GATEWAY, APPLICANTS, REGISTRY_CHECKS):
        prepare_database(spec)


def production(**keys: str) -> dict[str, str]:
    """The process environment of a deployment: this run's broker and databases, no KONTAKT_ENV, only `keys`."""
    env = {name: value for name, value in os.environ.items()
           if name != "KONTAKT_ENV" and name not in KEYS and not name.startswith(("GATEWAY_JWT", "GATEWAY_JWKS"))}
    return {**env, **keys, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def refused(name: str, env: dict[str, str], timeout: float = 90) -> str:
    """Start the process; it must exit non-zero by itself. Its output."""
    try:
        done = subprocess.run(COMMANDS[name], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name} kept running without its keys")
    assert done.returncode != 0, f"{name} exited 0 without its keys"
    return done.stdout + done.stderr


def assert_no_key_in(output: str) -> None:
    for text in KEY_TEXTS:
        assert text not in output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_process_started_without_development_mode_or_keys_refuses_to_start_naming_the_key(databases, name):
    # given a deployment's environment: no KONTAKT_ENV=development, and no keys at all
    # when the process starts, then it exits non-zero naming the first variable it needs, printing no key
    output = refused(name, production())
    assert NEEDS[name][0] in output, output[-2000:]
    assert_no_key_in(output)


@pytest.mark.parametrize("name,missing", [(name, missing) for name, needs in NEEDS.items() for missing in needs
                                          if len(needs) > 1],
                         ids=lambda value: value)
def test_a_process_missing_one_key_names_that_one(databases, name, missing):
    keys = {variable: value for variable, value in KEYS.items() if variable != missing}
    output = refused(name, production(**keys))
    assert missing in output, output[-2000:]
    assert_no_key_in(output)


def test_a_short_internal_key_is_refused_without_being_printed(databases):
    short = "kort-nyckel-" + secrets.token_hex(4)
    output = refused("relay", production(**{**KEYS, "KONTAKT_INTERNAL_KEY": short}))
    assert "KONTAKT_INTERNAL_KEY is shorter than 32 bytes" in output and short not in output


class Started:
    def __init__(self, name: str, env: dict[str, str]):
        self.name = name
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"kontakt-fail-closed-{name}-{os.getpid()}.log",
                        "w+")
        self.process = subprocess.Popen(COMMANDS[name], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def running(self) -> bool:
        if self.process.poll() is not None:
            self.log.seek(0)
            raise AssertionError(f"{self.name} exited {self.process.returncode}:\n{self.log.read()[-3000:]}")
        return True

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def test_with_its_keys_each_process_starts_and_the_gateway_says_it_runs_in_production(databases):
    port = free_port()
    env = production(**KEYS, GATEWAY_ADDRESS=f"127.0.0.1:{port}")
    started = [Started(name, env) for name in ("gateway", "applicants", "registry_checks", "relay")]
    try:
        # given every process started with its keys and without development mode
        base = f"http://127.0.0.1:{port}"

        def health():
            for process in started:
                process.running()
            try:
                return requests.get(base + "/health", timeout=5)
            except requests.ConnectionError:
                return None
        # then the gateway answers, and says it runs in production
        answer = wait_until(health, timeout=90, interval=0.5, message="the gateway's /health")
        assert answer.json()["mode"] == "production"
        # and it accepts a token of its identity provider's issuer and audience, signed with its key
        theirs = mint("revisor-1", ["auditor"], ["0180"], key=KEYS["GATEWAY_JWT_SECRET"], issuer=ISSUER,
                      audience=AUDIENCE)
        assert requests.get(base + "/api/v1/audit", headers={"Authorization": f"Bearer {theirs}"},
                            timeout=30).status_code == 200
        # and refuses a token of the development secret, whatever it claims
        development = mint("revisor-1", ["auditor"], ["0180"], key=DEVELOPMENT_SECRET, issuer=ISSUER,
                           audience=AUDIENCE, kid="kontakt-local")
        assert requests.get(base + "/api/v1/audit", headers={"Authorization": f"Bearer {development}"},
                            timeout=30).status_code == 401
        # and each service answers a caller signed with the deployment's key
        with environment(KONTAKT_INTERNAL_KEY=KEYS["KONTAKT_INTERNAL_KEY"]):
            context = caller_context(Caller({"sub": "drift", "roles": {}, "system": True}))
        for service in ("applicants", "registry_checks"):
            with ClusterRpcProxy({"AMQP_URI": config.amqp_uri()}, context_data=context, timeout=60) as proxy:
                assert getattr(proxy, service).health()["database"] in (True, "ok")
        # and the relay took its service's outbox
        wait_until(lambda: started[3].running() and "relay for applicants active" in started[3].output(),
                   timeout=60, interval=0.5, message="the relay active")
        for process in started:
            assert_no_key_in(process.output())
    finally:
        for process in started:
            process.stop()
