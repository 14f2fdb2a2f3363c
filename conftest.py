"""Root conftest: runs before anything imports psycopg or kombu.

nameko services run on eventlet; plain pytest does not monkey-patch it (nameko's `nameko test` does), so the test
process patches here, first, exactly as `nameko run` does, and tells psycopg to use a wait function that yields to
the hub (see services/common/db.py).
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
