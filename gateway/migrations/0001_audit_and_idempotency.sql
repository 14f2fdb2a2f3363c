-- Every read or change of personal data by a person (logguppföljning). Append-only: rows are never changed.
CREATE TABLE audit_log (
    id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                    timestamptz NOT NULL DEFAULT now(),
    actor                 text        NOT NULL,               -- the token's sub
    roles                 text[]      NOT NULL,               -- the token's roles
    municipality          text,                               -- the subject's kommunkod, when known
    caller_municipalities text[]      NOT NULL,               -- the token's kommunkoder
    action                text        NOT NULL CHECK (action IN ('read', 'change')),
    route                 text        NOT NULL,               -- 'GET /api/v1/applicants/{id}', never the query
    subject               text,                               -- the id of whose data was read or changed
    request_id            uuid        NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, at);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- A POST retried with the same Idempotency-Key by the same caller returns the first answer and acts once.
-- status IS NULL while the first request is still being answered.
CREATE TABLE idempotency_keys (
    caller       text        NOT NULL,
    key          text        NOT NULL,
    fingerprint  text        NOT NULL,   -- sha256 of method, route and body
    status       integer,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
