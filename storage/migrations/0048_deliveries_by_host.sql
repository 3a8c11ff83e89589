-- The delivery loop reads the queue host by host (storage/outbox.go,
-- qDueDeliveries): the hosts with queued jobs by a skip-scan of this
-- index, then at most a few due jobs of each, so a busy host's backlog
-- is stepped over, not scanned, and no host's backlog crowds out the
-- others. The rowid (the job's time-ordered ID) is the index's last
-- column, so a host's jobs come out oldest first as the loop sends them.
-- The index on next_attempt_at alone is no longer read by anything.
CREATE INDEX deliveries_host_due ON deliveries (host, next_attempt_at);
DROP INDEX deliveries_due;
