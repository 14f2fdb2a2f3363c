-- A running assignment's genomförandeplan may be revised (AssignmentPlanRevised). `plan` is then the plan as last
-- revised; `plan_revisions` lists every revision, [{revision, effective_from, plan, revised_on, revised_by}], in
-- the order made. Rebuilt from events like the rest of the table.
ALTER TABLE assignments ADD COLUMN plan_revisions jsonb NOT NULL DEFAULT '[]';
