package storage

import (
	"context"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// TestLimitedAuthorListedRule: a limited account's statuses stay out of
// lists (public timelines, search, streams) for viewers who do not
// follow it, in the rule (activitypub.Listed on Viewing) and in its SQL
// (StatusShown, SearchVisible, the anonymous public timeline) alike; a
// follower still has them, and anyone may still open one by itself.
func TestLimitedAuthorListedRule(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	follower := mustAccount(t, s, "follower", "")
	stranger := mustAccount(t, s, "stranger", "")
	limited := mustAccount(t, s, "limited", "far.example")
	plain := mustAccount(t, s, "plain", "")
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertFollow(ctx, &Follow{AccountID: follower.ID, TargetID: limited.ID}); err != nil {
			return err
		}
		return tx.SetAccountModeration(ctx, AccountModeration{AccountID: limited.ID, LimitedAt: now})
	})
	byLimited := storeStatus(t, s, limited, nil)
	boost := storeStatus(t, s, plain, func(b *Status) { b.ReblogOfID = byLimited.ID })
	byPlain := storeStatus(t, s, plain, nil)
	tests := []struct {
		name   string
		viewer ID
		st     Status
		listed bool
	}{
		{"a follower, the limited account's post", follower.ID, byLimited, true},
		{"a stranger, the limited account's post", stranger.ID, byLimited, false},
		{"anonymous, the limited account's post", 0, byLimited, false},
		{"the author, their own post", limited.ID, byLimited, true},
		{"a follower, a boost of it", follower.ID, boost, true},
		{"a stranger, a boost of it", stranger.ID, boost, false},
		{"a stranger, another's post", stranger.ID, byPlain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := s.Viewing(ctx, tt.viewer, tt.st)
			if err != nil {
				t.Fatal(err)
			}
			if !activitypub.CanSee(v) {
				t.Errorf("CanSee = false; a limited account's public post may be opened by itself")
			}
			if got := activitypub.Listed(v); got != tt.listed {
				t.Errorf("Listed = %v; want %v", got, tt.listed)
			}
			if got, err := s.StatusShown(ctx, tt.viewer, tt.st.ID); err != nil || got != tt.listed {
				t.Errorf("StatusShown (SQL) = %v, %v; want %v", got, err, tt.listed)
			}
			if tt.st.ReblogOfID == 0 {
				if got, err := s.SearchVisible(ctx, tt.viewer, tt.st.ID); err != nil || got != tt.listed {
					t.Errorf("SearchVisible (SQL) = %v, %v; want %v", got, err, tt.listed)
				}
			}
		})
	}
	for _, viewer := range []ID{0, stranger.ID, follower.ID} {
		sts, err := s.PublicTimeline(ctx, TimelineFilter{Viewer: viewer, Now: now}, Page{})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, st := range sts {
			got = got || st.ID == byLimited.ID
		}
		if want := viewer == follower.ID; got != want {
			t.Errorf("viewer %d: the limited post on the public timeline = %v; want %v", viewer, got, want)
		}
	}
	// Lifting the limit lists it again.
	inTx(t, s, func(tx *Tx) error { return tx.SetAccountModeration(ctx, AccountModeration{AccountID: limited.ID}) })
	if got, err := s.StatusShown(ctx, stranger.ID, byLimited.ID); err != nil || !got {
		t.Errorf("after the limit is lifted: StatusShown = %v, %v; want true", got, err)
	}
	// A domain limit (on the account's parent domain) limits it the same
	// way, in Go and SQL; removing the block lifts it.
	var block NodeDomainBlock
	inTx(t, s, func(tx *Tx) error {
		block = NodeDomainBlock{Domain: "example", Severity: "limit", CreatedAt: now}
		return tx.InsertNodeDomainBlock(ctx, &block)
	})
	for _, tt := range []struct {
		viewer ID
		listed bool
	}{{stranger.ID, false}, {0, false}, {follower.ID, true}} {
		v, err := s.Viewing(ctx, tt.viewer, byLimited)
		if err != nil {
			t.Fatal(err)
		}
		if got := activitypub.Listed(v); got != tt.listed {
			t.Errorf("domain limit, viewer %d: Listed = %v; want %v", tt.viewer, got, tt.listed)
		}
		if got, err := s.StatusShown(ctx, tt.viewer, byLimited.ID); err != nil || got != tt.listed {
			t.Errorf("domain limit, viewer %d: StatusShown (SQL) = %v, %v; want %v", tt.viewer, got, err, tt.listed)
		}
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteNodeDomainBlock(ctx, block.ID) })
	if got, err := s.StatusShown(ctx, stranger.ID, byLimited.ID); err != nil || !got {
		t.Errorf("after the domain block is lifted: StatusShown = %v, %v; want true", got, err)
	}
}

func TestAccountModerationAndPurgeDue(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	gone := mustAccount(t, s, "gone", "")
	back := mustAccount(t, s, "back", "")
	fresh := mustAccount(t, s, "fresh", "")
	if m, err := s.AccountModeration(ctx, fresh.ID); err != nil || m != (AccountModeration{AccountID: fresh.ID}) {
		t.Fatalf("no actions: %+v, %v", m, err)
	}
	inTx(t, s, func(tx *Tx) error {
		gone.SuspendedAt = now.Add(-31 * 24 * time.Hour)
		if err := tx.UpdateAccount(ctx, &gone); err != nil {
			return err
		}
		// back was unsuspended, but its purge_after was left set: an
		// account that is not suspended is never purged.
		for _, m := range []AccountModeration{{AccountID: gone.ID, PurgeAfter: now.Add(-time.Hour)},
			{AccountID: back.ID, PurgeAfter: now.Add(-time.Hour)}, {AccountID: fresh.ID, DisabledAt: now, PurgeAfter: now.Add(time.Hour)}} {
			if err := tx.SetAccountModeration(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	ids, err := s.PurgeDue(ctx, now, 10)
	if err != nil || len(ids) != 1 || ids[0] != gone.ID {
		t.Fatalf("PurgeDue = %v, %v; want only %d", ids, err, gone.ID)
	}
	if m, err := s.AccountModeration(ctx, fresh.ID); err != nil || !m.DisabledAt.Equal(now) {
		t.Fatalf("fresh: %+v, %v", m, err)
	}

}

// TestAccountListReads: the moderation dashboard's account list reads the
// actions and the users of a whole page at once, and each row gets its
// own: an account without actions or without a user is absent, never
// given another's.
func TestAccountListReads(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	member := mustAccount(t, s, "member", "")
	limited := mustAccount(t, s, "limited", "")
	remote := mustAccount(t, s, "remote", "far.example")
	inTx(t, s, func(tx *Tx) error {
		for _, u := range []*User{
			{AccountID: member.ID, Email: "member@council.example", PasswordHash: "x", Permission: "member"},
			{AccountID: limited.ID, Email: "limited@council.example", PasswordHash: "x", Permission: "moderator"},
		} {
			if err := tx.InsertUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.SetAccountModeration(ctx, AccountModeration{AccountID: limited.ID, LimitedAt: now}); err != nil {
			return err
		}
		return tx.SetAccountModeration(ctx, AccountModeration{AccountID: remote.ID, DisabledAt: now})
	})
	ids := []ID{member.ID, limited.ID, remote.ID}
	mods, err := s.AccountModerations(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.UsersByAccounts(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		id                ID
		limited, disabled bool
		hasMod, hasUser   bool
		email             string
	}{
		{"a member without actions", member.ID, false, false, false, true, "member@council.example"},
		{"a limited moderator", limited.ID, true, false, true, true, "limited@council.example"},
		{"a remote account with sign-in disabled", remote.ID, false, true, true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := mods[tt.id]
			if ok != tt.hasMod {
				t.Fatalf("moderation present = %v, want %v", ok, tt.hasMod)
			}
			if !m.LimitedAt.IsZero() != tt.limited || !m.DisabledAt.IsZero() != tt.disabled {
				t.Errorf("moderation = %+v, want limited %v, disabled %v", m, tt.limited, tt.disabled)
			}
			u, ok := users[tt.id]
			if ok != tt.hasUser || u.Email != tt.email {
				t.Errorf("user = %+v (present %v), want email %q (present %v)", u, ok, tt.email, tt.hasUser)
			}
		})
	}
}
