"""The register simulator: plays Polisen, socialregistret, Kronofogden and Försäkringskassan in development,
demos and tests. An external party to Kontakt: it uses no inbox and no database, only the wire contract.

    python -m deploy.register_simulator.simulator                  run (declares its topology first)
    python -m deploy.register_simulator.simulator --declare-only   declare the topology and exit (make run, tests)

It consumes CheckRequested from `registry_checks.events` on a durable queue of its own
(`register_simulator.check_requests`, bound to the routing key CheckRequested), waits SIMULATOR_DELAY seconds, and
publishes a signed result to `registry_checks.inbound` as the register asked (docs/register-contract.md), with
publisher confirms and `mandatory`. A request is acked only once its result is confirmed: a crash in between
makes the broker deliver the request again, and Kontakt refuses the second result as a repeat.

Environment:
    AMQP_URI                   the broker (default amqp://guest:guest@localhost:5672/)
    SIMULATOR_DELAY            seconds between a request and its answer (default 2; tests use 0)
    SIMULATOR_DEFAULT_OUTCOME  clear (default), remarks, not_found, or none (never answer: the check stays pending)
    SIMULATOR_RULES            JSON list of rules, the first that matches decides the outcome. A rule has "outcome"
                               and any of "register", "municipality", "applicant_id", "applicant_id_suffix", "check_id";
                               a field it leaves out matches anything. Example:
                                 [{"register": "kronofogden", "municipality": "0188", "outcome": "remarks"},
                                  {"applicant_id_suffix": "f", "register": "socialregistret", "outcome": "not_found"}]
    REGISTRY_CHECKS_KEYS       the registers' signing keys, as the registry_checks service reads them (default: the
                               development keys of services/registry_checks/settings.py)

Why no rule on the personnummer: CheckRequested carries no personal data (it is published to every consumer of
registry_checks.events), so the simulator sees the applicant id, the register and the municipality only. A demo
picks outcomes by municipality (register the applicant in the municipality a rule names); tests by applicant id.
A real register needs the personnummer: its request channel is agreed per register (register-contract.md).
"""
from __future__ import annotations

import argparse
import heapq
import itertools
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from kombu import Connection, Exchange, Producer, Queue

from services.common import config
from services.common.topology import events_exchange
from services.registry_checks.contract import (INBOUND_EXCHANGE, SIGNATURE_HEADER, TIMESTAMP_HEADER, declare_inbound,
                                               register_keys, sign, timestamp_of)

log = logging.getLogger("kontakt.register_simulator")

QUEUE = "register_simulator.check_requests"
OUTCOMES = ("clear", "remarks", "not_found", "none")
_MATCH_FIELDS = ("register", "municipality", "applicant_id", "check_id")
SUMMARIES = {
    "clear": "",
    "remarks": "Simulerat utdrag: anteckning finns (testdata, ingen verklig uppgift).",
    "not_found": "Simulerat utdrag: personen kunde inte identifieras (testdata).",
}


def request_queue() -> Queue:
    return Queue(QUEUE, exchange=events_exchange("registry_checks"), routing_key="CheckRequested", durable=True,
                 auto_delete=False, exclusive=False)


def declare_topology(amqp_uri: str | None = None) -> None:
    """Declare what the simulator needs before anything publishes: the registry_checks.events exchange with the
    simulator's queue bound to it (or the relay's CheckRequested would be dropped), and the inbound exchange and
    queue the results go to (or a result published with `mandatory` would be returned)."""
    amqp_uri = amqp_uri or config.amqp_uri()
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.default_channel
        events_exchange("registry_checks")(channel).declare()
        request_queue()(channel).declare()
    declare_inbound(amqp_uri)


# --------------------------------------------------------------------------------------------- outcomes

@dataclass(frozen=True)
class Rule:
    outcome: str
    register: str | None = None
    municipality: str | None = None
    applicant_id: str | None = None
    applicant_id_suffix: str | None = None
    check_id: str | None = None

    def matches(self, request: dict) -> bool:
        for name in _MATCH_FIELDS:
            wanted = getattr(self, name)
            if wanted is not None and request.get(name) != wanted:
                return False
        suffix = self.applicant_id_suffix
        return suffix is None or str(request.get("applicant_id", "")).endswith(suffix)


def parse_rules(text: str | None) -> list[Rule]:
    if not text or not text.strip():
        return []
    raw = json.loads(text)
    if not isinstance(raw, list):
        raise ValueError("SIMULATOR_RULES must be a JSON list of rules")
    rules = []
    for item in raw:
        rule = Rule(**item)
        if rule.outcome not in OUTCOMES:
            raise ValueError(f"a rule's outcome must be one of {', '.join(OUTCOMES)}")
        rules.append(rule)
    return rules


def outcome_for(request: dict, rules: list[Rule], default: str = "clear") -> str:
    return next((rule.outcome for rule in rules if rule.matches(request)), default)


def result_message(request: dict, outcome: str, key: bytes, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The signed body and headers of a register's answer to one CheckRequested."""
    register, check_id = request["register"], request["check_id"]
    body = json.dumps({
        "register_id": register,
        "check_id": check_id,
        "outcome": outcome,
        "register_reference": f"SIM-{register[:3].upper()}-{uuid.uuid4().hex[:12]}",
        "completed_at": now.isoformat(timespec="seconds"),
        "valid_until": (now.date() + timedelta(days=365)).isoformat() if outcome == "clear" else None,
        "summary": SUMMARIES[outcome],
    }, ensure_ascii=False).encode("utf-8")
    timestamp = timestamp_of(now)
    return body, {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(key, timestamp, body)}


# --------------------------------------------------------------------------------------------- the process

class Simulator:
    def __init__(self, amqp_uri: str | None = None, delay: float | None = None, rules: list[Rule] | None = None,
                 default_outcome: str | None = None, keys: dict[str, bytes] | None = None, prefetch: int = 500):
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.delay = config.env_float("SIMULATOR_DELAY", 2.0) if delay is None else delay
        self.rules = parse_rules(os.environ.get("SIMULATOR_RULES")) if rules is None else rules
        self.default_outcome = default_outcome or os.environ.get("SIMULATOR_DEFAULT_OUTCOME", "clear")
        if self.default_outcome not in OUTCOMES:
            raise ValueError(f"SIMULATOR_DEFAULT_OUTCOME must be one of {', '.join(OUTCOMES)}")
        self.keys = register_keys() if keys is None else keys
        self.prefetch = prefetch
        self.stopping = threading.Event()
        self.ready = threading.Event()  # set while consuming
        self.answered = 0
        self._sequence = itertools.count()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Answer requests until stopped, reconnecting after broker failures (unacked requests come back)."""
        while not self.stopping.is_set():
            try:
                self._run_once()
            except Exception as error:  # noqa: BLE001 - a lost connection: start again, nothing is lost
                self.ready.clear()
                log.warning("simulator restarting after %s: %s", type(error).__name__, error)
                self.stopping.wait(0.5)

    def _run_once(self) -> None:
        due: list = []  # heap of (due time, sequence, request, message)

        def on_request(body, message) -> None:
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or not all(isinstance(data.get(f), str) for f in ("check_id", "register")):
                log.error("dropped a message that is not a CheckRequested envelope")
                message.ack()
                return
            heapq.heappush(due, (time.monotonic() + self.delay, next(self._sequence), data, message))

        def on_undecodable(message, error) -> None:
            log.error("dropped an undecodable message: %s", type(error).__name__)
            message.ack()

        confirming = {"confirm_publish": True}
        with Connection(self.amqp_uri, heartbeat=30, connect_timeout=10) as consuming, \
                Connection(self.amqp_uri, connect_timeout=10, transport_options=confirming) as publishing:
            producer = Producer(publishing, exchange=Exchange(INBOUND_EXCHANGE, type="topic"), auto_declare=False)
            consumer = consuming.Consumer(request_queue(), callbacks=[on_request], accept=["json"],
                                          on_decode_error=on_undecodable, prefetch_count=self.prefetch)
            with consumer:
                self.ready.set()
                log.info("register simulator answering CheckRequested after %.1f s", self.delay)
                while not self.stopping.is_set():
                    while due and due[0][0] <= time.monotonic():
                        _, _, request, message = heapq.heappop(due)
                        self._answer(producer, request)
                        message.ack()  # only now: the result is confirmed by the broker
                    wait = min(0.2, max(0.0, due[0][0] - time.monotonic())) if due else 0.2
                    try:
                        consuming.drain_events(timeout=max(wait, 0.001))
                    except socket.timeout:
                        pass
                    consuming.heartbeat_check()  # sends ours when due; raises if the broker's stopped
        self.ready.clear()

    def _answer(self, producer: Producer, request: dict) -> None:
        outcome = outcome_for(request, self.rules, self.default_outcome)
        register = request["register"]
        if outcome == "none":
            log.info("not answering check %s (%s): a rule says none", request["check_id"], register)
            return
        key = self.keys.get(register)
        if key is None:
            log.error("no key for register %s: check %s stays unanswered", register, request["check_id"])
            return
        body, headers = result_message(request, outcome, key, datetime.now(timezone.utc).replace(microsecond=0))
        producer.publish(body, routing_key=register, headers=headers, content_type="application/json",
                         content_encoding="utf-8", delivery_mode=2, message_id=str(uuid.uuid4()), mandatory=True)
        self.answered += 1
        log.info("answered check %s as %s: %s", request["check_id"], register, outcome)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Play the register services for Kontakt in development.")
    parser.add_argument("--declare-only", action="store_true", help="declare the topology and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    declare_topology()
    if args.declare_only:
        print("declared the register simulator's queue and the registry_checks.inbound exchange and queue")
        return
    simulator = Simulator()
    signal.signal(signal.SIGTERM, lambda *_: simulator.stop())
    signal.signal(signal.SIGINT, lambda *_: simulator.stop())
    simulator.run()


if __name__ == "__main__":
    main()
