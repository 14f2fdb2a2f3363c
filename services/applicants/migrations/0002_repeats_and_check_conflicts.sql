-- Repeated intresseanmälningar of a person already open in the municipality (RegistrationRepeated): the public
-- form answers them as new registrations, so this is where the recruiter sees them. `receipt` is the reference
-- the sender was given; the recruiters' search finds the applicant by it.
CREATE TABLE applicant_repeats (
    event_id      uuid        PRIMARY KEY,
    applicant_id  text        NOT NULL,
    repeated_on   date        NOT NULL,
    channel       text        NOT NULL,
    receipt       text        NOT NULL,
    contact       jsonb,        -- the repeat's contact details where they differ from the registration's
    name          jsonb,        -- the repeat's name where it differs
    new_roles     text[]      NOT NULL DEFAULT '{}',
    recorded_by   text,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX applicant_repeats_of ON applicant_repeats (applicant_id);
CREATE INDEX applicant_repeats_by_receipt ON applicant_repeats (receipt);

-- A register's signed result that contradicted one keyed in by hand (registry_checks' CheckConflictRaised), until a
-- recruiter resolves it (CheckConflictResolved): `conflict_open` is what the approval rule reads, `conflict` what
-- the recruiter is shown (both results, and the resolution).
ALTER TABLE applicant_checks ADD COLUMN conflict_open boolean NOT NULL DEFAULT false;
ALTER TABLE applicant_checks ADD COLUMN conflict jsonb;
