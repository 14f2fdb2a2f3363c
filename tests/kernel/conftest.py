"""Every kernel test runs on the test run's databases and vhost (tests/infrastructure.py)."""
from tests.infrastructure import infrastructure  # noqa: F401
