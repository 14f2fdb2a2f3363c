"""The event-sourcing kernel every service stands on."""
# First of all: db chooses psycopg's wait function (wait_select under eventlet), which psycopg reads once, when it
# is first imported; the kernel's other modules import psycopg at their top.
from . import db as _db  # noqa: F401
