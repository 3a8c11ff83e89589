package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// The directory's index, kept in memory, gives what a fresh read
// gives after every change to who it holds or what it shows of them, and
// a stranger met through federation leaves it as it was.
func TestDirectoryCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	var all PeopleFilter
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "Libraries", "Information officer")
	c := mustCommunity(t, s, "libraries", alice)
	var version int64
	check := func(step string, want ...string) {
		t.Helper()
		l, err := s.DirectoryPage(ctx, all, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		index, err := s.readPeopleIndex(ctx, qDirectoryIndex)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := s.peoplePage(ctx, index, all, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		got := l.People
		if l.Total != fresh.Total || !slices.Equal(l.Organisations, fresh.Organisations) {
			t.Fatalf("after %s: counts %d %v; a fresh read gives %d %v", step, l.Total, l.Organisations, fresh.Total, fresh.Organisations)
		}
		if !slices.Equal(handles(got), handles(fresh.People)) || !slices.EqualFunc(got, fresh.People, func(a, b Account) bool {
			return a.Organisation == b.Organisation && a.Department == b.Department && a.JobTitle == b.JobTitle
		}) {
			t.Fatalf("after %s: directory %v; a fresh read gives %v", step, handles(got), handles(fresh.People))
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
		if _, err := s.DirectoryPage(ctx, all, 0, 100); err != nil { // read while the leaving is not committed
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

// A community's members page, from the index kept in memory, follows a
// join, a member's new organisation and a leaving.
func TestMembersIndexFollowsChanges(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "Libraries", "Information officer")
	bob := personAt(t, s, "bob", "b.example", "Surrey Council", "Archives", "Archivist")
	c := mustCommunity(t, s, "libraries", alice)
	join(t, s, alice, c, false)
	check := func(step string, f PeopleFilter, want ...string) {
		t.Helper()
		l, err := s.CommunityMembersPage(ctx, c.AccountID, f, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(handles(l.People), want) || l.Total != len(want) {
			t.Errorf("after %s: members %v of %d; want %v", step, handles(l.People), l.Total, want)
		}
	}
	check("the first member", PeopleFilter{}, "alice")
	join(t, s, bob, c, false)
	check("a join", PeopleFilter{}, "alice", "bob@b.example")
	check("a join, by organisation", PeopleFilter{Organisation: "surrey council"}, "bob@b.example")
	changeAccount(t, s, bob, func(a *Account) { a.Organisation = "Barnet Council" })
	check("a new organisation", PeopleFilter{}, "bob@b.example", "alice")
	check("a new organisation, by the old one", PeopleFilter{Organisation: "surrey council"})
	check("by department", PeopleFilter{Department: "ARCHIVES"}, "bob@b.example")
	inTx(t, s, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx, bob.ID, c.AccountID); return err })
	check("a leaving", PeopleFilter{}, "alice")
}
