#!/usr/bin/env bash
# Start the local PostgreSQL and RabbitMQ if they are installed but not running (used by `make run` and CI).
set -euo pipefail

if ! pg_isready -q -h localhost -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  for _ in $(seq 60); do pg_isready -q -h localhost -p 5432 && break; sleep 1; done
fi

if ! rabbitmqctl -q status >/dev/null 2>&1; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
fi
rabbitmqctl -q await_startup --timeout 120 >/dev/null
