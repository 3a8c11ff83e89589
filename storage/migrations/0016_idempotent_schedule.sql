-- An Idempotency-Key may also name the scheduled status a request made:
-- a retried "post later" returns the one scheduled, not a second one.
ALTER TABLE idempotency_keys ADD COLUMN scheduled_status_id INTEGER REFERENCES scheduled_statuses (id) ON DELETE CASCADE;
