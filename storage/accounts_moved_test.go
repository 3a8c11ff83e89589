package storage

import (
	"context"
	"slices"
	"testing"
)

// TestAccountMovedColumns: moved_to and also_known_as (migration 0040)
// are written by InsertAccount and UpdateAccount and read by every
// account read, keys or not.
func TestAccountMovedColumns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		movedTo string
		aka     []string
	}{
		{"neither", "", nil},
		{"moved", "https://c.example/users/libraries", nil},
		{"also known as two", "", []string{"https://a.example/users/libraries", "https://b.example/c/libraries"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Account{URI: "https://x.example/users/g" + string(rune('a'+i)), Username: "g" + string(rune('a'+i)), Domain: "x.example",
				ActorType: "Group", MovedTo: tt.movedTo, AlsoKnownAs: tt.aka}
			if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) }); err != nil {
				t.Fatal(err)
			}
			check := func(step string, movedTo string, aka []string) {
				t.Helper()
				for _, read := range []func() (Account, error){
					func() (Account, error) { return s.AccountByID(ctx, a.ID) },
					func() (Account, error) { return s.AccountByURIWithoutKeys(ctx, a.URI) },
				} {
					got, err := read()
					if err != nil || got.MovedTo != movedTo || !slices.Equal(got.AlsoKnownAs, aka) {
						t.Errorf("%s: moved to %q, also known as %v (%v); want %q, %v", step, got.MovedTo, got.AlsoKnownAs, err, movedTo, aka)
					}
				}
			}
			check("inserted", tt.movedTo, tt.aka)
			a.MovedTo, a.AlsoKnownAs = "https://d.example/users/new", append(tt.aka, "https://e.example/users/old")
			if err := s.InTx(ctx, func(tx *Tx) error { return tx.UpdateAccount(ctx, &a) }); err != nil {
				t.Fatal(err)
			}
			check("updated", a.MovedTo, a.AlsoKnownAs)
		})
	}
}
