-- App-only tokens (client_credentials) expire when unused for a while:
-- last_used_at now always holds a time, the creation time until the token
-- is first used, and idle app-only tokens are found by it.
UPDATE oauth_tokens SET last_used_at = created_at WHERE last_used_at < created_at;
CREATE INDEX oauth_tokens_app_idle ON oauth_tokens (last_used_at) WHERE account_id IS NULL;
