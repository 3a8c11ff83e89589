-- A link preview's image (og:image), fetched by the node, scaled down and
-- kept under the media directory (image: its file there), so that readers
-- load it from the node, never from the linked site; its size and
-- blurhash are what apps lay the card out with before it loads.
ALTER TABLE preview_cards ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE preview_cards ADD COLUMN image_width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE preview_cards ADD COLUMN image_height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE preview_cards ADD COLUMN blurhash TEXT NOT NULL DEFAULT '';
