package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// A community's roster, kept in memory, is what a fresh read gives after
// every change to what it shows: a join, a request accepted later, a
// member leaving, renaming their organisation, suspended, deleted; and
// after a change rolled back it is what it was.
func TestCommunityRosterFollowsChanges(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "Libraries", "Information officer")
	bob := personAt(t, s, "bob", "b.example", "Surrey Council", "Archives", "Archivist")
	carol := personAt(t, s, "carol", "c.example", "", "", "")
	c := mustCommunity(t, s, "libraries", alice)
	join(t, s, alice, c, false)

	versions := map[int64]bool{}
	check := func(step string, wantMembers int) {
		t.Helper()
		tally, err := s.CommunityRoster(ctx, c.AccountID, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CommunityRoster(ctx, c.AccountID, true)
		if err != nil {
			t.Fatal(err)
		}
		if tally.Version != got.Version || tally.Members != got.Members || !reflect.DeepEqual(tally.Organisations, got.Organisations) {
			t.Fatalf("after %s: counts %+v differ from the roster's %+v", step, tally, got)
		}
		fresh, err := s.readRoster(ctx, c.AccountID, true)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version == 0 {
			t.Fatalf("after %s: a roster of a community hosted here has no version", step)
		}
		fresh.Version = got.Version
		if !reflect.DeepEqual(got, fresh) {
			t.Fatalf("after %s: roster %+v; a fresh read gives %+v", step, got, fresh)
		}
		if got.Members != wantMembers {
			t.Errorf("after %s: %d members; want %d", step, got.Members, wantMembers)
		}
		again, err := s.CommunityRoster(ctx, c.AccountID, true)
		if err != nil || again.Version != got.Version {
			t.Errorf("after %s, asked again: version %d, %v; want the same %d", step, again.Version, err, got.Version)
		}
		versions[got.Version] = true
	}

	check("the creator's join", 1)
	join(t, s, bob, c, false)
	check("a join", 2)
	join(t, s, carol, c, true)
	check("a request to join", 2)
	inTx(t, s, func(tx *Tx) error {
		if _, err := tx.DeleteFollowRequest(ctx, carol.ID, c.AccountID); err != nil {
			return err
		}
		return tx.InsertFollow(ctx, &Follow{AccountID: carol.ID, TargetID: c.AccountID})
	})
	check("the request accepted", 3)
	changeAccount(t, s, bob, func(a *Account) { a.Organisation = "Kent County Council" })
	check("a member's new organisation", 3)
	changeAccount(t, s, carol, func(a *Account) { a.SuspendedAt = time.Now() })
	check("a member suspended", 2)
	errUndo := errors.New("undo")
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.DeleteFollow(ctx, bob.ID, c.AccountID); err != nil {
			return err
		}
		if _, err := s.CommunityRoster(ctx, c.AccountID, true); err != nil { // read while the leaving is not committed
			return err
		}
		return errUndo
	})
	if !errors.Is(err, errUndo) {
		t.Fatal(err)
	}
	check("a leaving rolled back", 2)
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, bob.ID) })
	check("a member's account deleted", 1)
	inTx(t, s, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx, alice.ID, c.AccountID); return err })
	check("the last member leaving", 0)
	if len(versions) < 7 {
		t.Errorf("%d versions over the changes; want one for each change that showed", len(versions))
	}
}
