-- Link previews (Mastodon's PreviewCard): what the page a status links
-- to says of itself (its OpenGraph title, description, site and author),
-- read once per address and shared by every status that links there. A
-- page read that gave no card is kept too (title ''), so that a link in
-- many posts is not fetched for each; a card is read again when stale.
CREATE TABLE preview_cards (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL UNIQUE,
	title         TEXT NOT NULL,
	description   TEXT NOT NULL DEFAULT '',
	provider_name TEXT NOT NULL DEFAULT '',
	provider_url  TEXT NOT NULL DEFAULT '',
	author_name   TEXT NOT NULL DEFAULT '',
	language      TEXT NOT NULL DEFAULT '',
	published_at  INTEGER NOT NULL DEFAULT 0,
	fetched_at    INTEGER NOT NULL
);

-- The card a status shows: of its first link that gave one.
CREATE TABLE status_cards (
	status_id INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
	card_id   INTEGER NOT NULL REFERENCES preview_cards(id) ON DELETE CASCADE
);
CREATE INDEX status_cards_card ON status_cards (card_id);
