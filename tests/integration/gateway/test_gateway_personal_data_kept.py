"""Personal data kept no longer than its use: the access log masks what a query searched for, and the answers the
gateway keeps for Idempotency-Key replays are purged after their day."""
from __future__ import annotations

import json
import logging
import uuid

import eventlet
from nameko.testing.services import entrypoint_hook

from gateway.spec import SPEC
from services.common import config
from services.common.db import connect

from gateway_testing import _GATEWAYS, Client, token

HOME = "2521"


def test_the_access_log_masks_query_values_and_keeps_their_names(gateway, stand_ins, caplog):
    # given the gateway's access log (eventlet's WSGI server, through nameko)
    caplog.set_level(logging.INFO, logger="nameko.web.server")
    # when a recruiter searches for a person by name
    answer = Client(gateway, token("recruiter")).get("/api/v1/applicants",
                                                     params={"q": "Sjöström Åsa", "municipality": HOME, "page": 2})
    assert answer.status_code == 200
    eventlet.sleep(0.2)  # the line is written after the answer has gone
    # then the request's line is logged with the parameters' names and without their values
    lines = [r.getMessage() for r in caplog.records]
    assert any("GET /api/v1/applicants?q=*&municipality=*&page=* HTTP/1.1" in line for line in lines), lines
    assert not [line for line in lines if "Sj" in line or "%C3" in line or "Sj%C3%B6str%C3%B6m" in line]


def test_an_idempotency_key_past_its_day_is_purged_with_the_answer_it_kept(gateway, stand_ins):
    # given a kept answer older than its day (it holds a whole personnummer, as answers may), and a fresh one
    caller, old_key, fresh_key = f"user:{uuid.uuid4().hex[:8]}", str(uuid.uuid4()), str(uuid.uuid4())
    answer = json.dumps({"personnummer": "19121212-1212"})
    with connect(config.database_url(SPEC.name)) as conn:
        for key, age in ((old_key, "25 hours"), (fresh_key, "23 hours")):
            conn.execute("INSERT INTO idempotency_keys (caller, key, fingerprint, status, response, created_at)"
                         " VALUES (%s, %s, 'x', 201, %s, now() - %s::interval)", (caller, key, answer, age))
    # when the gateway's periodic purge runs
    with entrypoint_hook(_GATEWAYS[gateway], "purge_expired_idempotency_keys") as purge:
        purge()
    # then the expired row is gone, and the fresh one is still there to be replayed
    with connect(config.database_url(SPEC.name)) as conn:
        kept = [row[0] for row in conn.execute("SELECT key FROM idempotency_keys WHERE caller = %s", (caller,))]
    assert kept == [fresh_key]
