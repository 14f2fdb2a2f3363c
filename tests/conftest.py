"""Fixtures against the real PostgreSQL and RabbitMQ on localhost.

Each test run makes its own databases (kt_<run>_<service>) and its own RabbitMQ vhost (kontakt-test-<run>), points
the environment at them (so processes the tests start use them too) and removes them at the end.
"""
from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from services.common import config
from services.common.db import connect, make_pool
from services.common.kernel import Kernel, ServiceSpec
from services.common.migrations import create_database, migrate

RUN_ID = uuid.uuid4().hex[:8]
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@localhost:5432/postgres")


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session", autouse=True)
def test_environment():
    vhost = f"kontakt-test-{RUN_ID}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    saved = {k: os.environ.get(k) for k in ("AMQP_URI", "KONTAKT_DATABASE_URL_TEMPLATE")}
    os.environ["AMQP_URI"] = f"amqp://guest:guest@localhost:5672/{vhost}"
    os.environ["KONTAKT_DATABASE_URL_TEMPLATE"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/kt_{RUN_ID}_{{service}}"
    try:
        yield
    finally:
        with connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            names = [row[0] for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"kt_{RUN_ID}_%",))]
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _rabbitmqctl("delete_vhost", vhost)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def amqp_uri() -> str:
    return config.amqp_uri()


@pytest.fixture
def service_name() -> str:
    """A service name of its own for one test, so its database starts empty."""
    return f"svc{uuid.uuid4().hex[:10]}"


def prepare_database(spec: ServiceSpec) -> str:
    url = config.database_url(spec.name)
    create_database(url)
    migrate(url, spec.migrations)
    return url


@pytest.fixture
def kernel_for():
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
