package auth_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// TestSettingsNeedSignIn checks that the settings pages send a browser
// that is not signed in to sign in, and back.
func TestSettingsNeedSignIn(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	tests := []struct {
		method, path, back string
	}{
		{http.MethodGet, "/settings/apps", "/settings/apps"},
		{http.MethodGet, "/settings/password", "/settings/password"},
		{http.MethodPost, "/settings/password", "/settings/password"},
		{http.MethodPost, "/settings/apps/1/revoke", "/settings/apps"},
		{http.MethodGet, "/settings/email", "/settings/email"},
		{http.MethodPost, "/settings/email", "/settings/email"},
		{http.MethodGet, "/settings/migration", "/settings/migration"},
		{http.MethodPost, "/settings/migration/move", "/settings/migration"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			b := testrig.NewFormBrowser(t, n)
			var form url.Values
			if tt.method == http.MethodPost {
				form = url.Values{"csrf": {"x"}}
			}
			code, location, page := b.Do(tt.method, tt.path, form)
			if code != http.StatusSeeOther || location != session.SignInURL(tt.back) {
				t.Fatalf("%d %q; want 303 to %s:\n%s", code, location, session.SignInURL(tt.back), page)
			}
			// Signing in there comes back to the page.
			if code, next, _ := webSignIn(b, tt.back, "alice", password); code != http.StatusSeeOther || next != tt.back {
				t.Fatalf("sign in: %d %q; want 303 to %s", code, next, tt.back)
			}
			if code, _, page := b.Do(http.MethodGet, tt.back, nil); code != http.StatusOK || !strings.Contains(page, "@alice") {
				t.Errorf("GET %s signed in: %d:\n%s", tt.back, code, page)
			}
		})
	}
}

var revokeAction = regexp.MustCompile(`<form method="post" action="(/settings/apps/\d+/revoke)">`)

// TestSettingsRevokeApp checks that a member sees an app they authorised
// with OAuth and that revoking it there ends its token, and only with
// the page's CSRF token.
func TestSettingsRevokeApp(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read write")
	b := testrig.NewFormBrowser(t, n)
	b.SignIn(authorizePath(app, callback, "read", "s", ""), "alice")
	status, tok := postToken(t, n, url.Values{"grant_type": {"authorization_code"}, "code": {b.CodeFor(app, "")},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {callback}})
	if status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: %d %+v", status, tok)
	}
	verify := func() int {
		code, _, _ := call(t, http.MethodGet, n.URL+"/api/v1/accounts/verify_credentials", tok.AccessToken, nil, nil)
		return code
	}

	code, _, page := b.Do(http.MethodGet, "/settings/apps", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /settings/apps: %d:\n%s", code, page)
	}
	for _, want := range []string{"Test app", `href="https://app.example"`, "<dd>read</dd>", "Last used", "Revoke access"} {
		if !strings.Contains(page, want) {
			t.Errorf("apps page lacks %q:\n%s", want, page)
		}
	}
	m := revokeAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("apps page has no revoke form:\n%s", page)
	}
	form := hidden(page)

	tests := []struct {
		name     string
		csrf     string
		want     int
		location string
		verify   int // the token's status afterwards
	}{
		{"no CSRF token", "", http.StatusForbidden, "", http.StatusOK},
		{"forged CSRF token", "forged", http.StatusForbidden, "", http.StatusOK},
		{"the page's CSRF token", form.Get("csrf"), http.StatusSeeOther, "/settings/apps?revoked=1", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, location, page := b.Do(http.MethodPost, m[1], url.Values{"csrf": {tt.csrf}})
			if code != tt.want || location != tt.location {
				t.Fatalf("revoke: %d %q; want %d %q:\n%s", code, location, tt.want, tt.location, page)
			}
			if got := verify(); got != tt.verify {
				t.Errorf("verify_credentials with the app's token: %d; want %d", got, tt.verify)
			}
		})
	}

	_, _, page = b.Do(http.MethodGet, "/settings/apps?revoked=1", nil)
	if !strings.Contains(page, "Access revoked") || strings.Contains(page, "Test app") {
		t.Errorf("apps page after revoking: want the confirmation and no Test app:\n%s", page)
	}
	if code, _, _ := b.Do(http.MethodPost, m[1], form); code != http.StatusNotFound {
		t.Errorf("revoking again: %d; want 404", code)
	}
}

// TestSettingsChangePassword checks the password form's refusals, shown
// on the form, and that a change lets the member sign in with the new
// password only, and signs out their other browsers but not this one.
func TestSettingsChangePassword(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	const newPassword = "a new horse staple"
	b := testrig.NewFormBrowser(t, n)
	other := testrig.NewFormBrowser(t, n)
	for _, br := range []*testrig.FormBrowser{b, other} {
		if code, _, page := webSignIn(br, "", "alice", password); code != http.StatusSeeOther {
			t.Fatalf("sign in: %d:\n%s", code, page)
		}
	}
	_, _, page := b.Do(http.MethodGet, "/settings/password", nil)
	csrf := hidden(page).Get("csrf")
	if csrf == "" {
		t.Fatalf("password page has no CSRF token:\n%s", page)
	}

	tests := []struct {
		name                   string
		csrf                   string
		current, next, confirm string
		want                   int
		field, message         string // the error shown, linked from the summary
	}{
		{"forged CSRF token", "forged", password, newPassword, newPassword, http.StatusForbidden, "", ""},
		{"wrong current password", csrf, "not my password", newPassword, newPassword, http.StatusUnprocessableEntity,
			"current", "Your current password is not right"},
		{"no current password", csrf, "", newPassword, newPassword, http.StatusUnprocessableEntity,
			"current", "Enter your current password"},
		{"confirmation does not match", csrf, password, newPassword, newPassword + "x", http.StatusUnprocessableEntity,
			"confirm", "The new passwords do not match"},
		{"no new password", csrf, password, "", "", http.StatusUnprocessableEntity, "new", "Enter a new password"},
		{"new password too short", csrf, password, "short", "short", http.StatusUnprocessableEntity,
			"new", "Password must be at least"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, page := b.Do(http.MethodPost, "/settings/password", url.Values{"csrf": {tt.csrf},
				"current": {tt.current}, "new": {tt.next}, "confirm": {tt.confirm}})
			if code != tt.want {
				t.Fatalf("%d; want %d:\n%s", code, tt.want, page)
			}
			if tt.field == "" {
				return
			}
			for _, want := range []string{"There is a problem", `<a href="#` + tt.field + `">` + tt.message,
				`id="` + tt.field + `-error"`, `aria-describedby="` + tt.field + `-error"`, "<title>Error: "} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q:\n%s", want, page)
				}
			}
		})
	}
	// None of the refusals changed the password.
	if who, _ := signedInAs(other); who != "alice" {
		t.Fatal("a refused change signed the other browser out")
	}

	code, location, page := b.Do(http.MethodPost, "/settings/password", url.Values{"csrf": {csrf},
		"current": {password}, "new": {newPassword}, "confirm": {newPassword}})
	if code != http.StatusSeeOther || location != "/settings/password?changed=1" {
		t.Fatalf("change password: %d %q:\n%s", code, location, page)
	}
	if _, _, page := b.Do(http.MethodGet, location, nil); !strings.Contains(page, "Your password has been changed") {
		t.Errorf("after the change: want the confirmation:\n%s", page)
	}
	if who, _ := signedInAs(b); who != "alice" {
		t.Error("the browser that changed the password was signed out")
	}
	if who, _ := signedInAs(other); who != "" {
		t.Errorf("the other browser is still signed in as %q", who)
	}
	if code, _, _ := webSignIn(testrig.NewFormBrowser(t, n), "", "alice", password); code != http.StatusUnprocessableEntity {
		t.Errorf("sign in with the old password: %d; want 422", code)
	}
	if code, _, page := webSignIn(testrig.NewFormBrowser(t, n), "", "alice", newPassword); code != http.StatusSeeOther {
		t.Errorf("sign in with the new password: %d; want 303:\n%s", code, page)
	}
}

// TestSignedInPageLinksSettings checks that a signed-in member finds the
// settings from the sign-in page.
func TestSignedInPageLinksSettings(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	b := testrig.NewFormBrowser(t, n)
	webSignIn(b, "", "alice", password)
	_, page := signedInAs(b)
	for _, want := range []string{`href="/settings/apps"`, `href="/settings/password"`, `href="/settings/migration"`} {
		if !strings.Contains(page, want) {
			t.Errorf("signed-in page lacks %s:\n%s", want, page)
		}
	}
}
