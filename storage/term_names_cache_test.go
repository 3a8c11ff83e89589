package storage

import (
	"context"
	"slices"
	"testing"
)

// TestTermNamesCacheFollowsWrites: the cached names of a community's
// glossary change as soon as a term is added or renamed (once its
// transaction commits), never before, and go with the community.
func TestTermNamesCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	c := mustCommunity(t, s, "wards", mustAccount(t, s, "alice", ""))
	names := func() []string {
		t.Helper()
		got, err := s.CommunityTermNames(ctx, c.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range got {
			out = append(out, n.Term)
		}
		slices.Sort(out)
		return out
	}
	if got := names(); len(got) != 0 {
		t.Fatalf("an empty glossary names %v", got)
	}
	tm := Term{CommunityID: c.AccountID, URI: "https://local.example/glossary/1", Local: true, Term: "triage", Version: 1}
	inTx(t, s, func(tx *Tx) error { return tx.InsertTerm(ctx, &tm) })
	if got := names(); !slices.Equal(got, []string{"triage"}) {
		t.Fatalf("after adding a term: %v", got)
	}
	tm.Term = "sorting"
	inTx(t, s, func(tx *Tx) error {
		if err := tx.UpdateTerm(ctx, tm); err != nil {
			return err
		}
		// Inside the transaction the cache still serves the committed state.
		if got := names(); !slices.Equal(got, []string{"triage"}) {
			t.Errorf("before the commit: %v", got)
		}
		return nil
	})
	if got := names(); !slices.Equal(got, []string{"sorting"}) {
		t.Fatalf("after renaming it: %v", got)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, c.AccountID) })
	if got := names(); len(got) != 0 {
		t.Fatalf("after the community went: %v", got)
	}
}
