package storage

import (
	"context"
	"errors"
	"testing"
)

// TestAccountWithoutKeys: the keyless reads find what AccountByURI and
// AccountByUsername find, without the keys, and such an account cannot
// be written back (it would erase the keys).
func TestAccountWithoutKeys(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	local := Account{Username: "Alice", URI: "https://local.example/users/alice", DisplayName: "Alice",
		PublicKeyID: "https://local.example/users/alice#main-key", PublicKeyPEM: "public", PrivateKeyPEM: "private"}
	remote := Account{Username: "bob", Domain: "peer.example", URI: "https://peer.example/users/bob",
		PublicKeyID: "https://peer.example/users/bob#key", PublicKeyPEM: "bob public"}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &local); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, &remote)
	})
	tests := []struct {
		name string
		read func() (Account, error)
		want Account
	}{
		{"local by uri", func() (Account, error) { return s.AccountByURIWithoutKeys(ctx, local.URI) }, local},
		{"local by username, any case", func() (Account, error) { return s.AccountByUsernameWithoutKeys(ctx, "aLICE") }, local},
		{"remote by uri", func() (Account, error) { return s.AccountByURIWithoutKeys(ctx, remote.URI) }, remote},
		{"local by id", func() (Account, error) { return s.AccountByIDWithoutKeys(ctx, local.ID) }, local},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read()
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID || got.URI != tt.want.URI || got.Username != tt.want.Username ||
				got.PublicKeyID != tt.want.PublicKeyID || got.DisplayName != tt.want.DisplayName {
				t.Errorf("read %+v; want %+v", got, tt.want)
			}
			if got.PublicKeyPEM != "" || got.PrivateKeyPEM != "" {
				t.Errorf("keys read: %q, %q", got.PublicKeyPEM, got.PrivateKeyPEM)
			}
			err = s.InTx(ctx, func(tx *Tx) error { return tx.UpdateAccount(ctx, &got) })
			if err == nil {
				t.Error("an account read without its keys was written back")
			}
			full, err := s.AccountByID(ctx, tt.want.ID)
			if err != nil || full.PublicKeyPEM != tt.want.PublicKeyPEM || full.PrivateKeyPEM != tt.want.PrivateKeyPEM {
				t.Errorf("stored keys = %q, %q, %v; want them kept", full.PublicKeyPEM, full.PrivateKeyPEM, err)
			}
		})
	}
	for _, missing := range []func() (Account, error){
		func() (Account, error) { return s.AccountByURIWithoutKeys(ctx, "https://local.example/users/nobody") },
		func() (Account, error) { return s.AccountByUsernameWithoutKeys(ctx, "bob") }, // remote: not a username here
	} {
		if _, err := missing(); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing account: err = %v; want ErrNotFound", err)
		}
	}
}
