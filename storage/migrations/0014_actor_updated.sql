-- The `updated` of the actor document a remote account was last stored
-- from (0 when the peer sent none, as Mastodon does): an Update{Person}
-- carrying an older one arrived late and is ignored.
ALTER TABLE accounts ADD COLUMN actor_updated_at INTEGER NOT NULL DEFAULT 0;
