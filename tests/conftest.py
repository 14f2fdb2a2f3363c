"""Fixtures every layer of tests may ask for. Those on PostgreSQL and RabbitMQ (tests/infrastructure.py) start the
test run's own databases and vhost only for the tests that use them, so that tests/unit needs neither.
"""
from tests.infrastructure import amqp_uri, kernel_for, service_name, test_environment  # noqa: F401
from tests.infrastructure import prepare_database  # noqa: F401 - integration tests import it from here
