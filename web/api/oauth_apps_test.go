package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

func TestOAuthScopesAreEnforced(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := testrig.RegisterApp(t, n, testrig.Callback, "read write")
	b := testrig.NewFormBrowser(t, n)
	token := func(scope string) string {
		t.Helper()
		verifier, challenge := testrig.PKCE()
		var consent string
		if scope == "read" {
			consent = b.SignIn(testrig.AuthorizePath(app, testrig.Callback, scope, "", challenge), "alice")
		} else {
			consent = b.Consent(testrig.AuthorizePath(app, testrig.Callback, scope, "", challenge))
		}
		code := b.Approve(consent, "authorize").Query().Get("code")
		status, tok := testrig.PostToken(t, n, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {testrig.Callback},
			"code_verifier": {verifier}})
		if status != http.StatusOK || tok.Scope != scope {
			t.Fatalf("token for %q: %d %+v", scope, status, tok)
		}
		return tok.AccessToken
	}
	read, write, granular := token("read"), token("write"), token("read:accounts")

	tests := []struct {
		name   string
		token  string
		method string
		path   string
		want   int
	}{
		{"read token reads preferences", read, http.MethodGet, "/api/v1/preferences", 200},
		{"granular read:accounts reads preferences", granular, http.MethodGet, "/api/v1/preferences", 200},
		{"write-only token cannot read preferences", write, http.MethodGet, "/api/v1/preferences", 403},
		{"no token", "", http.MethodGet, "/api/v1/preferences", 401},
		{"read token cannot post", read, http.MethodPost, "/api/v1/statuses?status=hello", 403},
		{"granular read token cannot post", granular, http.MethodPost, "/api/v1/statuses?status=hello", 403},
		{"write token posts", write, http.MethodPost, "/api/v1/statuses?status=hello", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body map[string]any
			if status, _, _ := call(t, tt.method, n.URL+tt.path, tt.token, nil, &body); status != tt.want {
				t.Errorf("%s %s: %d %v; want %d", tt.method, tt.path, status, body, tt.want)
			}
		})
	}
}

func TestOAuthAppRegistration(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"unknown scope", url.Values{"client_name": {"x"}, "redirect_uris": {testrig.Callback}, "scopes": {"read telepathy"}}, 422},
		{"relative redirect URI", url.Values{"client_name": {"x"}, "redirect_uris": {"/callback"}}, 422},
		{"javascript redirect URI", url.Values{"client_name": {"x"}, "redirect_uris": {"javascript:alert(1)"}}, 422},
		{"no redirect URI", url.Values{"client_name": {"x"}}, 422},
		{"no name", url.Values{"redirect_uris": {testrig.Callback}}, 422},
		{"native app scheme", url.Values{"client_name": {"x"}, "redirect_uris": {"elk://oauth/callback"}}, 200},
		{"granular scopes", url.Values{"client_name": {"x"}, "redirect_uris": {testrig.OOB}, "scopes": {"read:statuses write:media profile"}}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body map[string]any
			if status, _, _ := call(t, "POST", n.URL+"/api/v1/apps", "", tt.form, &body); status != tt.want {
				t.Errorf("POST /api/v1/apps: %d %v; want %d", status, body, tt.want)
			}
		})
	}

	t.Run("JSON with arrays", func(t *testing.T) {
		var app testrig.App
		if status, _, _ := call(t, http.MethodPost, n.URL+"/api/v1/apps", "",
			`{"client_name":"Phone","redirect_uris":["`+testrig.Callback+`","`+testrig.OOB+`"],"scopes":"read write"}`, &app); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		if app.ID == "" || app.Name != "Phone" || app.Website != nil || !slices.Equal(app.RedirectURIs, []string{testrig.Callback, testrig.OOB}) ||
			app.RedirectURI != testrig.Callback+"\n"+testrig.OOB || !slices.Equal(app.Scopes, []string{"read", "write"}) ||
			app.ClientSecret == "" || app.ExpiresAt == nil || *app.ExpiresAt != 0 || app.VapidKey == nil {
			t.Errorf("app = %+v", app)
		}
	})

	t.Run("default scope is read", func(t *testing.T) {
		var app testrig.App
		call(t, "POST", n.URL+"/api/v1/apps", "", url.Values{"client_name": {"x"}, "redirect_uris": {testrig.OOB}}, &app)
		if !slices.Equal(app.Scopes, []string{"read"}) {
			t.Errorf("scopes = %v; want [read]", app.Scopes)
		}
	})

	t.Run("verify_credentials needs a token", func(t *testing.T) {
		if status, _, _ := call(t, "GET", n.URL+"/api/v1/apps/verify_credentials", "", nil, nil); status != http.StatusUnauthorized {
			t.Errorf("status %d; want 401", status)
		}
	})
}
