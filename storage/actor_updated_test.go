package storage

import (
	"context"
	"testing"
	"time"
)

// TestActorUpdatedAtIsKept checks that the `updated` of a remote actor's
// document survives insert, update and every way accounts are read.
func TestActorUpdatedAtIsKept(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	first := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := Account{Username: "kai", Domain: "gts.example", URI: "https://gts.example/users/kai", ActorUpdatedAt: first}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	local := mustAccount(t, s, "alice", "")

	steps := []struct {
		name string
		set  time.Time
		want time.Time
	}{
		{"as inserted", time.Time{}, first},
		{"moved on", first.Add(time.Hour), first.Add(time.Hour)},
		{"cleared", time.Time{}, time.Time{}},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if i > 0 {
				a.ActorUpdatedAt = st.set
				if err := s.InTx(ctx, func(tx *Tx) error { return tx.UpdateAccount(ctx, &a) }); err != nil {
					t.Fatal(err)
				}
			}
			byURI, err := s.AccountByURI(ctx, a.URI)
			if err != nil {
				t.Fatal(err)
			}
			byAcct, err := s.AccountByAcct(ctx, "kai", "gts.example")
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []Account{byURI, byAcct} {
				if !got.ActorUpdatedAt.Equal(st.want) {
					t.Errorf("ActorUpdatedAt = %v; want %v", got.ActorUpdatedAt, st.want)
				}
			}
		})
	}
	got, err := s.AccountByID(ctx, local.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ActorUpdatedAt.IsZero() {
		t.Errorf("a local account has ActorUpdatedAt %v", got.ActorUpdatedAt)
	}
}
