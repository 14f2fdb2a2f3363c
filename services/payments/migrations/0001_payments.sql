-- The payments service's tables.
-- Read tables (projection.py; rebuilt from the event store and the inbox): pay_assignments, pay_meetings,
-- pay_reports, pay_compensations, pay_runs, pay_run_items, pay_rates, pay_tax_details, pay_tax_details_changes.
-- Work tables (runs.py; operational state of payment runs, never rebuilt): pay_batches, pay_jobs.

-- Assignments as AssignmentStarted / AssignmentEnded told us (assignments service).
CREATE TABLE pay_assignments (
    assignment_id      text        PRIMARY KEY,  -- the assignment's uuid (its stream is 'assignment-<uuid>')
    municipality       text        NOT NULL,
    volunteer_id       text        NOT NULL,
    kind               text        NOT NULL,     -- the insats: kontaktperson | kontaktfamilj | skkp
    case_worker_id     text        NOT NULL,     -- the responsible socialsekreterare: approves the reports
    start_date         date        NOT NULL,
    ended_on           date,
    plan               jsonb       NOT NULL,     -- plan.arvode and plan.omkostnad as published
    client_birth_date  date,                     -- kontaktfamilj: only if the assignments service publishes it
    updated_at         timestamptz NOT NULL
);
CREATE INDEX pay_assignments_by_volunteer ON pay_assignments (volunteer_id);

-- Every meeting, as its latest MeetingLogged / MeetingCorrected says; in each month it counts in (a stay over a
-- month's end counts in both months).
CREATE TABLE pay_meetings (
    meeting_id     text        PRIMARY KEY,   -- the assignments service's meeting id
    assignment_id  text        NOT NULL,
    version_id     text        NOT NULL,      -- the event id of the latest version: what a report approves
    months         text[]      NOT NULL,
    meeting        jsonb       NOT NULL,      -- compensation_decider.meeting_data of the latest version
    corrections    integer     NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX pay_meetings_by_assignment ON pay_meetings (assignment_id);

-- The monthly report (närvarorapport) as approved, and how far it has been calculated.
CREATE TABLE pay_reports (
    assignment_id        text    NOT NULL,
    month                text    NOT NULL,
    municipality         text    NOT NULL,
    volunteer_id         text    NOT NULL,
    kind                 text    NOT NULL,
    revision             integer NOT NULL,
    meeting_version_ids  text[]  NOT NULL,     -- sorted
    approved_by          text    NOT NULL,
    approved_on          date    NOT NULL,
    calculated_revision  integer NOT NULL DEFAULT 0,  -- the report revision the last calculation rests on
    PRIMARY KEY (assignment_id, month)
);
-- What a run calculates: approved revisions not calculated yet.
CREATE INDEX pay_reports_to_calculate ON pay_reports (municipality, month)
    WHERE calculated_revision < revision;

-- Every CompensationCalculated (a month, or an adjustment of one), and whether it is paid.
CREATE TABLE pay_compensations (
    compensation_id   text        PRIMARY KEY,
    assignment_id     text        NOT NULL,
    month             text        NOT NULL,
    municipality      text        NOT NULL,
    volunteer_id      text        NOT NULL,
    kind              text        NOT NULL,
    sequence          integer     NOT NULL,
    adjustment        boolean     NOT NULL,
    paid_in           text        NOT NULL,
    paid_in_year      integer     NOT NULL,
    payout_ore        bigint      NOT NULL,
    taxable_ore       bigint      NOT NULL,    -- for the year-to-date of the 1,000 kr rule
    deferred_ore      bigint      NOT NULL,
    catch_up_ore      bigint      NOT NULL,
    data              jsonb       NOT NULL,    -- the event's data: lines, totals, basis, rates used
    calculated_at     timestamptz NOT NULL,
    paid_run_id       text,
    paid_on           date,
    paid_event_id     text
);
CREATE INDEX pay_compensations_unpaid ON pay_compensations (municipality, month) WHERE paid_run_id IS NULL;
CREATE INDEX pay_compensations_year ON pay_compensations (municipality, volunteer_id, paid_in_year);
CREATE INDEX pay_compensations_by_run ON pay_compensations (paid_run_id);
CREATE INDEX pay_compensations_by_assignment ON pay_compensations (assignment_id, month);

CREATE TABLE pay_runs (
    run_id            text    PRIMARY KEY,
    municipality      text    NOT NULL,
    period            text    NOT NULL,
    status            text    NOT NULL CHECK (status IN ('prepared', 'approved')),
    preparation       integer NOT NULL,
    prepared_by       text    NOT NULL,
    prepared_on       date    NOT NULL,
    approved_by       text,
    approved_on       date,
    item_count        integer NOT NULL,
    total_payout_ore  bigint  NOT NULL
);
CREATE INDEX pay_runs_by_municipality ON pay_runs (municipality, period);

CREATE TABLE pay_run_items (
    run_id           text    NOT NULL,
    compensation_id  text    NOT NULL,
    assignment_id    text    NOT NULL,
    volunteer_id     text    NOT NULL,
    month            text    NOT NULL,
    payout_ore       bigint  NOT NULL,
    PRIMARY KEY (run_id, compensation_id)
);
CREATE INDEX pay_run_items_by_compensation ON pay_run_items (compensation_id);

-- Each municipality's own rates, every change with who and why (RatesPublished).
CREATE TABLE pay_rates (
    event_id        text        NOT NULL,
    municipality    text        NOT NULL,
    key             text        NOT NULL,
    effective_from  date        NOT NULL,
    value           text,                       -- null: follow SKR again
    unit            text        NOT NULL,
    reason          text        NOT NULL,
    published_by    text        NOT NULL,
    published_at    timestamptz NOT NULL,
    PRIMARY KEY (event_id, key)
);
CREATE INDEX pay_rates_by_municipality ON pay_rates (municipality, key, effective_from);

-- A volunteer's tax and payment details, per municipality, and every change (TaxDetailsChanged).
CREATE TABLE pay_tax_details (
    municipality         text        NOT NULL,
    volunteer_id         text        NOT NULL,
    personnummer         text        NOT NULL,   -- full: the payroll file needs it; masked in every answer
    birth_date           date        NOT NULL,
    withholding_basis    text        NOT NULL,
    withholding_percent  text,
    bank_account         jsonb,
    changed_by           text        NOT NULL,
    changed_at           timestamptz NOT NULL,
    PRIMARY KEY (municipality, volunteer_id)
);

CREATE TABLE pay_tax_details_changes (
    event_id        text        PRIMARY KEY,
    municipality    text        NOT NULL,
    volunteer_id    text        NOT NULL,
    changed_fields  text[]      NOT NULL,
    reason          text        NOT NULL,
    changed_by      text        NOT NULL,
    changed_at      timestamptz NOT NULL
);
CREATE INDEX pay_tax_details_changes_by_volunteer ON pay_tax_details_changes (municipality, volunteer_id);

-- --- work tables: a run's work split into jobs on the RabbitMQ work queue ----------------------------------

-- One phase of one run: 'calculate' (then PaymentRunPrepared) or 'issue' (PaymentIssued per item).
CREATE TABLE pay_batches (
    batch_id      bigserial   PRIMARY KEY,
    run_id        text        NOT NULL,
    municipality  text        NOT NULL,
    period        text        NOT NULL,
    phase         text        NOT NULL CHECK (phase IN ('calculate', 'issue')),
    requested_by  text        NOT NULL,
    requested_on  date        NOT NULL,
    status        text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
    item_count    integer     NOT NULL,
    job_count     integer     NOT NULL,
    outcome       jsonb,                      -- at the end: what the phase produced, or why it produced nothing
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
-- One phase of a run at a time: a second prepare or approve while one runs is refused.
CREATE UNIQUE INDEX pay_batches_one_running ON pay_batches (run_id) WHERE status = 'running';
CREATE INDEX pay_batches_by_run ON pay_batches (run_id, batch_id);

-- A job: the items of a few volunteers (all of one volunteer's items are in one job), done in one transaction.
CREATE TABLE pay_jobs (
    job_id        bigserial   PRIMARY KEY,
    batch_id      bigint      NOT NULL REFERENCES pay_batches (batch_id),
    items         jsonb       NOT NULL,
    status        text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done', 'failed')),
    attempts      integer     NOT NULL DEFAULT 0,
    done_count    integer     NOT NULL DEFAULT 0,  -- items that emitted their event (or had it already)
    problems      jsonb       NOT NULL DEFAULT '[]',  -- per item: refusals, with no personal data
    error         text,                         -- the last unexpected error's type, for operators
    worker        text,
    published_at  timestamptz NOT NULL DEFAULT now(),
    done_at       timestamptz
);
CREATE INDEX pay_jobs_queued ON pay_jobs (batch_id) WHERE status = 'queued';
CREATE INDEX pay_jobs_stale ON pay_jobs (published_at) WHERE status = 'queued';
