package storage

import (
	"context"
	"errors"
	"testing"
)

func mustCommunity(t *testing.T, s *Store, handle string, creator Account) Community {
	t.Helper()
	g := Account{Username: handle, ActorType: "Group", URI: "https://local.example/users/" + handle}
	c := Community{JoinPolicy: JoinOpen, PostingPolicy: PostingMembers, Visibility: CommunityPublic, CreatedBy: creator.ID}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertAccount(context.Background(), &g); err != nil {
			return err
		}
		c.AccountID = g.ID
		if err := tx.InsertCommunity(context.Background(), &c); err != nil {
			return err
		}
		return tx.AddCommunityModerator(context.Background(), g.ID, creator.ID)
	})
	return c
}

func TestCommunityRowAndModerators(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "remote.example")
	c := mustCommunity(t, s, "libraries", alice)
	inTx(t, s, func(tx *Tx) error {
		if err := tx.AddCommunityModerator(ctx, c.AccountID, bob.ID); err != nil {
			return err
		}
		return tx.AddCommunityModerator(ctx, c.AccountID, bob.ID) // twice: no error
	})

	got, err := s.CommunityByAccount(ctx, c.AccountID)
	if err != nil || got.JoinPolicy != JoinOpen || got.CreatedBy != alice.ID || got.CreatedAt.IsZero() {
		t.Fatalf("community = %+v, %v", got, err)
	}
	if _, err := s.CommunityByAccount(ctx, alice.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a member read as a community: %v; want not found", err)
	}
	mods, err := s.CommunityModerators(ctx, c.AccountID)
	if err != nil || len(mods) != 2 || mods[0].ID != alice.ID || mods[1].ID != bob.ID {
		t.Fatalf("moderators = %+v, %v; want alice, bob", mods, err)
	}
	tests := []struct {
		name    string
		account Account
		want    bool
	}{
		{"creator", alice, true},
		{"remote moderator", bob, true},
		{"the group itself", Account{ID: c.AccountID}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is, err := s.IsCommunityModerator(ctx, c.AccountID, tt.account.ID)
			if err != nil || is != tt.want {
				t.Errorf("IsCommunityModerator = %v, %v; want %v", is, err, tt.want)
			}
		})
	}
}

func TestCommunityStatusesOnceAndNewestFirst(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	c := mustCommunity(t, s, "libraries", alice)
	first, second := mustStatus(t, s, alice, Status{Content: "one"}), mustStatus(t, s, alice, Status{Content: "two"})
	loose := mustStatus(t, s, alice, Status{Content: "in no community"})
	for _, st := range []Status{first, second} {
		inTx(t, s, func(tx *Tx) error {
			added, err := tx.AddCommunityStatus(ctx, c.AccountID, st.ID)
			if err == nil && !added {
				t.Errorf("status %d: not added the first time", st.ID)
			}
			return err
		})
	}
	inTx(t, s, func(tx *Tx) error {
		added, err := tx.AddCommunityStatus(ctx, c.AccountID, first.ID)
		if err == nil && added {
			t.Error("a status added twice: want false the second time (it would be announced twice)")
		}
		return err
	})
	ids, err := s.CommunityStatusIDs(ctx, c.AccountID, Page{Limit: 10})
	if err != nil || len(ids) != 2 || ids[0] != second.ID || ids[1] != first.ID {
		t.Fatalf("community statuses = %v, %v; want [%d %d]", ids, err, second.ID, first.ID)
	}
	if older, err := s.CommunityStatusIDs(ctx, c.AccountID, Page{MaxID: second.ID, Limit: 10}); err != nil || len(older) != 1 {
		t.Errorf("older than the newest = %v, %v; want one", older, err)
	}
	if id, err := s.CommunityOfStatus(ctx, first.ID); err != nil || id != c.AccountID {
		t.Errorf("community of a community post = %d, %v", id, err)
	}
	if _, err := s.CommunityOfStatus(ctx, loose.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("community of a plain post: %v; want not found", err)
	}
	// Deleting the Group takes its community, moderators and status links.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, c.AccountID) })
	if _, err := s.CommunityOfStatus(ctx, first.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("community of a post after the Group was deleted: %v; want not found", err)
	}
}
