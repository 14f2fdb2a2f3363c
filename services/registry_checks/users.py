"""RabbitMQ users for the register services: each may publish to `registry_checks.inbound` and do nothing else.

    python -m services.registry_checks.users create kronofogden --password-file /run/secrets/kfm
    python -m services.registry_checks.users create kronofogden --password ...   (visible in `ps`: prefer a file)
    python -m services.registry_checks.users delete kronofogden

The user is named after the register (or --username). Its permissions in the vhost (--vhost, default: the one
AMQP_URI names) are configure '^$' (declare or delete nothing), write '^registry_checks\\.inbound$' (publish to that
exchange only) and read '^$' (consume no queue). Runs `rabbitmqctl` on this machine (--rabbitmqctl to name another
binary, e.g. one that runs it in the broker's container); the password goes to it on stdin, not in its arguments.
"""
from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from urllib.parse import unquote, urlsplit

from services.common import config

from .registers import REGISTERS
from .topology import INBOUND_EXCHANGE

CONFIGURE = "^$"
WRITE = "^" + INBOUND_EXCHANGE.replace(".", r"\.") + "$"
READ = "^$"


class UsersError(Exception):
    pass


def vhost_of(amqp_uri: str) -> str:
    """The vhost an AMQP URI names: its path, URL-decoded; '/' when it names none."""
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def _run(rabbitmqctl: str, *args: str, stdin: str | None = None) -> None:
    try:
        subprocess.run([rabbitmqctl, "-q", *args], input=stdin, text=True, check=True, capture_output=True,
                       timeout=60)
    except FileNotFoundError:
        raise UsersError(f"{rabbitmqctl} not found") from None
    except subprocess.CalledProcessError as error:
        # rabbitmqctl's own message (it names the user and vhost, never the password).
        raise UsersError((error.stderr or error.stdout or "").strip() or f"{rabbitmqctl} failed") from None


def create_register_user(register: str, password: str, *, vhost: str, username: str | None = None,
                         rabbitmqctl: str = "rabbitmqctl") -> str:
    """Create the user and grant it only the right to publish to the inbound exchange in `vhost`."""
    if register not in REGISTERS:
        raise UsersError(f"unknown register {register!r}; one of: {', '.join(REGISTERS)}")
    if len(password) < 16:
        raise UsersError("the password must be at least 16 characters")
    username = username or register
    _run(rabbitmqctl, "add_user", username, stdin=password)  # the password on stdin, not in `ps`
    try:
        _run(rabbitmqctl, "set_permissions", "-p", vhost, username, CONFIGURE, WRITE, READ)
    except UsersError:
        _run(rabbitmqctl, "delete_user", username)
        raise
    return username


def delete_register_user(username: str, *, rabbitmqctl: str = "rabbitmqctl") -> None:
    _run(rabbitmqctl, "delete_user", username)


def _password(args) -> str:
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as file:
            return file.read().strip()
    if args.password:
        return args.password
    if os.environ.get("REGISTER_USER_PASSWORD"):
        return os.environ["REGISTER_USER_PASSWORD"]
    return getpass.getpass(f"password for {args.username or args.register}: ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.registry_checks.users", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rabbitmqctl", default=os.environ.get("RABBITMQCTL", "rabbitmqctl"))
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a register's user")
    create.add_argument("register", choices=list(REGISTERS))
    create.add_argument("--username", help="default: the register id")
    create.add_argument("--password", help="prefer --password-file, REGISTER_USER_PASSWORD or the prompt")
    create.add_argument("--password-file")
    create.add_argument("--vhost", help="default: the vhost of AMQP_URI")
    delete = commands.add_parser("delete", help="delete a register's user")
    delete.add_argument("username")
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            vhost = args.vhost or vhost_of(config.amqp_uri())
            username = create_register_user(args.register, _password(args), vhost=vhost, username=args.username,
                                            rabbitmqctl=args.rabbitmqctl)
            print(f"created {username}: may publish to {INBOUND_EXCHANGE} in vhost {vhost}, nothing else")
        else:
            delete_register_user(args.username, rabbitmqctl=args.rabbitmqctl)
            print(f"deleted {args.username}")
    except UsersError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
