-- The kernel's tables, in every service's database.

-- One sequence orders everything a service's projections saw: its own events (position) and the foreign events
-- it applied (inbox.applied_seq). Rebuilding replays both in this order, so a projection is rebuilt exactly as
-- it was built.
CREATE SEQUENCE kernel_apply_seq;

CREATE TABLE events (
    position        bigint      PRIMARY KEY DEFAULT nextval('kernel_apply_seq'),
    -- The writing transaction's id. Readers by position read (tx_id, position) below the oldest running
    -- transaction, so an event of a transaction that commits late is never skipped (see store.read_all).
    tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid        NOT NULL UNIQUE,
    stream_id       text        NOT NULL,
    stream_type     text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version > 0),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    municipality    text,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    actor           text,
    correlation_id  uuid,
    causation_id    uuid,
    data            jsonb       NOT NULL,
    -- Optimistic concurrency: two writers expecting the same version cannot both append.
    UNIQUE (stream_id, stream_version)
);
CREATE INDEX events_commit_order ON events (tx_id, position);

-- Events waiting for the relay. A row is deleted only after the broker confirmed the message.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid      NOT NULL,
    routing_key  text      NOT NULL,
    body         jsonb     NOT NULL
);

-- Every foreign event received, kept so that foreign projections can be rebuilt. A row with applied_seq NULL is
-- parked: an earlier version of its stream has not arrived yet.
CREATE TABLE inbox (
    event_id        uuid        PRIMARY KEY,
    source          text        NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL,
    event_type      text        NOT NULL,
    envelope        jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    applied_seq     bigint,
    UNIQUE (source, stream_id, stream_version)
);
CREATE INDEX inbox_parked ON inbox (source, stream_id, stream_version) WHERE applied_seq IS NULL;
CREATE INDEX inbox_apply_order ON inbox (applied_seq) WHERE applied_seq IS NOT NULL;

-- How far each foreign stream has been applied.
CREATE TABLE inbox_streams (
    source           text    NOT NULL,
    stream_id        text    NOT NULL,
    applied_version  integer NOT NULL,
    PRIMARY KEY (source, stream_id)
);

-- Events a handler failed on after every retry, with the error, until an operator replays them.
CREATE TABLE dead_letters (
    event_id     uuid        PRIMARY KEY,
    source       text        NOT NULL,
    event_type   text        NOT NULL,
    envelope     jsonb       NOT NULL,
    error        text        NOT NULL,
    traceback    text        NOT NULL,
    attempts     integer     NOT NULL,
    dead_at      timestamptz NOT NULL DEFAULT now()
);
