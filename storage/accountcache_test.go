package storage

import (
	"context"
	"errors"
	"testing"
)

// TestAccountsByIDsCache: what AccountsByIDs shows follows every change
// of an account, though it is served from the cache in between.
func TestAccountsByIDsCache(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	ann, bea := mustAccount(t, s, "ann", ""), mustAccount(t, s, "bea", "peer.example")
	show := func() map[ID]Account {
		t.Helper()
		got, err := s.AccountsByIDs(ctx, []ID{ann.ID, bea.ID, 999})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := show(); len(got) != 2 || got[ann.ID].Username != "ann" || got[bea.ID].PrivateKeyPEM != "" {
		t.Fatalf("first read = %+v", got)
	}
	steps := []struct {
		name   string
		change func(tx *Tx) error
		check  func(got map[ID]Account) bool
	}{
		{"renamed", func(tx *Tx) error {
			a := ann
			a.DisplayName = "Ann of Housing"
			return tx.UpdateAccount(ctx, &a)
		}, func(got map[ID]Account) bool { return got[ann.ID].DisplayName == "Ann of Housing" }},
		{"a failed change shows nothing of itself", func(tx *Tx) error {
			a := ann
			a.DisplayName = "never"
			if err := tx.UpdateAccount(ctx, &a); err != nil {
				return err
			}
			return errors.New("rolled back")
		}, func(got map[ID]Account) bool { return got[ann.ID].DisplayName == "Ann of Housing" }},
		{"deleted", func(tx *Tx) error { return tx.DeleteAccount(ctx, bea.ID) },
			func(got map[ID]Account) bool { _, ok := got[bea.ID]; return !ok && len(got) == 1 }},
	}
	for _, st := range steps {
		_ = s.InTx(ctx, st.change)
		if got := show(); !st.check(got) {
			t.Errorf("%s: shown %+v", st.name, got)
		}
	}
}

// TestAccountCacheRace: accounts read while one of them changed are not
// kept, so a row read just before a commit cannot outlive it.
func TestAccountCacheRace(t *testing.T) {
	t.Parallel()
	var c accountCache
	gen := c.gen.Load()
	c.drop(1) // a commit lands while the read runs
	c.put(gen, map[ID]Account{1: {ID: 1, DisplayName: "old"}})
	if found, missing := c.get([]ID{1}); len(found) != 0 || len(missing) != 1 {
		t.Errorf("a read older than a change was kept: %+v", found)
	}
	c.put(c.gen.Load(), map[ID]Account{1: {ID: 1, DisplayName: "new"}})
	if found, _ := c.get([]ID{1}); found[1].DisplayName != "new" {
		t.Errorf("a fresh read was not kept: %+v", found)
	}
}
