-- The node's VAPID key pair (RFC 8292), made once: a push service ties
-- each subscription to the public key the app subscribed with, so the key
-- must outlive restarts and never change. One row.
CREATE TABLE vapid_keys (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	public_key  TEXT NOT NULL,  -- uncompressed P-256 point, base64url without padding
	private_key TEXT NOT NULL,  -- the 32-byte scalar, base64url without padding
	created_at  INTEGER NOT NULL
);

-- Web Push subscriptions, one per access token. A revoked or deleted
-- token takes its subscription with it. access_token is the plain token
-- the app subscribed with: Mastodon's push payload carries it, and apps
-- use it to tell which of their accounts a push is for.
CREATE TABLE push_subscriptions (
	id           INTEGER PRIMARY KEY,
	token_id     INTEGER NOT NULL UNIQUE REFERENCES oauth_tokens (id) ON DELETE CASCADE,
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	endpoint     TEXT NOT NULL,
	p256dh       TEXT NOT NULL,  -- base64url without padding
	auth         TEXT NOT NULL,  -- base64url without padding
	alerts       TEXT NOT NULL,  -- space-separated notification types
	policy       TEXT NOT NULL,  -- all, followed, follower or none
	access_token TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- Tokens are revoked by setting revoked_at, not deleted, so the foreign
-- key alone would leave a revoked token's subscription sending.
CREATE TRIGGER push_subscriptions_token_revoked AFTER UPDATE OF revoked_at ON oauth_tokens
WHEN NEW.revoked_at <> 0
BEGIN
	DELETE FROM push_subscriptions WHERE token_id = NEW.id;
END;
