package dashboard

import (
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

func TestBackFrom(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/admin/reports/12/note", "/admin/reports/12"},
		{"/admin/domains/blocks", "/admin/domains"},
		{"/admin/domains", "/admin"},
		{"/admin", "/admin"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := backFrom(tt.path); got != tt.want {
				t.Errorf("backFrom(%q) = %q; want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"engine message", "the report is resolved already", "The report is resolved already."},
		{"already a sentence", "Choose an action.", "Choose an action."},
		{"empty", "  ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sentence(tt.in); got != tt.want {
				t.Errorf("sentence(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestInviteState(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		inv  storage.Invite
		want string
	}{
		{"live", storage.Invite{MaxUses: 2, Uses: 1, ExpiresAt: now.Add(time.Hour)}, "Live"},
		{"no limits", storage.Invite{Uses: 40}, "Live"},
		{"used up", storage.Invite{MaxUses: 2, Uses: 2}, "Used up"},
		{"expired", storage.Invite{ExpiresAt: now}, "Expired"},
		{"revoked", storage.Invite{RevokedAt: now.Add(-time.Hour), MaxUses: 2, Uses: 2}, "Revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inviteState(tt.inv, now); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestStandingOf(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	approved := &storage.User{ApprovedAt: at, ConfirmedAt: at}
	tests := []struct {
		name     string
		a        storage.Account
		m        storage.AccountModeration
		u        *storage.User
		rows     []string
		undo     []string
		pending  bool
		firstDay string
	}{
		{name: "good standing", u: approved},
		{name: "limited and disabled", m: storage.AccountModeration{LimitedAt: at, DisabledAt: at}, u: approved,
			rows: []string{"Limited", "Sign-in disabled"}, undo: []string{federation.UndoSilence, federation.UndoDisable},
			firstDay: "1 Dec 2026, 09:30 UTC"},
		{name: "remote suspended", a: storage.Account{Domain: "peer.example", SuspendedAt: at},
			rows: []string{"Suspended"}, undo: []string{federation.UndoSuspend}, firstDay: "1 Dec 2026, 09:30 UTC"},
		{name: "sign-up waiting", a: storage.Account{SuspendedAt: at}, u: &storage.User{},
			rows: []string{"Waiting for approval", "Email address not confirmed"}, pending: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := standingOf(tt.a, tt.m, tt.u)
			if len(s.rows) != len(tt.rows) || len(s.undo) != len(tt.undo) || s.pending != tt.pending {
				t.Fatalf("got %+v; want rows %v, undo %v, pending %v", s, tt.rows, tt.undo, tt.pending)
			}
			for i := range tt.rows {
				if s.rows[i].What != tt.rows[i] {
					t.Errorf("row %d: %q; want %q", i, s.rows[i].What, tt.rows[i])
				}
			}
			for i := range tt.undo {
				if s.undo[i].Value != tt.undo[i] {
					t.Errorf("undo %d: %q; want %q", i, s.undo[i].Value, tt.undo[i])
				}
			}
			if tt.firstDay != "" && s.rows[0].Since != tt.firstDay {
				t.Errorf("since %q; want %q", s.rows[0].Since, tt.firstDay)
			}
		})
	}
}
