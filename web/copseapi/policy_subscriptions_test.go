package copseapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestPolicySubscriptionsAPI: an admin subscribes to a shared list, its
// new entry arrives as a draft and takes effect when approved; a
// moderator is refused on every route.
func TestPolicySubscriptionsAPI(t *testing.T) {
	t.Parallel()
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"domain":"spam.example","digest":"x","severity":"suspend","comment":"Spam"}]`))
	}))
	defer list.Close()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	root, mod := n.Member("root", false), n.Member("mod", false)
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator); err != nil {
			return err
		}
		return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := n.Token(root, "admin:read", "admin:write")
	base := n.URL + "/api/copse/v1/admin/"
	for _, tt := range []struct{ method, url string }{
		{"GET", base + "policy_subscriptions"}, {"POST", base + "policy_subscriptions"},
		{"DELETE", base + "policy_subscriptions/1"}, {"POST", base + "policy_subscriptions/1/refresh"},
		{"GET", base + "policy_drafts"}, {"POST", base + "policy_drafts/1/approve"}, {"POST", base + "policy_drafts/1/reject"},
	} {
		code, _, body := call(t, tt.method, tt.url, n.Token(mod, "admin:read", "admin:write"), map[string]any{"url": list.URL})
		if code != http.StatusForbidden {
			t.Errorf("moderator %s %s: %d %s; want 403", tt.method, tt.url, code, body)
		}
	}
	code, _, body := call(t, "POST", base+"policy_subscriptions", admin, map[string]any{"url": "gopher://x.example/"})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a gopher URL: %d %s", code, body)
	}
	code, _, body = call(t, "POST", base+"policy_subscriptions", admin, map[string]any{"url": list.URL})
	var sub struct {
		ID          string `json:"id"`
		LastError   string `json:"last_error"`
		LastRefresh struct {
			Format  string `json:"format"`
			Drafted int    `json:"drafted"`
		} `json:"last_refresh"`
	}
	if code != http.StatusCreated || json.Unmarshal(body, &sub) != nil || sub.LastRefresh.Drafted != 1 || sub.LastRefresh.Format != "json" {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	if !n.Engine.Policy().Allows("spam.example").Federate {
		t.Fatal("a draft is in force before approval")
	}
	code, _, body = call(t, "GET", base+"policy_drafts?subscription_id="+sub.ID, admin, nil)
	var drafts []struct {
		ID, Domain, State, PublicComment string
	}
	if code != http.StatusOK || json.Unmarshal(body, &drafts) != nil || len(drafts) != 1 || drafts[0].Domain != "spam.example" {
		t.Fatalf("drafts: %d %s", code, body)
	}
	code, _, body = call(t, "POST", base+"policy_drafts/"+drafts[0].ID+"/approve", admin, nil)
	if code != http.StatusOK {
		t.Fatalf("approve: %d %s", code, body)
	}
	if n.Engine.Policy().Allows("spam.example").Federate {
		t.Fatal("an approved draft is not in force")
	}
	code, _, body = call(t, "POST", base+"policy_drafts/"+drafts[0].ID+"/approve", admin, nil)
	if code != http.StatusNotFound {
		t.Fatalf("approve twice: %d %s", code, body)
	}
	code, _, body = call(t, "POST", base+"policy_subscriptions/"+sub.ID+"/refresh", admin, nil)
	if code != http.StatusOK {
		t.Fatalf("refresh: %d %s", code, body)
	}
	code, _, body = call(t, "GET", n.URL+"/api/copse/v1/admin/audit?target_type=domain_block", admin, nil)
	var audit []struct{ Action string }
	if code != http.StatusOK || json.Unmarshal(body, &audit) != nil || len(audit) != 1 || audit[0].Action != "approve_domain_block" {
		t.Fatalf("audit: %d %s", code, body)
	}
	code, _, body = call(t, "DELETE", base+"policy_subscriptions/"+sub.ID, admin, nil)
	if code != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", code, body)
	}
	code, _, body = call(t, "GET", base+"policy_subscriptions", admin, nil)
	if code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("list after unsubscribe: %d %s", code, body)
	}
}

// TestPolicySubscriptionsScopes: the routes take admin:read and
// admin:write or their granular forms for domain blocks, as Mastodon's
// admin API does, and nothing narrower or unrelated.
func TestPolicySubscriptionsScopes(t *testing.T) {
	t.Parallel()
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("spam.example\n"))
	}))
	defer list.Close()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	root := n.Member("root", false)
	if err := n.Store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin) }); err != nil {
		t.Fatal(err)
	}
	base := n.URL + "/api/copse/v1/admin/"
	for _, tt := range []struct {
		name, method, path string
		scopes             []string
		want               int
	}{
		{"admin:read lists", "GET", "policy_subscriptions", []string{"admin:read"}, http.StatusOK},
		{"admin:read:domain_blocks lists", "GET", "policy_subscriptions", []string{"admin:read:domain_blocks"}, http.StatusOK},
		{"admin:read:domain_blocks lists drafts", "GET", "policy_drafts", []string{"admin:read:domain_blocks"}, http.StatusOK},
		{"admin:read:accounts does not list", "GET", "policy_subscriptions", []string{"admin:read:accounts"}, http.StatusForbidden},
		{"admin:write:domain_blocks does not read", "GET", "policy_drafts", []string{"admin:write:domain_blocks"}, http.StatusForbidden},
		{"read does not list", "GET", "policy_subscriptions", []string{"read", "write"}, http.StatusForbidden},
		{"admin:read:domain_blocks does not subscribe", "POST", "policy_subscriptions", []string{"admin:read:domain_blocks"}, http.StatusForbidden},
		{"admin:write:domain_allows does not subscribe", "POST", "policy_subscriptions", []string{"admin:write:domain_allows"}, http.StatusForbidden},
		{"admin:write:domain_blocks subscribes", "POST", "policy_subscriptions", []string{"admin:write:domain_blocks"}, http.StatusCreated},
		{"admin:write:domain_blocks approves", "POST", "policy_drafts/1/approve", []string{"admin:write:domain_blocks"}, http.StatusNotFound},
		{"admin:write:domain_blocks refreshes", "POST", "policy_subscriptions/1/refresh", []string{"admin:write:domain_blocks"}, http.StatusNotFound},
	} {
		code, _, body := call(t, tt.method, base+tt.path, n.Token(root, tt.scopes...), map[string]any{"url": list.URL})
		if code != tt.want {
			t.Errorf("%s: %d %s; want %d", tt.name, code, body, tt.want)
		}
	}
	code, _, body := call(t, "GET", base+"policy_drafts", n.Token(root, "admin:read:domain_blocks"), nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"domain":"spam.example"`) {
		t.Errorf("drafts after the granular subscribe: %d %s; want spam.example", code, body)
	}
}

// TestPolicyAllowListsAPI: an admin subscribes to a shared list of
// allowed domains (kind allows); an unknown kind, or in allow-list mode a
// list on a host not allowed, is 422; the list's entry arrives as a draft
// of kind allows, and approving it allows the domain at once.
func TestPolicyAllowListsAPI(t *testing.T) {
	t.Parallel()
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("# the councils' trust list\ncouncil-b.example\n"))
	}))
	defer list.Close()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	root := n.Member("root", false)
	if err := n.Engine.SetRole(ctx, "root", storage.PermissionAdmin); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	admin := n.Token(root, "admin:read", "admin:write")
	base := n.URL + "/api/copse/v1/admin/"
	code, _, body := call(t, "POST", base+"policy_subscriptions", admin, map[string]any{"url": list.URL, "kind": "mutes"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "mutes") {
		t.Fatalf("kind mutes: %d %s; want 422 naming it", code, body)
	}
	code, _, body = call(t, "POST", base+"policy_subscriptions", admin, map[string]any{"url": list.URL, "kind": "allows"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "allow-list mode") {
		t.Fatalf("a list on a host not allowed: %d %s; want 422 saying why", code, body)
	}
	if _, err := n.Engine.AddDomainAllow(ctx, 0, strings.TrimPrefix(list.URL, "http://")); err != nil {
		t.Fatal(err)
	}
	code, _, body = call(t, "POST", base+"policy_subscriptions", admin, map[string]any{"url": list.URL, "kind": "allows"})
	var sub struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		LastRefresh struct {
			Drafted int `json:"drafted"`
		} `json:"last_refresh"`
	}
	if code != http.StatusCreated || json.Unmarshal(body, &sub) != nil || sub.Kind != "allows" || sub.LastRefresh.Drafted != 1 {
		t.Fatalf("subscribe: %d %s; want 201, kind allows, 1 draft", code, body)
	}
	code, _, body = call(t, "GET", base+"policy_subscriptions", admin, nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"kind":"allows"`) {
		t.Fatalf("list: %d %s; want the kind shown", code, body)
	}
	code, _, body = call(t, "GET", base+"policy_drafts?subscription_id="+sub.ID, admin, nil)
	var drafts []struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Domain   string `json:"domain"`
		Severity string `json:"severity"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &drafts) != nil || len(drafts) != 1 ||
		drafts[0].Kind != "allows" || drafts[0].Domain != "council-b.example" || drafts[0].Severity != "" {
		t.Fatalf("drafts: %d %s; want council-b.example, kind allows, no severity", code, body)
	}
	if n.Engine.Policy().Allows("council-b.example").Federate {
		t.Fatal("a draft of an allow is in force before approval")
	}
	code, _, body = call(t, "POST", base+"policy_drafts/"+drafts[0].ID+"/approve", admin, nil)
	var allow struct {
		Kind, Domain   string
		SubscriptionID string `json:"subscription_id"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &allow) != nil || allow.Kind != "allows" ||
		allow.Domain != "council-b.example" || allow.SubscriptionID != sub.ID {
		t.Fatalf("approve: %d %s; want the allow, from the list", code, body)
	}
	if !n.Engine.Policy().Allows("council-b.example").Federate {
		t.Fatal("an approved allow is not in force")
	}
	code, _, body = call(t, "GET", n.URL+"/api/copse/v1/admin/audit?target_type=domain_allow", admin, nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"approve_domain_allow"`) {
		t.Fatalf("audit: %d %s; want the approval logged", code, body)
	}
}
