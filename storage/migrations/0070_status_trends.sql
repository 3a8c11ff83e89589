-- Trending posts are reviewed as hashtags and links are (migrations 0066,
-- 0069): a post trends only once a moderator approved it (trendable 1),
-- never once rejected (0); a post with no row waits for review.
CREATE TABLE status_trend_reviews (
	status_id   INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
	trendable   INTEGER NOT NULL,
	reviewed_at INTEGER NOT NULL
);
