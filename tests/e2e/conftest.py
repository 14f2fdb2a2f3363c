"""End-to-end: the processes as `make run` starts them, driven over HTTP.

The `system` fixture runs `python -m deploy.local.prepare` and then every line of deploy/local/Procfile as its own
process (the Procfile is parsed with honcho's own parser, so the tests start what `make run` starts, new lines
included), with the gateway on a free port and the register simulator answering at once. It waits for /health
and for the services behind the gateway, and stops every process at the end (SIGTERM to each process group, then
SIGKILL to what is left).

The processes get a vhost and databases of their own, named after the test run's (kt_<run>_e2e_<service>, dropped
with the run's), so their relays, inboxes and RPC queues never meet the in-process services of the other tests;
they are stopped as soon as the last e2e test has run.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from honcho.environ import parse_procfile

from gateway.auth import mint
from tests.people import a_personnummer

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "deploy" / "local" / "Procfile"
E2E_DIRECTORY = Path(__file__).resolve().parent

STOCKHOLM, GOTEBORG, NORRTALJE = "0180", "1480", "0188"
# The register simulator finds remarks at Kronofogden for every applicant of Norrtälje, and clears the rest.
REMARKS_MUNICIPALITY, REMARKS_REGISTER = NORRTALJE, "kronofogden"
SIMULATOR_RULES = [{"municipality": REMARKS_MUNICIPALITY, "register": REMARKS_REGISTER, "outcome": "remarks"}]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def procfile_processes() -> dict[str, str]:
    """name -> command, exactly as honcho reads deploy/local/Procfile."""
    return dict(parse_procfile(PROCFILE.read_text()).processes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def token(roles, municipalities, sub: str | None = None) -> str:
    """A local HS256 token, signed with the secret the processes read from the same environment."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    return mint(sub or f"e2e-{roles[0]}-{uuid.uuid4().hex[:6]}", roles, list(municipalities), name="E2E Testare")


class Client:
    def __init__(self, base: str, bearer: str | None = None):
        self.base, self.session = base, requests.Session()
        if bearer:
            self.session.headers["Authorization"] = f"Bearer {bearer}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30, **kwargs)

    def request(self, method: str, path: str, body=None, **kwargs) -> requests.Response:
        if method == "GET":
            return self.get(path, **kwargs)
        return self.session.request(method, self.base + path, json=body, timeout=30, **kwargs)


def intresseanmalan(municipality: str, roles=("kontaktperson",), **overrides) -> dict:
    """A complete intresseanmälan with an obviously fictional name and a valid personnummer."""
    family_name = "E2etest" + uuid.uuid4().hex[:10]
    body = {"municipality": municipality, "roles": list(roles), "given_name": "Testa",
            "family_name": family_name, "personnummer": a_personnummer(),
            "contact": {"email": f"{family_name.lower()}@example.se", "phone": "070-000 00 00",
                        "address": {"street": "Provgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
            "availability": {"weekends": True}, "consents": {"personal_data": True}}
    return {**body, **overrides}


class System:
    """The running processes and how to speak to them."""

    remarks_municipality, remarks_register = REMARKS_MUNICIPALITY, REMARKS_REGISTER
    intresseanmalan = staticmethod(intresseanmalan)

    def __init__(self, base: str, processes: dict[str, subprocess.Popen], logs: Path):
        self.base, self.processes, self.logs = base, processes, logs

    def client(self, roles=None, municipalities=(STOCKHOLM,), sub: str | None = None) -> Client:
        """A client with a token of `roles` for `municipalities`; without roles, an anonymous one."""
        return Client(self.base, token(roles, municipalities, sub) if roles else None)

    def register_publicly(self, municipality: str, **overrides) -> tuple[str, dict]:
        """An intresseanmälan through the public form, found again by a recruiter: (applicant id, the body)."""
        body = intresseanmalan(municipality, **overrides)
        answer = self.client().post("/api/v1/interest", body)
        assert answer.status_code == 202, answer.text
        page = self.client("recruiter", [municipality]).get("/api/v1/applicants",
                                                            params={"q": body["family_name"]}).json()
        [item] = page["items"]
        assert item["reference"] == answer.json()["reference"]
        return item["applicant_id"], body

    def log_tails(self, lines: int = 15) -> str:
        parts = []
        for name in self.processes:
            path = self.logs / f"{name}.log"
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(parts)

    def dead(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self) -> None:
        """SIGTERM to each process group started here, then SIGKILL to any still running after STOP_TIMEOUT;
        returns once every process has exited (only then may their vhost go: a service stopping against a deleted
        vhost would reconnect forever)."""
        running = {name: p for name, p in self.processes.items() if p.poll() is None}
        for process in running.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)  # its own session: the shell and the command it runs
    except ProcessLookupError:
        pass


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _own_environment(port: int) -> tuple[dict[str, str], str]:
    """The environment of the processes (and the e2e vhost's name): the test run's broker and PostgreSQL, a vhost
    and databases of their own."""
    run_uri = urlsplit(os.environ["AMQP_URI"])
    vhost = run_uri.path.lstrip("/") + "-e2e"
    template = os.environ["KONTAKT_DATABASE_URL_TEMPLATE"]
    assert "{service}" in template and "_{service}" in template, template
    venv_bin = str(Path(sys.executable).parent)
    environment = {
        **os.environ,
        "KONTAKT_ENV": "development",  # the development keys, as `make run` starts them
        "AMQP_URI": urlunsplit(run_uri._replace(path="/" + vhost)),
        "KONTAKT_DATABASE_URL_TEMPLATE": template.replace("_{service}", "_e2e_{service}"),
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
        "SIMULATOR_DELAY": "0",
        "SIMULATOR_RULES": json.dumps(SIMULATOR_RULES),
        "GATEWAY_INTEREST_BURST": "100",  # every test's public form posts come from 127.0.0.1
        # An applicant is shown without assignments when assignments has not answered in 2 s: on a loaded test
        # machine it may take longer, and the tests read the assignments.
        "GATEWAY_PART_TIMEOUT": "5",  # below GATEWAY_READ_TIMEOUT (10 s), which would make the read a 503
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),  # as the Makefile runs honcho
    }
    return environment, vhost


def _ready(system: System) -> bool:
    if system.dead():
        raise AssertionError(f"{', '.join(system.dead())} exited while starting:\n{system.log_tails()}")
    try:
        if system.client().get("/health").status_code != 200:
            return False
        # /health says the gateway, its database and the broker answer; these need the services behind it.
        recruiter = system.client("recruiter", [STOCKHOLM])
        return (recruiter.get("/api/v1/applicants").status_code == 200
                and recruiter.get("/api/v1/worklist").status_code == 200)
    except requests.ConnectionError:
        return False


_SYSTEM: System | None = None


@pytest.fixture(scope="session")
def system(test_environment, tmp_path_factory) -> System:
    global _SYSTEM
    port = free_port()
    environment, vhost = _own_environment(port)
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    logs = tmp_path_factory.mktemp("e2e-logs")
    started = System(f"http://127.0.0.1:{port}", {}, logs)
    try:
        prepared = subprocess.run([sys.executable, "-m", "deploy.local.prepare"], cwd=ROOT, env=environment,
                                  capture_output=True, text=True, timeout=120)
        assert prepared.returncode == 0, f"deploy.local.prepare failed:\n{prepared.stdout}\n{prepared.stderr}"
        for name, command in procfile_processes().items():
            with open(logs / f"{name}.log", "wb") as log:
                # Through the shell, as honcho runs them; `exec`, so that the process waited for is the command's.
                started.processes[name] = subprocess.Popen(
                    f"exec {command}", shell=True, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while not _ready(started):
            if time.monotonic() > deadline:
                raise AssertionError(f"the system did not answer within {START_TIMEOUT}s:\n{started.log_tails()}")
            time.sleep(0.2)
        _SYSTEM = started
        yield started
    finally:
        _SYSTEM = None
        started.stop()
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)


def pytest_runtest_teardown(item, nextitem):
    """Stop the processes once the last e2e test has run, not at the end of the whole session."""
    if _SYSTEM is not None and (nextitem is None or E2E_DIRECTORY not in Path(nextitem.path).resolve().parents):
        _SYSTEM.stop()
