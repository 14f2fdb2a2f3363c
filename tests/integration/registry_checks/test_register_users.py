"""A register's RabbitMQ user, as `python -m services.registry_checks.users create` makes it: it may publish to
registry_checks.inbound and nothing else. Checked against the real broker, in the test run's vhost."""
from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

import amqp
import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection

from services.common import config
from services.common.topology import declare_exchange
from services.registry_checks import users
from services.registry_checks.topology import INBOUND_EXCHANGE, INBOUND_QUEUE, declare_inbound


@pytest.fixture(scope="module")
def register_user():
    """A user for Kronofogden in this run's vhost (AMQP_URI), created by the CLI; deleted afterwards."""
    amqp_uri = config.amqp_uri()
    declare_inbound(amqp_uri)
    with Connection(amqp_uri) as connection:
        declare_exchange(connection, "registry_checks")  # an exchange it must not write to
    username, password = f"kronofogden-test-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24)
    if users.main(["create", "kronofogden", "--username", username, "--password", password]) != 0:
        # The CLI printed rabbitmqctl's complaint to stderr; say it again where the test report shows it.
        users.create_register_user("kronofogden", password, vhost=users.vhost_of(amqp_uri), username=username)
    try:
        yield username, password
    finally:
        users.delete_register_user(username)


def connect_as(amqp_uri: str, username: str, password: str) -> amqp.Connection:
    parts = urlsplit(amqp_uri)
    connection = amqp.Connection(host=f"{parts.hostname}:{parts.port or 5672}", userid=username, password=password,
                                 virtual_host=users.vhost_of(amqp_uri), confirm_publish=True, connect_timeout=10)
    connection.connect()
    return connection


def message() -> amqp.Message:
    return amqp.Message(b'{"register_id": "kronofogden"}', content_type="application/json", delivery_mode=2)


def test_a_register_user_may_publish_to_the_inbound_exchange(amqp_uri, register_user):
    # given a queue of ours bound to the inbound exchange, to see what arrives
    with Connection(amqp_uri) as guest:
        channel = guest.channel()
        probe, _, _ = channel.queue_declare(exclusive=True)
        channel.queue_bind(probe, INBOUND_EXCHANGE, "kronofogden")
        # when the register's user publishes a result there (publisher confirms: returns once the broker took it)
        connection = connect_as(amqp_uri, *register_user)
        try:
            connection.channel().basic_publish(message(), exchange=INBOUND_EXCHANGE, routing_key="kronofogden")
        finally:
            connection.close()
        # then it arrives
        got = channel.basic_get(probe, no_ack=True)
        assert got is not None and got.body == message().body
        channel.close()


@pytest.mark.parametrize("what, attempt", [
    ("publish to another exchange", lambda ch: ch.basic_publish(message(), exchange="registry_checks.events",
                                                                routing_key="CheckCompleted")),
    ("publish to the default exchange", lambda ch: ch.basic_publish(message(), exchange="",
                                                                    routing_key=INBOUND_QUEUE)),
    ("read the inbound queue", lambda ch: ch.basic_get(INBOUND_QUEUE)),
    ("consume the inbound queue", lambda ch: ch.basic_consume(INBOUND_QUEUE, callback=lambda m: None)),
    ("declare a queue of its own", lambda ch: ch.queue_declare("kronofogden-listens", durable=False)),
    ("bind a queue to the inbound exchange", lambda ch: ch.queue_bind(INBOUND_QUEUE, INBOUND_EXCHANGE, "#")),
    ("delete the inbound exchange", lambda ch: ch.exchange_delete(INBOUND_EXCHANGE)),
])
def test_a_register_user_may_do_nothing_else(amqp_uri, register_user, what, attempt):
    connection = connect_as(amqp_uri, *register_user)
    try:
        with pytest.raises(AccessRefused):
            attempt(connection.channel())
            connection.drain_events(timeout=1)  # an asynchronous refusal arrives as the channel's close
    finally:
        connection.collect()
