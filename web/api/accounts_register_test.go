package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// joiningNode starts a node with a joining policy and mail through srv.
func joiningNode(t *testing.T, reg federation.Registration, srv *mailtest.Server) *testrig.Node {
	t.Helper()
	return testrig.StartOne(t, func(c *node.Config) {
		c.Registration = reg
		if srv != nil {
			c.SMTP = federation.MailConfig{Host: srv.Host, Port: srv.Port, Username: srv.Username, Password: srv.Password,
				From: "copse@council-a.example"}
			c.Tuning.MailTLS = srv.TLS
		}
	})
}

// appToken registers an app and returns its client-credentials token.
func appToken(t *testing.T, n *testrig.Node, scopes string) string {
	t.Helper()
	app := testrig.RegisterApp(t, n, testrig.OOB, scopes)
	code, tok := testrig.PostToken(t, n, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {scopes}})
	if code != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("client credentials: %d %+v", code, tok)
	}
	return tok.AccessToken
}

// TestRegisterAccount signs up through Mastodon's POST /api/v1/accounts as
// an app does: the token it answers works once the person follows the
// link the in-process SMTP server received, and, for an address outside
// the node's domains, once an admin approves them.
func TestRegisterAccount(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	n := joiningNode(t, federation.Registration{Mode: federation.RegistrationsOpen, Domains: []string{"council-a.example"}}, srv)
	app := appToken(t, n, "read write")
	signUp := func(username, email string) (int, map[string]any) {
		var out map[string]any
		code, _, _ := call(t, "POST", n.URL+"/api/v1/accounts", app, url.Values{"username": {username}, "email": {email},
			"password": {"a long passphrase"}, "agreement": {"true"}, "locale": {"en"}, "reason": {"I run a library"}}, &out)
		return code, out
	}
	mails := 0
	for _, tt := range []struct {
		username, email string
		approval        bool
	}{
		{"ann", "ann@council-a.example", false},
		{"oz", "oz@elsewhere.example", true},
	} {
		code, out := signUp(tt.username, tt.email)
		tok, _ := out["access_token"].(string)
		if code != http.StatusOK || tok == "" || out["token_type"] != "Bearer" {
			t.Fatalf("%s: sign-up %d %v", tt.username, code, out)
		}
		if code, _, raw := call(t, "GET", n.URL+"/api/v1/accounts/verify_credentials", tok, nil, nil); code != http.StatusForbidden {
			t.Errorf("%s: the token before confirmation: %d %s; want 403", tt.username, code, raw)
		}
		mails++
		m := srv.Wait(t, mails)
		link := m.Link("/auth/confirm?token=")
		u, err := url.Parse(link)
		if err != nil || link == "" {
			t.Fatalf("%s: no confirmation link in %q", tt.username, m.Body)
		}
		if _, err := n.Engine.ConfirmEmail(context.Background(), u.Query().Get("token")); err != nil {
			t.Fatal(err)
		}
		if tt.approval {
			if code, _, _ := call(t, "GET", n.URL+"/api/v1/accounts/verify_credentials", tok, nil, nil); code != http.StatusForbidden {
				t.Errorf("%s: the token before approval: %d; want 403", tt.username, code)
			}
			if _, err := n.Engine.ApproveMember(context.Background(), tt.username); err != nil {
				t.Fatal(err)
			}
		}
		var me struct{ Username string }
		if code, _, raw := call(t, "GET", n.URL+"/api/v1/accounts/verify_credentials", tok, nil, &me); code != http.StatusOK || me.Username != tt.username {
			t.Errorf("%s: the token once joined: %d %s", tt.username, code, raw)
		}
	}

	tests := []struct {
		name   string
		token  string
		form   url.Values
		status int
		want   string
	}{
		{"no agreement", app, url.Values{"username": {"x"}, "email": {"x@council-a.example"}, "password": {"a long passphrase"}},
			422, "Agreement must be accepted"},
		{"no email", app, url.Values{"username": {"x"}, "password": {"a long passphrase"}, "agreement": {"1"}}, 422, "Email can't be blank"},
		{"taken username", app, url.Values{"username": {"ann"}, "email": {"ann2@council-a.example"}, "password": {"a long passphrase"},
			"agreement": {"1"}}, 422, "already taken"},
		{"short password", app, url.Values{"username": {"shorty"}, "email": {"s@council-a.example"}, "password": {"short"},
			"agreement": {"1"}}, 422, "at least 10 characters"},
		{"no token", "", url.Values{"username": {"x"}}, 401, ""},
		{"a read-only app", appToken(t, n, "read"), url.Values{"username": {"x"}}, 403, "outside the authorized scopes"},
	}
	var taken struct {
		Error   string
		Details map[string][]struct{ Error, Description string }
	}
	call(t, "POST", n.URL+"/api/v1/accounts", app, url.Values{"username": {"oz"}, "email": {"oz2@council-a.example"},
		"password": {"a long passphrase"}, "agreement": {"true"}}, &taken)
	if d := taken.Details["username"]; len(d) != 1 || d[0].Error != "ERR_TAKEN" || taken.Error != `Validation failed: Username "oz" is already taken` {
		t.Errorf("a taken username: %+v; want Mastodon's ERR_TAKEN on username", taken)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct{ Error string }
			code, _, raw := call(t, "POST", n.URL+"/api/v1/accounts", tt.token, tt.form, &out)
			if code != tt.status || !strings.Contains(out.Error, tt.want) {
				t.Errorf("%d %s; want %d with %q", code, raw, tt.status, tt.want)
			}
		})
	}
}

// TestRegistrationsClosedAndInstance: a closed node refuses sign-ups from
// apps, and /api/v1/instance says truthfully whether it takes them.
func TestRegistrationsClosedAndInstance(t *testing.T) {
	t.Parallel()
	closed := joiningNode(t, federation.Registration{}, nil)
	var out struct{ Error string }
	code, _, raw := call(t, "POST", closed.URL+"/api/v1/accounts", appToken(t, closed, "read write"), url.Values{"username": {"x"},
		"email": {"x@council-a.example"}, "password": {"a long passphrase"}, "agreement": {"true"}}, &out)
	if code != http.StatusForbidden || out.Error != "Registrations are closed on this node" {
		t.Errorf("a sign-up on a closed node: %d %s; want 403", code, raw)
	}
	open := joiningNode(t, federation.Registration{Mode: federation.RegistrationsOpen, Domains: []string{"council-a.example"}}, mailtest.Start(t))
	invite := joiningNode(t, federation.Registration{Mode: federation.RegistrationsInvite}, nil)
	for _, tt := range []struct {
		name            string
		n               *testrig.Node
		enabled, approv bool
		message         string
	}{
		{"closed", closed, false, false, "made by its administrators"},
		{"invite", invite, false, false, "by invitation"},
		{"open", open, true, true, "Addresses at council-a.example join once confirmed"},
	} {
		var v1 struct {
			Registrations    bool `json:"registrations"`
			ApprovalRequired bool `json:"approval_required"`
		}
		call(t, "GET", tt.n.URL+"/api/v1/instance", "", nil, &v1)
		var v2 struct {
			Registrations struct {
				Enabled          bool    `json:"enabled"`
				ApprovalRequired bool    `json:"approval_required"`
				Message          *string `json:"message"`
			} `json:"registrations"`
		}
		call(t, "GET", tt.n.URL+"/api/v2/instance", "", nil, &v2)
		r := v2.Registrations
		if v1.Registrations != tt.enabled || v1.ApprovalRequired != tt.approv || r.Enabled != tt.enabled ||
			r.ApprovalRequired != tt.approv || r.Message == nil || !strings.Contains(*r.Message, tt.message) {
			t.Errorf("%s: v1 %+v, v2 %+v", tt.name, v1, r)
		}
	}
}
