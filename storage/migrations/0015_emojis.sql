-- Custom emojis a peer's post or profile uses ({"shortcode","url"} as a
-- JSON array; '' for none): apps draw :shortcode: in the text as the
-- image. Kept on the row itself, so a timeline page reads them with the
-- statuses and accounts it reads anyway.
ALTER TABLE statuses ADD COLUMN emojis TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN emojis TEXT NOT NULL DEFAULT '';
