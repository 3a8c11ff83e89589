package testkit

import (
	"crypto/rsa"
	"testing"
)

// TestKeysInTurn: the keys one source hands out in a row differ until it
// has gone round the pool (a rotated key never equals the one it
// replaces), and each is a usable RSA-2048 key.
func TestKeysInTurn(t *testing.T) {
	t.Parallel()
	keys, err := pool()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []func() (*rsa.PrivateKey, error){Keys(), Keys()} {
		seen := map[string]bool{}
		for i := range len(keys) {
			k, err := src()
			if err != nil {
				t.Fatal(err)
			}
			if k.N.BitLen() != 2048 {
				t.Fatalf("key %d has %d bits, want 2048", i, k.N.BitLen())
			}
			if err := k.Validate(); err != nil {
				t.Fatalf("key %d: %v", i, err)
			}
			if seen[k.N.String()] {
				t.Fatalf("key %d repeats an earlier one of %d", i, len(keys))
			}
			seen[k.N.String()] = true
		}
	}
}
