-- Shared lists of allowed domains (issue 14 item 3): a subscription reads
-- either a list of domains to block ('blocks', every subscription before
-- this) or a list of domains to federate with in allow-list mode
-- ('allows'). A draft has its list's kind; a draft of an allows list
-- keeps severity 'noop', which nothing reads.
ALTER TABLE policy_subscriptions ADD COLUMN kind TEXT NOT NULL DEFAULT 'blocks' CHECK (kind IN ('blocks', 'allows'));
ALTER TABLE policy_drafts ADD COLUMN kind TEXT NOT NULL DEFAULT 'blocks' CHECK (kind IN ('blocks', 'allows'));

-- The list an allow came from (NULL: made by hand, or its list since
-- unsubscribed): a trusted list withdraws only its own allows.
ALTER TABLE domain_allows ADD COLUMN subscription_id INTEGER REFERENCES policy_subscriptions(id) ON DELETE SET NULL;
CREATE INDEX domain_allows_subscription ON domain_allows (subscription_id) WHERE subscription_id IS NOT NULL;
