package storage

import (
	"context"
	"errors"
	"testing"
)

// The community cache never shows a row other than the one SQLite would:
// the writing transaction sees its own edit, everyone else the committed
// row, a rolled-back edit is never seen, and what a deleted account takes
// with it is gone at once.
func TestCommunityCacheIsExact(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	c := mustCommunity(t, s, "libraries", alice)
	other := mustCommunity(t, s, "archives", bob)
	rules := func(read func(context.Context, ID) (Community, error), id ID) string {
		t.Helper()
		got, err := read(ctx, id)
		if err != nil {
			t.Fatalf("community %d: %v", id, err)
		}
		return got.Rules
	}
	if got := rules(s.CommunityByAccount, c.AccountID); got != "" { // read, and kept
		t.Fatalf("rules = %q", got)
	}

	edited := c
	edited.Rules = "Be kind."
	inTx(t, s, func(tx *Tx) error {
		if err := tx.UpdateCommunity(ctx, edited); err != nil {
			return err
		}
		if got := rules(tx.CommunityByAccount, c.AccountID); got != "Be kind." {
			t.Errorf("inside the editing transaction, rules = %q; want its edit", got)
		}
		if got := rules(s.CommunityByAccount, c.AccountID); got != "" {
			t.Errorf("a reader during the edit sees rules %q; want the committed (none)", got)
		}
		return nil
	})
	if got := rules(s.CommunityByAccount, c.AccountID); got != "Be kind." {
		t.Errorf("after the commit, rules = %q; want the edit", got)
	}

	rolledBack := edited
	rolledBack.Rules = "never committed"
	errUndo := errors.New("undo")
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.UpdateCommunity(ctx, rolledBack); err != nil {
			return err
		}
		rules(tx.CommunityByAccount, c.AccountID) // read inside: must not be kept
		return errUndo
	})
	if !errors.Is(err, errUndo) {
		t.Fatal(err)
	}
	for range 2 {
		if got := rules(s.CommunityByAccount, c.AccountID); got != "Be kind." {
			t.Errorf("after a rollback, rules = %q; want the committed edit", got)
		}
	}

	// Deleting a creator empties created_by of their communities;
	// deleting a Group removes its community.
	if got, _ := s.CommunityByAccount(ctx, other.AccountID); got.CreatedBy != bob.ID {
		t.Fatalf("created by %d; want bob", got.CreatedBy)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, bob.ID) })
	if got, err := s.CommunityByAccount(ctx, other.AccountID); err != nil || got.CreatedBy != 0 {
		t.Errorf("after its creator's deletion: created by %d, %v; want none", got.CreatedBy, err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, c.AccountID) })
	if _, err := s.CommunityByAccount(ctx, c.AccountID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after the Group's deletion: %v; want ErrNotFound", err)
	}
}
