-- An actor's Ed25519 key (FEP-521a Multikey in assertionMethod), beside
-- its RSA key: ed25519_key_id and ed25519_public (publicKeyMultibase) for
-- local and remote actors that state one, ed25519_private (PKCS#8 PEM)
-- for local ones. copse signs deliveries to other copse nodes with it;
-- a signature's keyId is looked up in either key id column.
ALTER TABLE accounts ADD COLUMN ed25519_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN ed25519_public TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN ed25519_private TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_ed25519_key_id ON accounts (ed25519_key_id) WHERE ed25519_key_id <> '';
