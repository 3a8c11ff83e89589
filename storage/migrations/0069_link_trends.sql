-- Trending links are reviewed as hashtags are (migration 0066): a link
-- trends only once a moderator approved it (trendable 1); 0 rejected,
-- NULL not reviewed yet.
ALTER TABLE preview_cards ADD COLUMN trendable INTEGER;
ALTER TABLE preview_cards ADD COLUMN reviewed_at INTEGER NOT NULL DEFAULT 0;
