package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type adminAccountEntity struct {
	ID         string  `json:"id"`
	Username   string  `json:"username"`
	Domain     *string `json:"domain"`
	Email      string  `json:"email"`
	Approved   bool    `json:"approved"`
	Disabled   bool    `json:"disabled"`
	Silenced   bool    `json:"silenced"`
	Suspended  bool    `json:"suspended"`
	Sensitized bool    `json:"sensitized"`
	Role       *struct {
		Name string `json:"name"`
	} `json:"role"`
	Error string `json:"error"`
}

func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, mod, root := n.Member("alice", false), n.Member("bob", false), n.Member("mod", false), n.Member("root", false)
	for id, role := range map[storage.ID]string{mod.ID: storage.PermissionModerator, root.ID: storage.PermissionAdmin} {
		if err := n.Store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetUserRole(ctx, id, role) }); err != nil {
			t.Fatal(err)
		}
	}
	base := n.URL + "/api/v1/admin/accounts"
	tm := n.Token(mod, "admin:read", "admin:write")
	ta := n.Token(root, "admin:read:accounts", "admin:write:accounts")
	bobID := "/" + bob.ID.String()
	for _, tt := range []struct {
		name   string
		method string
		path   string
		token  string
		form   url.Values
		code   int
	}{
		{"list by a member", "GET", "", n.Token(alice, "admin:read"), nil, http.StatusForbidden},
		{"list without the admin scope", "GET", "", n.Token(mod), nil, http.StatusForbidden},
		{"act with a read scope", "POST", bobID + "/action", n.Token(mod, "admin:read"), url.Values{"type": {"silence"}}, http.StatusForbidden},
		{"a moderator changes a role", "POST", bobID + "/role", tm, url.Values{"role": {"moderator"}}, http.StatusForbidden},
		{"a moderator approves a sign-up", "POST", bobID + "/approve", tm, nil, http.StatusForbidden},
		{"a moderator acts on an admin", "POST", "/" + root.ID.String() + "/action", tm, url.Values{"type": {"silence"}}, http.StatusForbidden},
		{"an unknown action", "POST", bobID + "/action", tm, url.Values{"type": {"ban"}}, http.StatusUnprocessableEntity},
		{"an unknown role", "POST", bobID + "/role", ta, url.Values{"role": {"owner"}}, http.StatusUnprocessableEntity},
		{"an unknown account", "GET", "/12345", tm, nil, http.StatusNotFound},
		{"rejecting a member who joined", "POST", bobID + "/reject", ta, nil, http.StatusUnprocessableEntity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e adminAccountEntity
			if code, _, raw := call(t, tt.method, base+tt.path, tt.token, tt.form, &e); code != tt.code || e.Error == "" {
				t.Errorf("answer %d %s; want %d with an error", code, raw, tt.code)
			}
		})
	}
	// Each action, by a moderator, shows in the account and is undone.
	for _, tt := range []struct {
		typ, undo string
		shows     func(adminAccountEntity) bool
	}{
		{"silence", "unsilence", func(e adminAccountEntity) bool { return e.Silenced }},
		{"sensitive", "unsensitive", func(e adminAccountEntity) bool { return e.Sensitized }},
		{"disable", "enable", func(e adminAccountEntity) bool { return e.Disabled }},
		{"suspend", "unsuspend", func(e adminAccountEntity) bool { return e.Suspended }},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			if code, _, raw := call(t, "POST", base+bobID+"/action", tm, url.Values{"type": {tt.typ}, "text": {"see rule 2"}}, nil); code != http.StatusOK {
				t.Fatalf("action: %d %s", code, raw)
			}
			var e adminAccountEntity
			if code, _, raw := call(t, "GET", base+bobID, tm, nil, &e); code != http.StatusOK || !tt.shows(e) || e.Email == "" {
				t.Fatalf("after %s: %d %s", tt.typ, code, raw)
			}
			if code, _, raw := call(t, "POST", base+bobID+"/"+tt.undo, tm, nil, &e); code != http.StatusOK || tt.shows(e) {
				t.Fatalf("after %s: %d %s", tt.undo, code, raw)
			}
		})
	}
	var list []adminAccountEntity
	if code, _, raw := call(t, "GET", base, tm, url.Values{"local": {"true"}, "username": {"ali"}}, &list); code != http.StatusOK ||
		len(list) != 1 || list[0].ID != alice.ID.String() || list[0].Role == nil || list[0].Role.Name != "member" {
		t.Fatalf("list: %d %s", code, raw)
	}
	// An admin changes a role.
	var e adminAccountEntity
	if code, _, raw := call(t, "POST", base+"/"+alice.ID.String()+"/role", ta, url.Values{"role": {"moderator"}}, &e); code != http.StatusOK ||
		e.Role == nil || e.Role.Name != "moderator" {
		t.Fatalf("role: %d %s", code, raw)
	}
	// A warning reaches the member with its reason.
	if code, _, raw := call(t, "POST", base+bobID+"/action", ta, url.Values{"type": {"none"}, "text": {"please add alt text"}}, nil); code != http.StatusOK {
		t.Fatalf("warn: %d %s", code, raw)
	}
	var notes []struct {
		Type              string `json:"type"`
		ModerationWarning *struct {
			Action string `json:"action"`
			Text   string `json:"text"`
		} `json:"moderation_warning"`
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/notifications", n.Token(bob), nil, &notes); code != http.StatusOK || len(notes) == 0 ||
		notes[0].Type != "moderation_warning" || notes[0].ModerationWarning == nil || notes[0].ModerationWarning.Text != "please add alt text" {
		t.Fatalf("bob's notifications: %d %s", code, raw)
	}
	// Every action is in the audit log, with who did it.
	entries, err := n.Engine.AuditLog(ctx, root.ID, storage.AuditFilter{TargetID: bob.ID}, storage.Page{Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{federation.AuditLimit, federation.AuditUnlimit, federation.AuditSensitive, federation.AuditUnsensitive,
		federation.AuditDisable, federation.AuditEnable, federation.AuditSuspend, federation.AuditUnsuspend, federation.AuditWarn}
	if len(entries) != len(want) {
		t.Fatalf("audit entries about bob: %d; want %d", len(entries), len(want))
	}
	for i, w := range want {
		if got := entries[len(entries)-1-i]; got.Action != w {
			t.Errorf("audit entry %d: %s; want %s", i, got.Action, w)
		}
	}
}
