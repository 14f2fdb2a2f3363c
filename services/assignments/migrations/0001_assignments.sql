-- The assignments service's read tables, all rebuilt from events (own, and applicants' and registry_checks'
-- through the inbox): the matching pool, client needs, assignments and their meetings and timeline.

-- One row per applicant seen (ApplicantRegistered onward); the pool is the approved rows with clear checks and
-- capacity left. Ids are the applicants' stream ids, 'applicant-<uuid>'.
-- Every write gives the row a new `version` from one sequence (never reset, not even by a rebuild's TRUNCATE), so
-- a process may keep rows it has read and trust them while their version is unchanged (projection.PoolCache).
CREATE SEQUENCE pool_version_seq;
CREATE TABLE pool_volunteers (
    volunteer_id            text        PRIMARY KEY,
    municipality            text        NOT NULL,  -- kommunkod registered with: the volunteer's home
    status                  text        NOT NULL CHECK (status IN ('registered', 'approved', 'rejected', 'withdrawn')),
    name                    text        NOT NULL,  -- for the case worker choosing whom to ask
    approved_roles          text[]      NOT NULL DEFAULT '{}',
    approval_valid_until    date,
    regional_consent        boolean     NOT NULL DEFAULT false,
    max_assignments         integer     NOT NULL DEFAULT 1,
    age_min                 integer,
    age_max                 integer,
    interests               text[]      NOT NULL DEFAULT '{}',  -- normalised: lower case, trimmed, once each
    languages               text[]      NOT NULL DEFAULT '{}',
    postnummer              text,
    availability            text[]      NOT NULL DEFAULT '{}',  -- weekdays, evenings, weekends, holidays
    household_birth_years   integer[]   NOT NULL DEFAULT '{}',
    -- earliest last-valid day of the clear register checks; NULL unless every live check is clear
    checks_clear_until      date,
    -- offered, accepted, started or interrupted assignments (own events)
    active_assignments      integer     NOT NULL DEFAULT 0,
    version                 bigint      NOT NULL DEFAULT nextval('pool_version_seq'),
    updated_at              timestamptz NOT NULL
);
-- The candidates query: approved, for the insats, at home or consenting to the region.
CREATE INDEX pool_approved_by_municipality ON pool_volunteers (municipality) WHERE status = 'approved';
CREATE INDEX pool_approved_regional ON pool_volunteers (volunteer_id) WHERE status = 'approved' AND regional_consent;

-- One row per register check (registry_checks' 'check-<id>' stream).
CREATE TABLE pool_checks (
    check_id      text        PRIMARY KEY,
    volunteer_id  text        NOT NULL,
    register      text        NOT NULL,
    state         text        NOT NULL CHECK (state IN ('requested', 'completed', 'expired', 'cancelled')),
    -- the last valid day of the clear result in force (it stays in force during a renewal); NULL: none
    clear_until   date,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX pool_checks_of ON pool_checks (volunteer_id);

-- The municipality's decisions (beslut). The client's identity and the needs text are kept here for the case
-- workers of the municipality only; postnummer is withheld from all but the responsible case worker when the
-- client has skyddad identitet (the service applies that on every read).
CREATE TABLE needs (
    need_id              text        PRIMARY KEY,  -- 'need-<uuid>'
    municipality         text        NOT NULL,
    insats               text        NOT NULL,
    legal_basis          text        NOT NULL,
    decision_date        date        NOT NULL,
    period_from          date        NOT NULL,
    period_to            date,
    clients              jsonb       NOT NULL,     -- [{personnummer, name, birth_date}]
    needs                text        NOT NULL,
    goals                text[]      NOT NULL,
    interests            text[]      NOT NULL,
    languages            text[]      NOT NULL,
    postnummer           text,
    protected_identity   boolean     NOT NULL,
    frequency_per_month  integer     NOT NULL,
    frequency_unit       text        NOT NULL,
    case_worker_id       text        NOT NULL,
    status               text        NOT NULL CHECK (status IN ('open', 'closed')),
    closed_on            date,
    close_reason         text,
    started_on           date,                      -- start date of the first assignment started for it
    registered_by        text,
    registered_at        timestamptz NOT NULL,
    version              integer     NOT NULL
);
CREATE INDEX needs_by_municipality ON needs (municipality, status, decision_date DESC);

CREATE TABLE assignments (
    assignment_id           text        PRIMARY KEY,  -- 'assignment-<uuid>'
    need_id                 text        NOT NULL,
    municipality            text        NOT NULL,     -- the need's
    volunteer_id            text        NOT NULL,
    volunteer_municipality  text        NOT NULL,
    insats                  text        NOT NULL,
    legal_basis             text        NOT NULL,
    decision_date           date        NOT NULL,
    period_from             date        NOT NULL,
    period_to               date,
    case_worker_id          text        NOT NULL,
    status                  text        NOT NULL
        CHECK (status IN ('offered', 'accepted', 'declined', 'started', 'interrupted', 'ended')),
    offered_on              date        NOT NULL,
    client_view             jsonb       NOT NULL,     -- de-identified: what the volunteer sees
    accepted_on             date,
    declined_on             date,
    decline_reason          text,
    start_date              date,
    plan                    jsonb,                    -- the genomförandeplan
    interruptions           jsonb       NOT NULL DEFAULT '[]',  -- [[from, resumed_on or null]]
    last_follow_up_on       date,
    open_deviations         jsonb       NOT NULL DEFAULT '[]',  -- [[deviation_id, reported_on]]
    open_flags              jsonb       NOT NULL DEFAULT '[]',  -- [[flag_id, reason, flagged_on]]
    end_requested_on        date,
    ended_on                date,
    end_reason              text,
    version                 integer     NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE INDEX assignments_by_municipality ON assignments (municipality, status);
CREATE INDEX assignments_by_volunteer ON assignments (volunteer_id, status);
CREATE INDEX assignments_by_need ON assignments (need_id);

-- Meetings as they now stand: a correction replaces the meeting's row (its events keep the history).
CREATE TABLE assignment_meetings (
    meeting_id     text        NOT NULL,
    assignment_id  text        NOT NULL,
    volunteer_id   text        NOT NULL,
    "on"           date        NOT NULL,
    status         text        NOT NULL,
    minutes        integer,
    stay_start     timestamptz,
    stay_end       timestamptz,
    dygn           integer,
    activity       text        NOT NULL,
    expenses       jsonb       NOT NULL,
    note           text,                        -- for the case worker only
    corrections    integer     NOT NULL DEFAULT 0,
    logged_at      timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (assignment_id, meeting_id)
);

-- What happened on an assignment besides meetings, for the case worker: deviations, supervision, flags, end
-- requests, interruptions. `data` is the event's data (private texts included: case workers only).
CREATE TABLE assignment_timeline (
    event_id       uuid        PRIMARY KEY,
    assignment_id  text        NOT NULL,
    event_type     text        NOT NULL,
    stream_version integer     NOT NULL,
    actor          text,
    data           jsonb       NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE INDEX assignment_timeline_of ON assignment_timeline (assignment_id, stream_version);
