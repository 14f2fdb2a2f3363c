-- Attempts refused because they named another municipality's data are audited too: who tried which route on
-- which id, in the municipality the attempt named (docs/security.md, "Audit log").
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('read', 'change', 'refused'));
-- Every row names the municipality whose auditors see it. NOT VALID: the rows written before, some without one,
-- stay as they were (an audit log is not rewritten).
ALTER TABLE audit_log ADD CONSTRAINT audit_log_names_its_municipality CHECK (municipality IS NOT NULL) NOT VALID;

-- Whose data a kept answer shows, [[subject, municipality], ...]: a replay of it is audited as a read of them.
ALTER TABLE idempotency_keys ADD COLUMN accesses jsonb;
