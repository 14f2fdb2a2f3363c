-- Messages an inbox would not receive because the source's relay did not sign them (docs/security.md): kept for
-- operators with the reason, never applied, never replayed. Not dead letters: a dead letter is replayed after a
-- fix, and one is kept by its event id, which a forger chooses.
CREATE TABLE refused_messages (
    id           bigserial   PRIMARY KEY,
    source       text        NOT NULL,
    reason       text        NOT NULL,
    event_id     text,
    event_type   text,
    body         bytea       NOT NULL,
    refused_at   timestamptz NOT NULL DEFAULT now()
);
