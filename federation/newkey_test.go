package federation

import (
	"context"
	"crypto/rsa"
	"errors"
	"path/filepath"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// TestNewKeyOption: every key the engine makes for a local account (the
// instance actor, a member, a rotation) comes from Options.NewKey, and a
// source that fails leaves no account behind.
func TestNewKeyOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testkit.Keys()
	var given []*rsa.PrivateKey
	var fail error
	source := func() (*rsa.PrivateKey, error) {
		if fail != nil {
			return nil, fail
		}
		k, err := pool()
		given = append(given, k)
		return k, err
	}
	store, err := storage.Open(ctx, filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: source})
	if err := e.Init(ctx); err != nil {
		t.Fatal(err)
	}
	alice := member(t, e, "alice")
	if err := e.RotateKey(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	rotated, err := store.AccountByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		pem  string
		want int // index in given
	}{
		{"instance actor", e.InstanceActor().PublicKeyPEM, 0},
		{"member", alice.PublicKeyPEM, 1},
		{"rotated", rotated.PublicKeyPEM, 2},
	}
	if len(given) != len(tests) {
		t.Fatalf("the source gave %d keys, want %d", len(given), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := EncodePublicKey(&given[tt.want].PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			if tt.pem != want {
				t.Errorf("public key is not the one the source gave")
			}
		})
	}
	if rotated.PublicKeyPEM == alice.PublicKeyPEM {
		t.Error("the rotated key is the key it replaced")
	}

	fail = errors.New("no entropy")
	if _, err := e.CreateMember(ctx, NewMember{Username: "bob", Email: "bob@council-a.example", Password: "correct horse battery"}); !errors.Is(err, fail) {
		t.Errorf("CreateMember with a failing key source: %v; want its error", err)
	}
	if _, err := store.AccountByUsername(ctx, "bob"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bob exists after his key failed (%v)", err)
	}
}
