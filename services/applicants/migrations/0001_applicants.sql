-- The applicants service's read tables: the list and detail of applicants, their interviews and references, and
-- what is known of their register checks (foreign events from registry_checks). All rebuilt from events.

CREATE TABLE applicants (
    applicant_id          text        PRIMARY KEY,  -- the uuid; the stream is 'applicant-<uuid>'
    stream_id             text        NOT NULL UNIQUE,
    reference             text        NOT NULL,     -- short, for people: 'KP-1A2B3C4D'
    municipality          text        NOT NULL,
    status                text        NOT NULL CHECK (status IN ('registered', 'approved', 'rejected', 'withdrawn')),
    channel               text        NOT NULL,
    registered_on         date        NOT NULL,
    registered_by         text,
    roles                 text[]      NOT NULL,
    approved_roles        text[]      NOT NULL DEFAULT '{}',
    approved_on           date,
    approval_valid_until  date,
    approved_by           text,
    given_name            text        NOT NULL,
    family_name           text        NOT NULL,
    -- Normalised 'YYYYMMDD-NNNN': shown in full in the detail only, masked in lists; the duplicate lookup's key.
    personnummer          text        NOT NULL,
    identity_kind         text        NOT NULL,
    birth_date            date        NOT NULL,
    contact               jsonb       NOT NULL,
    household             jsonb,
    languages             text[]      NOT NULL DEFAULT '{}',
    interests             text[]      NOT NULL DEFAULT '{}',
    availability          jsonb       NOT NULL,
    preferences           jsonb       NOT NULL,
    experience            text,
    free_text             text,
    regional_consent      boolean     NOT NULL DEFAULT false,
    rejection_reason      text,
    decided_by            text,
    withdrawn_by          text,
    withdrawal_reason     text,
    version               integer     NOT NULL,     -- the stream version the row reflects
    updated_at            timestamptz NOT NULL
);

-- One open (registered or approved) registration per person and municipality. The service looks this up first and
-- names the existing applicant; the index makes two registrations racing each other fail too.
CREATE UNIQUE INDEX applicants_one_open_per_person ON applicants (municipality, personnummer)
    WHERE status IN ('registered', 'approved');
CREATE INDEX applicants_by_municipality ON applicants (municipality, status, registered_on DESC);
CREATE INDEX applicants_by_role ON applicants USING gin (roles);

CREATE TABLE applicant_interviews (
    event_id        uuid        PRIMARY KEY,
    applicant_id    text        NOT NULL,
    interviewed_on  date        NOT NULL,
    interviewer     text        NOT NULL,
    home_visit      boolean     NOT NULL,
    notes           text        NOT NULL,
    recorded_by     text,
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX applicant_interviews_of ON applicant_interviews (applicant_id);

CREATE TABLE applicant_references (
    event_id      uuid        PRIMARY KEY,
    applicant_id  text        NOT NULL,
    kind          text        NOT NULL,
    name          text        NOT NULL,
    contact       text        NOT NULL,
    outcome       text        NOT NULL,
    notes         text        NOT NULL,
    recorded_by   text,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX applicant_references_of ON applicant_references (applicant_id);

-- One row per register check (registry_checks' 'check-<check_id>' stream), folded with checks.check_status_after.
CREATE TABLE applicant_checks (
    check_id            text        PRIMARY KEY,
    applicant_id        text        NOT NULL,
    municipality        text,
    register            text        NOT NULL,
    state               text        NOT NULL,
    outcome             text,
    valid_until         date,
    requested_at        timestamptz,
    completed_at        timestamptz,
    register_reference  text,
    summary             text,
    result_source       text,
    entered_by          text,
    cancel_reason       text,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX applicant_checks_of ON applicant_checks (applicant_id);
