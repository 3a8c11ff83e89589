-- An actor that moved (issue 13 item 7): moved_to is the actor id it
-- moved to (its document's movedTo; '' when it has not moved), and
-- also_known_as the actor ids it says it also is (alsoKnownAs), as a JSON
-- array ('' for none). A community imported elsewhere keeps its old id in
-- also_known_as; the old one gets moved_to.
ALTER TABLE accounts ADD COLUMN moved_to TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '';
