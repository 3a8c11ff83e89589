package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestAppTokensExpireUnused checks that an app-only token stops working
// once unused for AppTokenIdle, that use keeps it alive, that issuing
// another deletes the idle ones, and that a member's token never expires.
func TestAppTokensExpireUnused(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	alice := mustAccount(t, s, "alice", "")
	var app App
	inTx(t, s, func(tx *Tx) error {
		app = App{Name: "app", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: []string{"read"},
			ClientID: "client", ClientSecretHash: "x"}
		return tx.InsertApp(ctx, &app)
	})
	issue := func(hash string, account ID) Token {
		t.Helper()
		tok := Token{AccessHash: HashSecret(hash), AppID: app.ID, AccountID: account, Scopes: []string{"read"}}
		inTx(t, s, func(tx *Tx) error { return tx.InsertToken(ctx, &tok) })
		return tok
	}
	live := func(hash string) bool {
		t.Helper()
		_, err := s.TokenByAccess(ctx, HashSecret(hash))
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	rows := func() int {
		t.Helper()
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM oauth_tokens`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	idle := issue("idle", 0)
	used := issue("used", 0)
	issue("member", alice.ID)
	if got, _ := s.TokenByAccess(ctx, HashSecret("idle")); !got.LastUsedAt.Equal(now) || got.ID != idle.ID {
		t.Errorf("new token: last used %v; want its creation, %v", got.LastUsedAt, now)
	}

	now = now.Add(AppTokenIdle - time.Hour)
	inTx(t, s, func(tx *Tx) error { return tx.TouchToken(ctx, used.ID) })
	now = now.Add(2 * time.Hour) // idle for AppTokenIdle + 1h; used 2h ago
	tests := []struct {
		token string
		want  bool
	}{{"idle", false}, {"used", true}, {"member", true}}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			if got := live(tt.token); got != tt.want {
				t.Errorf("token %s live = %v; want %v", tt.token, got, tt.want)
			}
		})
	}

	if n := rows(); n != 3 {
		t.Fatalf("%d token rows before the next issue; want 3", n)
	}
	issue("next", 0)
	if n := rows(); n != 3 {
		t.Errorf("%d token rows after issuing another app token; want 3 (the idle one deleted)", n)
	}
	now = now.Add(365 * 24 * time.Hour)
	if !live("member") {
		t.Error("a member's token expired")
	}
}
