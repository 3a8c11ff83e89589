-- A hashtag trends only once a moderator approved it (as Mastodon asks by
-- default): trendable is NULL until reviewed, 1 approved, 0 rejected.
ALTER TABLE tags ADD COLUMN trendable INTEGER;
ALTER TABLE tags ADD COLUMN reviewed_at INTEGER NOT NULL DEFAULT 0;
