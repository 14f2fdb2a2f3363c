-- Issue 11: each child of a kontaktfamilj assignment, the individual decisions on an assignment's compensation,
-- and the warnings a payment run was prepared and approved with.

-- Every child's birth date, as AssignmentStarted's client_birth_dates lists them (client_birth_date keeps the
-- first, as before).
ALTER TABLE pay_assignments ADD COLUMN client_birth_dates date[] NOT NULL DEFAULT '{}';

-- Individual decisions (ArvodeLevelDecided, OmkostnadExcessApproved): the event's data whole.
CREATE TABLE pay_decisions (
    decision_id    text        PRIMARY KEY,
    assignment_id  text        NOT NULL,
    municipality   text        NOT NULL,
    event_type     text        NOT NULL,
    from_month     text        NOT NULL,
    to_month       text,
    data           jsonb       NOT NULL,
    decided_at     timestamptz NOT NULL
);
CREATE INDEX pay_decisions_by_assignment ON pay_decisions (assignment_id, decision_id);

-- The warnings of the items' calculations (PaymentRunPrepared v2), for the approver to see.
ALTER TABLE pay_runs ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';
