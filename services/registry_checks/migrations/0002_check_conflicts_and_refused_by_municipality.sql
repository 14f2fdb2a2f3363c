-- A conflict between a result keyed in from a paper extract and the register's signed result, which replaced it
-- (domain.py; docs/domain.md, "Register checks"): NULL when there has been none. Its "state" is "open" until a
-- recruiter resolves it with a reason ("resolved"); while open, the applicant cannot be approved.
ALTER TABLE checks ADD COLUMN conflict jsonb;
CREATE INDEX checks_conflict_open ON checks (municipality) WHERE conflict ->> 'state' = 'open';

-- Admins list the refused results of their municipalities' checks, newest first, a page at a time.
CREATE INDEX refused_results_of_municipality ON refused_results (municipality, received_at DESC, id DESC)
    WHERE municipality IS NOT NULL;
