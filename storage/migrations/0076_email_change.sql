-- Changing a member's address: the token mailed to the new address
-- carries it (purpose email_change); the address changes only when the
-- link is followed.
ALTER TABLE email_tokens ADD COLUMN new_email TEXT NOT NULL DEFAULT '';
