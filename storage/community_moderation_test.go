package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestCommunityModerationLog(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	c := mustCommunity(t, s, "libraries", alice)
	var ids []ID
	for i, action := range []string{ModRemovePost, ModBan, ModUnban} {
		e := ModerationEntry{CommunityID: c.AccountID, ModeratorID: alice.ID, ModeratorURI: alice.URI, Action: action,
			Target: "https://x.example/" + action, Reason: "reason " + action, ActivityURI: "https://a.example/act/" + action}
		if i == 1 {
			e.ExpiresAt = time.UnixMilli(2_000_000_000_000).UTC()
		}
		inTx(t, s, func(tx *Tx) error { return tx.AppendModerationLog(ctx, &e) })
		ids = append(ids, e.ID)
	}
	got, err := s.ModerationLog(ctx, c.AccountID, Page{Limit: 2})
	if err != nil || len(got) != 2 || got[0].Action != ModUnban || got[1].Action != ModBan {
		t.Fatalf("first page = %+v, %v; want unban, ban", got, err)
	}
	if got[1].ExpiresAt.UnixMilli() != 2_000_000_000_000 || got[1].Reason != "reason ban" || got[1].ModeratorID != alice.ID {
		t.Errorf("ban entry = %+v", got[1])
	}
	older, err := s.ModerationLog(ctx, c.AccountID, Page{MaxID: got[1].ID})
	if err != nil || len(older) != 1 || older[0].ID != ids[0] {
		t.Errorf("older page = %+v, %v; want the removal", older, err)
	}
	if m, err := s.ModerationEntryByActivity(ctx, c.AccountID, "https://a.example/act/ban"); err != nil || m.Action != ModBan {
		t.Errorf("entry by activity = %+v, %v", m, err)
	}
}

// TestCommunityModerationLogAppendOnly: no statement of this package changes or
// removes a log entry, so the log is what happened.
func TestCommunityModerationLogAppendOnly(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?is)(UPDATE\s+community_moderation_log|DELETE\s+FROM\s+community_moderation_log|REPLACE\s+INTO\s+community_moderation_log)`)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := bad.FindIndex(body); loc != nil && !regexp.MustCompile(`_test\.go$`).MatchString(f) {
			t.Errorf("%s changes the moderation log: %q", f, body[loc[0]:loc[1]])
		}
	}
}

func TestCommunityBans(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "remote.example")
	c := mustCommunity(t, s, "libraries", alice)
	now := time.Now().UTC()
	b := CommunityBan{CommunityID: c.AccountID, AccountID: bob.ID, ModeratorID: alice.ID, Reason: "spam",
		BlockURI: "https://local.example/block/1", ExpiresAt: now.Add(time.Hour)}
	inTx(t, s, func(tx *Tx) error { return tx.PutCommunityBan(ctx, &b) })
	got, err := s.CommunityBan(ctx, c.AccountID, bob.ID)
	if err != nil || got.Reason != "spam" || got.BlockURI != b.BlockURI {
		t.Fatalf("ban = %+v, %v", got, err)
	}
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"now", now, true},
		{"a minute before the end", now.Add(59 * time.Minute), true},
		{"at the end", now.Add(time.Hour), false},
		{"after", now.Add(2 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got.Active(tt.at) != tt.want {
				t.Errorf("active at %v = %v", tt.at, !tt.want)
			}
		})
	}
	if (CommunityBan{}).Active(now.Add(1000*time.Hour)) != true {
		t.Error("a ban without end is over")
	}
	// Banned again: the new ban replaces the old.
	b2 := CommunityBan{CommunityID: c.AccountID, AccountID: bob.ID, Reason: "again", BlockURI: "https://local.example/block/2"}
	inTx(t, s, func(tx *Tx) error { return tx.PutCommunityBan(ctx, &b2) })
	if got, _ := s.CommunityBan(ctx, c.AccountID, bob.ID); got.Reason != "again" || !got.ExpiresAt.IsZero() {
		t.Errorf("replaced ban = %+v", got)
	}
	inTx(t, s, func(tx *Tx) error {
		ok, err := tx.DeleteCommunityBan(ctx, c.AccountID, bob.ID)
		if !ok {
			t.Error("lifting the ban found none")
		}
		return err
	})
	if _, err := s.CommunityBan(ctx, c.AccountID, bob.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("lifted ban: %v; want not found", err)
	}
}

func TestCommunityRemoteModeratorsAndRejections(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, group := mustAccount(t, s, "alice", ""), mustAccount(t, s, "grp", "lemmy.example")
	inTx(t, s, func(tx *Tx) error {
		return tx.SetRemoteModerators(ctx, group.ID, []string{"https://lemmy.example/u/a", "https://lemmy.example/u/b"})
	})
	inTx(t, s, func(tx *Tx) error {
		return tx.SetRemoteModerators(ctx, group.ID, []string{"https://lemmy.example/u/b"})
	})
	for uri, want := range map[string]bool{"https://lemmy.example/u/a": false, "https://lemmy.example/u/b": true} {
		if got, err := s.IsRemoteModerator(ctx, group.ID, uri); err != nil || got != want {
			t.Errorf("IsRemoteModerator(%s) = %v, %v; want %v", uri, got, err, want)
		}
	}
	if got, err := s.MembershipOf(ctx, group.ID, alice.ID, time.Now()); err != nil || got.State != NoneState {
		t.Errorf("no rejection yet: %+v, %v", got, err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.PutJoinRejection(ctx, alice.ID, group.ID, "not a librarian") })
	if got, err := s.MembershipOf(ctx, group.ID, alice.ID, time.Now()); err != nil || got.State != RejectedState || got.Reason != "not a librarian" {
		t.Errorf("standing = %+v, %v; want rejected, %q", got, err, "not a librarian")
	}
}
