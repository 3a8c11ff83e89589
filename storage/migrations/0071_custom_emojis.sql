-- The node's own custom emojis (Mastodon's CustomEmoji): an image apps
-- draw in place of :shortcode: in the posts and profiles of members here.
-- A shortcode is unique whatever its case, so :Heron: and :heron: never
-- name two images. The file is under the media directory; it is kept when
-- its emoji is removed, since posts that used it keep its address.
CREATE TABLE custom_emojis (
	id                INTEGER PRIMARY KEY,
	shortcode         TEXT NOT NULL UNIQUE COLLATE NOCASE,
	file              TEXT NOT NULL,
	media_type        TEXT NOT NULL,
	category          TEXT NOT NULL DEFAULT '',
	visible_in_picker INTEGER NOT NULL DEFAULT 1,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	created_by        INTEGER NOT NULL DEFAULT 0
);
