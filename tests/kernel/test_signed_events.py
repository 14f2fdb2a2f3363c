"""An inbox receives only what its source's relay published: each message signed with the deployment's internal
key over its body and its exchange. Anything else on the exchange is kept as refused, with the reason, and never
applied (docs/security.md)."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from kombu import Connection, Queue

from services.common.inbox import list_refused
from services.common.signing import EVENT_SIGNATURE_HEADER, event_is_signed, event_signature
from services.common.topology import declare, events_exchange
from tests.example import ledger, tally
from tests.kernel.helpers import publish_as_relay, running_relay, running_service, wait_until


def _applied(kernel) -> int:
    with kernel.connection() as conn:
        return conn.execute("SELECT count(*) FROM tally_applied").fetchone()[0]


def _outbox(kernel) -> list[dict]:
    with kernel.connection() as conn:
        return [row[0] for row in conn.execute("SELECT body FROM outbox ORDER BY id").fetchall()]


def test_only_events_the_relay_signed_are_applied_and_the_others_are_kept_as_refused(kernel_for, amqp_uri):
    suffix = uuid.uuid4().hex[:8]
    producer = kernel_for(ledger.spec(f"ledger{suffix}"))
    consumer_spec = tally.spec(f"tally{suffix}", source=producer.spec.name)
    consumer = kernel_for(consumer_spec)
    source = producer.spec.name
    declare(amqp_uri, [source, "applicants"], consumer_spec.subscriptions)
    # given four genuine events of the ledger, not yet relayed
    for s in range(4):
        producer.execute(ledger.counter, f"counter-{s}", ledger.Increment(1))
    forged, unsigned, misbound, other_key = _outbox(producer)
    body = json.dumps(forged).encode("utf-8")
    with running_service(tally.service_class(consumer_spec), amqp_uri):
        # when someone else who may publish puts them on the ledger's exchange first: with a made-up signature,
        # with none, with a signature for another exchange, and signed with a key that is not the deployment's
        publish_as_relay(amqp_uri, source, forged, signature="0" * 64)
        publish_as_relay(amqp_uri, source, unsigned, signed=False)
        publish_as_relay(amqp_uri, source, misbound,
                         signature=event_signature("applicants", json.dumps(misbound).encode("utf-8")))
        publish_as_relay(amqp_uri, source, other_key, signature=hmac.new(
            b"not-the-deployments-key-but-long-enough", source.encode() + b".events\n"
            + json.dumps(other_key).encode("utf-8"), hashlib.sha256).hexdigest())
        # then none is applied; each is kept as refused with the reason and what it claimed to be
        wait_until(lambda: len(_refused(consumer)) == 4, timeout=15, message="four messages refused")
        assert _applied(consumer) == 0
        refused = sorted((m.reason, m.event_id, m.event_type) for m in _refused(consumer))
        assert refused == sorted([("bad_signature", forged["event_id"], "Incremented"),
                                  ("unsigned", unsigned["event_id"], "Incremented"),
                                  ("bad_signature", misbound["event_id"], "Incremented"),
                                  ("bad_signature", other_key["event_id"], "Incremented")])
        with consumer.connection() as conn:
            assert conn.execute("SELECT count(*) FROM dead_letters").fetchone() == (0,)  # never to be replayed
            [kept] = conn.execute("SELECT body FROM refused_messages WHERE event_id = %s",
                                  (forged["event_id"],)).fetchone()
        assert bytes(kept) == body  # as it came, for an operator to look at

        # when the relay publishes the same events, then each is applied once, the forgers' copies
        # having claimed their event ids in vain
        with running_relay(source):
            wait_until(lambda: _applied(consumer) == 4, timeout=15, message=lambda: f"{_applied(consumer)} applied")
    assert len(_refused(consumer)) == 4


def test_the_relay_signs_each_message_over_the_body_it_sends_and_its_exchange(kernel_for, amqp_uri):
    suffix = uuid.uuid4().hex[:8]
    producer = kernel_for(ledger.spec(f"ledger{suffix}"))
    source = producer.spec.name
    declare(amqp_uri, [source], [])
    watch = Queue(f"watch-{suffix}", exchange=events_exchange(source), routing_key="#", durable=False,
                  auto_delete=True)
    with Connection(amqp_uri) as connection:
        # given a queue that watches the ledger's exchange, and an event in the outbox
        simple = connection.SimpleQueue(watch, no_ack=True)
        producer.execute(ledger.counter, "counter-1", ledger.Increment(1))
        # when the relay publishes it
        with running_relay(source):
            message = simple.get(timeout=15)
        simple.close()
    # then the message carries a signature of exactly the bytes sent, on this exchange
    raw, signature = message.body, message.headers[EVENT_SIGNATURE_HEADER]
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw  # py-amqp decodes by the content encoding
    assert event_is_signed(source, raw, signature)
    assert not event_is_signed("applicants", raw, signature)
    assert not event_is_signed(source, raw + b" ", signature)


def _refused(kernel):
    with kernel.connection() as conn:
        return list_refused(conn)


def test_a_second_accepted_key_lets_the_internal_key_be_rotated_without_refusing_anything(monkeypatch):
    from services.common.roles import Caller
    from services.common.signing import caller_context, caller_from_context

    old, new = "gammal-nyckel-" + "a" * 32, "ny-nyckel-" + "b" * 32
    body = b'{"event_id": "e"}'
    # given a message and a caller signed with the old key
    monkeypatch.setenv("KONTAKT_INTERNAL_KEY", old)
    signature = event_signature("ledger", body)
    context = caller_context(Caller({"sub": "rekryterare-1", "roles": {"0180": ["recruiter"]}}))
    # when the processes sign with the new key and still accept the old one, then both still verify
    monkeypatch.setenv("KONTAKT_INTERNAL_KEY", new)
    monkeypatch.setenv("KONTAKT_INTERNAL_KEY_ACCEPTED", old)
    assert event_is_signed("ledger", body, signature)
    assert caller_from_context(context).has_role_in("0180", "recruiter")
    # and once the old key is no longer accepted, neither does
    monkeypatch.delenv("KONTAKT_INTERNAL_KEY_ACCEPTED")
    assert not event_is_signed("ledger", body, signature)
    assert caller_from_context(context).anonymous
