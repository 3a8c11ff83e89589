package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestAdminEmailDomainBlocks: an admin blocks an email domain through
// Mastodon's admin API; a sign-up from it or below it is refused, even
// with an invitation, until the block is lifted; a moderator may not
// touch the list; each change is in the audit log.
func TestAdminEmailDomainBlocks(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	root, mod := n.Member("root", false), n.Member("mod", false)
	for _, r := range []struct{ user, role string }{{"root", storage.PermissionAdmin}, {"mod", storage.PermissionModerator}} {
		if err := n.Engine.SetRole(ctx, r.user, r.role); err != nil {
			t.Fatal(err)
		}
	}
	base := n.URL + "/api/v1/admin/email_domain_blocks"
	ta := n.Token(root, "admin:read", "admin:write")
	tm := n.Token(mod, "admin:read", "admin:write")
	type block struct {
		ID      string `json:"id"`
		Domain  string `json:"domain"`
		History []any  `json:"history"`
		Error   string `json:"error"`
	}
	for _, tt := range []struct {
		name, method, path, token string
		form                      url.Values
		code                      int
	}{
		{"a moderator lists", "GET", "", tm, nil, http.StatusForbidden},
		{"a moderator blocks", "POST", "", tm, url.Values{"domain": {"spam.example"}}, http.StatusForbidden},
		{"without the admin scope", "GET", "", n.Token(root, "read"), nil, http.StatusForbidden},
		{"with the granular scope", "GET", "", n.Token(root, "admin:read:email_domain_blocks"), nil, http.StatusOK},
		{"not a domain", "POST", "", ta, url.Values{"domain": {"not a domain"}}, http.StatusUnprocessableEntity},
		{"an unknown block", "GET", "/12345", ta, nil, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, raw := call(t, tt.method, base+tt.path, tt.token, tt.form, nil); code != tt.code {
				t.Errorf("answer %d %s; want %d", code, raw, tt.code)
			}
		})
	}
	var b block
	if code, _, raw := call(t, "POST", base, ta, url.Values{"domain": {"Mailinator.example"}}, &b); code != http.StatusOK ||
		b.Domain != "mailinator.example" || b.History == nil {
		t.Fatalf("block = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", base, ta, url.Values{"domain": {"mailinator.example"}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("the same domain again = %d %s; want 422", code, raw)
	}
	var list []block
	if code, _, raw := call(t, "GET", base, ta, nil, &list); code != http.StatusOK || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("list = %d %s", code, raw)
	}

	invite := func() string {
		inv, err := n.Engine.CreateInvite(ctx, federation.NewInvite{By: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		return inv.Code
	}
	for _, email := range []string{"eve@mailinator.example", "eve@eu.mailinator.example"} {
		_, err := n.Engine.SignUp(ctx, federation.SignUp{Username: "eve", Email: email, Password: "correct horse battery", InviteCode: invite()})
		var inv *federation.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("sign-up from %s: %v; want refused", email, err)
		}
	}
	if code, _, raw := call(t, "DELETE", base+"/"+b.ID, ta, nil, nil); code != http.StatusOK {
		t.Fatalf("unblock = %d %s", code, raw)
	}
	if _, err := n.Engine.SignUp(ctx, federation.SignUp{Username: "eve", Email: "eve@mailinator.example", Password: "correct horse battery", InviteCode: invite()}); err != nil {
		t.Errorf("sign-up once unblocked: %v", err)
	}
	entries, err := n.Engine.AuditLog(ctx, root.ID, storage.AuditFilter{}, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.TargetType == storage.AuditEmailDomain {
			actions = append(actions, e.Action+" "+e.Details["domain"])
		}
	}
	if len(actions) != 2 || actions[0] != "unblock_email_domain mailinator.example" || actions[1] != "block_email_domain mailinator.example" {
		t.Errorf("audit log = %v; want the block and its lifting", actions)
	}
}
