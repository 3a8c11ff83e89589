package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type domainBlockEntity struct {
	ID             string `json:"id"`
	Domain         string `json:"domain"`
	Digest         string `json:"digest"`
	Severity       string `json:"severity"`
	RejectMedia    bool   `json:"reject_media"`
	RejectReports  bool   `json:"reject_reports"`
	PrivateComment string `json:"private_comment"`
	PublicComment  string `json:"public_comment"`
	Obfuscate      bool   `json:"obfuscate"`
	Error          string `json:"error"`
}

func TestAdminDomainBlocks(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, mod, root := n.Member("alice", false), n.Member("mod", false), n.Member("root", false)
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator); err != nil {
			return err
		}
		return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	base := n.URL + "/api/v1/admin/domain_blocks"
	ta := n.Token(root, "admin:read", "admin:write")

	var b domainBlockEntity
	code, _, raw := call(t, "POST", base, ta, url.Values{"domain": {"Spam.Example"}, "severity": {"silence"},
		"reject_media": {"true"}, "public_comment": {"spam"}, "private_comment": {"ticket 4"}}, &b)
	if code != 200 || b.Domain != "spam.example" || b.Severity != "silence" || !b.RejectMedia || b.RejectReports ||
		b.PublicComment != "spam" || b.PrivateComment != "ticket 4" || len(b.Digest) != 64 {
		t.Fatalf("create = %d %s", code, raw)
	}
	if d := n.Engine.Policy().Allows("www.spam.example"); !d.Federate || !d.Limited() || !d.RejectMedia() {
		t.Fatalf("policy not in force at once: %+v", d)
	}

	// Who may do what: admins only, with the admin scope or its
	// granular form; moderators get 403 on every route.
	tm := n.Token(mod, "admin:read", "admin:write")
	for _, tt := range []struct {
		name, method, path, token string
		body                      any
		code                      int
	}{
		{"no token", "GET", "/api/v1/admin/domain_blocks", "", nil, http.StatusUnauthorized},
		{"member", "GET", "/api/v1/admin/domain_blocks", n.Token(alice, "admin:read"), nil, http.StatusForbidden},
		{"admin without scope", "GET", "/api/v1/admin/domain_blocks", n.Token(root), nil, http.StatusForbidden},
		{"admin, read scope writing", "POST", "/api/v1/admin/domain_blocks", n.Token(root, "admin:read"), url.Values{"domain": {"x.example"}}, http.StatusForbidden},
		{"moderator lists blocks", "GET", "/api/v1/admin/domain_blocks", tm, nil, http.StatusForbidden},
		{"moderator reads a block", "GET", "/api/v1/admin/domain_blocks/" + b.ID, tm, nil, http.StatusForbidden},
		{"moderator blocks", "POST", "/api/v1/admin/domain_blocks", tm, url.Values{"domain": {"x.example"}}, http.StatusForbidden},
		{"moderator changes", "PUT", "/api/v1/admin/domain_blocks/" + b.ID, tm, url.Values{"severity": {"suspend"}}, http.StatusForbidden},
		{"moderator unblocks", "DELETE", "/api/v1/admin/domain_blocks/" + b.ID, tm, nil, http.StatusForbidden},
		{"moderator lists allows", "GET", "/api/v1/admin/domain_allows", tm, nil, http.StatusForbidden},
		{"moderator allows", "POST", "/api/v1/admin/domain_allows", tm, url.Values{"domain": {"x.example"}}, http.StatusForbidden},
		{"moderator disallows", "DELETE", "/api/v1/admin/domain_allows/1", tm, nil, http.StatusForbidden},
		{"duplicate", "POST", "/api/v1/admin/domain_blocks", ta, url.Values{"domain": {"spam.example"}}, http.StatusUnprocessableEntity},
		{"bad domain", "POST", "/api/v1/admin/domain_blocks", ta, url.Values{"domain": {"not a domain"}}, http.StatusUnprocessableEntity},
		{"bad severity", "POST", "/api/v1/admin/domain_blocks", ta, url.Values{"domain": {"y.example"}, "severity": {"ban"}}, http.StatusUnprocessableEntity},
		{"own domain", "POST", "/api/v1/admin/domain_blocks", ta, url.Values{"domain": {n.Host}}, http.StatusUnprocessableEntity},
		{"unknown block", "GET", "/api/v1/admin/domain_blocks/12345", ta, nil, http.StatusNotFound},
		{"granular scope", "GET", "/api/v1/admin/domain_blocks", n.Token(root, "admin:read:domain_blocks"), nil, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, raw := call(t, tt.method, n.URL+tt.path, tt.token, tt.body, nil)
			if code != tt.code || (code >= 400 && !strings.Contains(raw, `"error"`)) {
				t.Errorf("answer %d %s; want %d", code, raw, tt.code)
			}
		})
	}
	if d := n.Engine.Policy().Allows("spam.example"); d.Block.Severity != storage.SeverityLimit {
		t.Fatalf("a moderator's request changed the block: %+v", d)
	}

	code, _, raw = call(t, "PUT", base+"/"+b.ID, ta, url.Values{"severity": {"suspend"}, "obfuscate": {"true"}}, &b)
	if code != 200 || b.Severity != "suspend" || !b.RejectMedia || b.PublicComment != "spam" || !b.Obfuscate {
		t.Fatalf("update = %d %s", code, raw)
	}
	if n.Engine.Policy().Allows("spam.example").Federate {
		t.Fatal("suspend not in force at once")
	}
	var pub []struct {
		Domain   string `json:"domain"`
		Severity string `json:"severity"`
		Comment  string `json:"comment"`
		Private  string `json:"private_comment"`
	}
	code, _, raw = call(t, "GET", n.URL+"/api/v1/instance/domain_blocks", "", nil, &pub)
	if code != 200 || len(pub) != 1 || pub[0].Domain != "s**m.e*****e" || pub[0].Severity != "suspend" ||
		pub[0].Comment != "spam" || pub[0].Private != "" {
		t.Fatalf("public list = %d %s", code, raw)
	}
	var list []domainBlockEntity
	if code, _, raw := call(t, "GET", base, ta, nil, &list); code != 200 || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("list = %d %s", code, raw)
	}
	code, _, raw = call(t, "DELETE", base+"/"+b.ID, ta, nil, &b)
	if code != 200 || b.Domain != "spam.example" || !n.Engine.Policy().Allows("spam.example").Federate {
		t.Fatalf("delete = %d %s", code, raw)
	}
	if code, _, _ := call(t, "DELETE", base+"/"+b.ID, ta, nil, nil); code != http.StatusNotFound {
		t.Fatalf("second delete = %d", code)
	}
}

func TestAdminDomainAllows(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	root := n.Member("root", false)
	if err := n.Store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin) }); err != nil {
		t.Fatal(err)
	}
	base := n.URL + "/api/v1/admin/domain_allows"
	ta := n.Token(root, "admin:read", "admin:write")
	type allow struct {
		ID     string `json:"id"`
		Domain string `json:"domain"`
	}
	var a, again allow
	if code, _, raw := call(t, "POST", base, ta, url.Values{"domain": {"Council-B.example"}}, &a); code != 200 || a.Domain != "council-b.example" {
		t.Fatalf("create = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", base, ta, url.Values{"domain": {"council-b.example"}}, &again); code != 200 || again.ID != a.ID {
		t.Fatalf("repeat = %d %s", code, raw)
	}
	if err := n.Engine.SetFederationMode(ctx, root.ID, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	p := n.Engine.Policy()
	if !p.Allows("social.council-b.example").Federate || p.Allows("elsewhere.example").Federate {
		t.Fatal("allow list not in force")
	}
	var list []allow
	if code, _, raw := call(t, "GET", base, ta, nil, &list); code != 200 || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("list = %d %s", code, raw)
	}
	if code, _, raw := call(t, "GET", base+"/"+a.ID, ta, nil, &again); code != 200 || again.Domain != a.Domain {
		t.Fatalf("get = %d %s", code, raw)
	}
	if code, _, raw := call(t, "DELETE", base+"/"+a.ID, ta, nil, nil); code != 200 {
		t.Fatalf("delete = %d %s", code, raw)
	}
	if p.Allows("social.council-b.example").Federate {
		t.Fatal("removed allow still in force")
	}
}
