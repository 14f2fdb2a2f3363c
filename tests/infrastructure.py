"""The test run's own PostgreSQL databases and RabbitMQ vhost, for the layers of tests that need them.

`test_environment` makes a vhost (kontakt-test-<run>), points AMQP_URI and KONTAKT_DATABASE_URL_TEMPLATE at it and
at databases named kt_<run>_<service> (so the processes a test starts use them too), and removes them when the
run ends. It starts only when a test asks for it: the kernel's and the integration layers for every one of their
tests (their conftest.py imports `infrastructure`), contract, end-to-end and fault tests through the fixtures
they use. tests/unit never does: it runs with the broker and the database stopped.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import uuid

import pytest

from services.common import config
from services.common.db import connect, make_pool
from services.common.kernel import Kernel, ServiceSpec
from services.common.migrations import create_database, migrate
from services.common.roles import Caller
from services.common.signing import caller_context

# Every test runs in development mode (its keys are the development defaults), the processes it starts included:
# set here, on import, because tokens are minted while tests are collected.
os.environ["KONTAKT_ENV"] = "development"

# Every test runs in development mode (its keys are the development defaults), the processes it starts included:
# set here, on import, because tokens are minted while tests are collected.
os.environ["KONTAKT_ENV"] = "development"

RUN_ID = uuid.uuid4().hex[:8]
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@localhost:5432/postgres")


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def environment(**values: str):
    """Environment variables set for the length of a block, and put back as they were after it."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def test_environment():
    vhost = f"kontakt-test-{RUN_ID}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        with environment(KONTAKT_ENV="development", AMQP_URI=f"amqp://guest:guest@localhost:5672/{vhost}",
                         KONTAKT_DATABASE_URL_TEMPLATE=POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
                         + f"/kt_{RUN_ID}_{{service}}"):
            yield
    finally:
        with connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            names = [row[0] for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"kt_{RUN_ID}_%",))]
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session", autouse=True)
def infrastructure(test_environment):
    """Imported into a layer's conftest.py, it puts every test of that layer (and only of that layer) on the test
    run's infrastructure, before any fixture of the layer reads the environment (a session fixture comes first)."""


@pytest.fixture
def amqp_uri(test_environment) -> str:
    return config.amqp_uri()


@pytest.fixture
def service_name() -> str:
    """A service name of its own for one test, so its database starts empty."""
    return f"svc{uuid.uuid4().hex[:10]}"


def signed_caller(caller: dict) -> dict[str, str]:
    """nameko context data for `caller`, signed as the gateway signs it; valid for an hour, since a test module's
    RPC proxies outlive a request."""
    return caller_context(Caller(caller), ttl_seconds=3600)


def prepare_database(spec: ServiceSpec) -> str:
    url = config.database_url(spec.name)
    create_database(url)
    migrate(url, spec.migrations)
    if spec.after_migrations is not None:
        spec.after_migrations(url)
    return url


@pytest.fixture
def kernel_for(test_environment):
    """kernel_for(spec) -> a Kernel over a freshly migrated database of its own; pools closed afterwards."""
    pools = []

    def make(spec: ServiceSpec, **kwargs) -> Kernel:
        url = prepare_database(spec)
        pool = make_pool(url, max_size=kwargs.pop("pool_size", 10))
        pools.append(pool)
        return Kernel(spec, pool, **kwargs)

    yield make
    for pool in pools:
        pool.close()
