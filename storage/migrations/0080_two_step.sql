-- Two-step sign-in (TOTP, RFC 6238): a member's shared secret, set once
-- they confirmed it with a code, and the last time step a code was
-- accepted for, so no code is taken twice.
ALTER TABLE users ADD COLUMN otp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN otp_last_step INTEGER NOT NULL DEFAULT 0;
