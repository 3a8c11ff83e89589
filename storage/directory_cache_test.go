package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// The directory's unfiltered page, kept in memory, is what a fresh read
// gives after every change to who it holds or what it shows of them, and
// a stranger met through federation leaves it as it was.
func TestDirectoryCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	all := DirectoryFilter{ByOrganisation: true}
	page := Page{Limit: 100}
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "Libraries", "Information officer")
	c := mustCommunity(t, s, "libraries", alice)
	var version int64
	check := func(step string, want ...string) {
		t.Helper()
		got, err := s.Directory(ctx, all, page)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := s.queries.Directory(ctx, all, page)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(handles(got), handles(fresh)) || !slices.EqualFunc(got, fresh, func(a, b Account) bool {
			return a.Organisation == b.Organisation && a.Department == b.Department && a.JobTitle == b.JobTitle
		}) {
			t.Fatalf("after %s: directory %v; a fresh read gives %v", step, handles(got), handles(fresh))
		}
		if !slices.Equal(handles(got), want) {
			t.Errorf("after %s: directory %v; want %v", step, handles(got), want)
		}
		if err := s.read.QueryRowContext(ctx, `SELECT gen FROM directory_version`).Scan(&version); err != nil {
			t.Fatal(err)
		}
	}

	check("a member here", "alice")
	bob := personAt(t, s, "bob", "b.example", "Surrey Council", "Archives", "Archivist")
	check("a stranger met", "alice")
	before := version
	changeAccount(t, s, bob, func(a *Account) { a.Organisation = "Kent County Council" })
	check("a stranger changed", "alice")
	if version != before {
		t.Errorf("a stranger's change moved the directory's version")
	}
	join(t, s, bob, c, false)
	check("the stranger joins a community here", "alice", "bob@b.example")
	changeAccount(t, s, bob, func(a *Account) { a.Organisation = "Barnet Council" })
	check("a member's new organisation", "bob@b.example", "alice")
	dave := personAt(t, s, "dave", "", "", "", "")
	check("a new member here", "bob@b.example", "alice", "dave")
	changeAccount(t, s, alice, func(a *Account) { a.Discoverable = false })
	check("a member here hidden from the directory", "bob@b.example", "dave")
	setVisibility := func(v string) {
		t.Helper()
		inTx(t, s, func(tx *Tx) error {
			got, err := tx.CommunityByAccount(ctx, c.AccountID)
			if err != nil {
				return err
			}
			got.Visibility = v
			return tx.UpdateCommunity(ctx, got)
		})
	}
	setVisibility(CommunityMembersOnly)
	check("the community made members-only", "dave")
	setVisibility(CommunityPublic)
	check("the community public again", "bob@b.example", "dave")
	errUndo := errors.New("undo")
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.DeleteFollow(ctx, bob.ID, c.AccountID); err != nil {
			return err
		}
		if _, err := s.Directory(ctx, all, page); err != nil { // read while the leaving is not committed
			return err
		}
		return errUndo
	})
	if !errors.Is(err, errUndo) {
		t.Fatal(err)
	}
	check("a leaving rolled back", "bob@b.example", "dave")
	inTx(t, s, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx, bob.ID, c.AccountID); return err })
	check("a member leaving", "dave")
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, dave.ID) })
	check("a member here deleted")
}
