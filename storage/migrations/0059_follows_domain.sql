-- A node's instance actor may read a members-only community's content
-- when a member lives on its node (qMemberOf). That was found by walking
-- every follower of the Group and reading its account's domain: 5,000
-- lookups a check in a community of 5,000, made once for each
-- members-only post a collection page lists. follows.domain is the
-- follower's domain ('' for a member here), set by trigger from the
-- account, and a partial index finds a Group's followers on one node.
ALTER TABLE follows ADD COLUMN domain TEXT NOT NULL DEFAULT '';

UPDATE follows SET domain = coalesce((SELECT a.domain FROM accounts a WHERE a.id = follows.account_id), '');

CREATE INDEX follows_target_domain ON follows (target_account_id, domain) WHERE domain <> '';

-- A new follow takes its follower's domain (as it takes its locality and
-- inbox in follows_delivery_insert).
CREATE TRIGGER follows_domain_insert AFTER INSERT ON follows
BEGIN
	UPDATE follows SET domain = coalesce((SELECT a.domain FROM accounts a WHERE a.id = NEW.account_id), '')
	WHERE id = NEW.id;
END;

-- An account's domain does not change; should it, its follows follow.
CREATE TRIGGER accounts_follows_domain AFTER UPDATE OF domain ON accounts
WHEN OLD.domain IS NOT NEW.domain
BEGIN
	UPDATE follows SET domain = NEW.domain WHERE account_id = NEW.id;
END;
