-- registry_checks' read tables.

-- One row per check (stream check-<check_id>), fed inline by the service's own events (projection.Checks).
-- `clear_until` is the last day a clear result in force may be relied on: NULL when none is in force. It stays
-- set during a renewal (state 'pending' again) until the old result expires or a new result replaces it.
CREATE TABLE checks (
    check_id            text        PRIMARY KEY,
    applicant_id        text        NOT NULL,
    register            text        NOT NULL,
    municipality        text        NOT NULL,
    roles               text[]      NOT NULL,
    state               text        NOT NULL CHECK (state IN ('pending', 'completed', 'expired', 'cancelled')),
    validity_months     integer     NOT NULL,
    outcome             text        CHECK (outcome IN ('clear', 'remarks', 'not_found')),
    valid_until         date,
    clear_until         date,
    register_reference  text,
    summary             text,
    source              text,
    entered_by          text,
    requested_at        timestamptz NOT NULL,
    completed_at        timestamptz,
    expired_on          date,
    cancelled_at        timestamptz,
    cancel_reason       text,
    updated_at          timestamptz NOT NULL,
    version             integer     NOT NULL
);
CREATE INDEX checks_by_applicant ON checks (applicant_id);
CREATE INDEX checks_pending ON checks (applicant_id) WHERE state = 'pending';
-- The recruiters' worklist (clear results ending within 60 days) and the periodic expiry read this.
CREATE INDEX checks_clear_until ON checks (clear_until, municipality) WHERE clear_until IS NOT NULL;

-- Results the register services published that were refused (docs/register-contract.md, "Refusals").
-- Not a projection: a refusal is no event, and a rebuild must not empty this table. Kept for operators with
-- the message as received; by contract a result body carries no personal data beyond what `summary` may say.
CREATE TABLE refused_results (
    id            bigserial   PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    reason_code   text        NOT NULL,
    message       text        NOT NULL,
    fields        text[]      NOT NULL DEFAULT '{}',
    register      text,         -- as named in the body, where it could be read
    check_id      text,         -- as named in the body, once the signature held
    municipality  text,         -- of the check, where the check exists (for admins' tenancy filter)
    routing_key   text,
    headers       jsonb       NOT NULL DEFAULT '{}',
    raw_body      bytea       NOT NULL
);
CREATE INDEX refused_results_newest ON refused_results (received_at DESC, id DESC);
