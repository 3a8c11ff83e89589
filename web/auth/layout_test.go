package auth_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestPagesShareTheSiteLayout checks that every sign-in and settings
// page is a page of the site: the layout of web/pages (skip link, header
// with the node's name and navigation, footer, the one style sheet), no
// style of its own, and the sign-in pages' own headers (not framed,
// never cached, nothing loaded but the style sheet).
func TestPagesShareTheSiteLayout(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, oob, "read write")
	authorize := "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "response_type": {"code"},
		"redirect_uri": {oob}, "scope": {"read"}}.Encode()

	anonymous := testrig.NewFormBrowser(t, n)
	member := testrig.NewFormBrowser(t, n)
	if code, _, _ := webSignIn(member, "", "alice", password); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	tests := []struct {
		name   string
		b      *testrig.FormBrowser
		path   string
		status int
		h1     string
	}{
		{"web sign-in", anonymous, "/auth/sign_in", http.StatusOK, "<h1>Sign in</h1>"},
		{"OAuth sign-in", anonymous, authorize, http.StatusOK, "<h1>Sign in</h1>"},
		{"refused authorization", anonymous, "/oauth/authorize?client_id=nope", http.StatusBadRequest, "<h1>Authorization failed</h1>"},
		{"signed in", member, "/auth/sign_in", http.StatusOK, "<h1>Signed in</h1>"},
		{"consent", member, authorize, http.StatusOK, "<h1>Authorize Test app?</h1>"},
		{"authorised apps", member, "/settings/apps", http.StatusOK, "<h1>Authorised apps</h1>"},
		{"password", member, "/settings/password", http.StatusOK, "<h1>Change your password</h1>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.b.Client.Get(n.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			page := string(body)
			if resp.StatusCode != tt.status || !strings.Contains(page, tt.h1) {
				t.Fatalf("GET %s: %d; want %d and %s:\n%s", tt.path, resp.StatusCode, tt.status, tt.h1, page)
			}
			for _, want := range []string{`<html lang="en-GB">`, `<a class="skip" href="#main">`,
				`<a class="site-name" href="/">`, `<nav aria-label="Site">`, `<main id="main"`,
				`<link rel="stylesheet" href="/assets/copse.css?v=`, `<footer class="site-footer">`,
				`<meta name="robots" content="noindex">`, " – "} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %s:\n%s", want, page)
				}
			}
			for _, own := range []string{"<style", "style=", "<script"} {
				if strings.Contains(page, own) {
					t.Errorf("page carries %q; it should use the site's style sheet only", own)
				}
			}
			h := resp.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") ||
				strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q; want the site's style sheet only, and no framing", csp)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("headers %v; want the sign-in pages' own", h)
			}
		})
	}
	// The style sheet the pages link is served, with the forms' styles.
	code, _, css := anonymous.Do(http.MethodGet, "/assets/copse.css", nil)
	if code != http.StatusOK || !strings.Contains(css, ".error-summary") || !strings.Contains(css, "button.primary") {
		t.Errorf("GET /assets/copse.css: %d; want the style sheet with the forms' styles", code)
	}
}

// TestStaffLinkOnAuthPages checks that the sign-in and settings pages
// link staff to the moderation dashboard in the site's header, as every
// other page does, and do not link a plain member or a visitor to it.
func TestStaffLinkOnAuthPages(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("mod", false)
	n.Member("alice", false)
	if err := n.Engine.SetRole(context.Background(), "mod", storage.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	const link = `<a href="/admin">Moderation</a>`
	app := registerApp(t, n, oob, "read write")
	authorize := "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "response_type": {"code"},
		"redirect_uri": {oob}, "scope": {"read"}}.Encode()
	browsers := map[string]*testrig.FormBrowser{}
	for _, who := range []string{"mod", "alice"} {
		b := testrig.NewFormBrowser(t, n)
		if code, _, _ := webSignIn(b, "", who, password); code != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", who, code)
		}
		browsers[who] = b
	}
	browsers["visitor"] = testrig.NewFormBrowser(t, n)
	tests := []struct {
		who, path string
		want      bool
	}{
		{"mod", "/settings/password", true},
		{"mod", "/settings/apps", true},
		{"mod", "/auth/sign_in", true},
		{"mod", authorize, true},
		{"mod", "/auth/sign_up", true},
		{"alice", "/settings/password", false},
		{"alice", "/settings/apps", false},
		{"alice", "/auth/sign_in", false},
		{"alice", authorize, false},
		{"visitor", "/auth/sign_in", false},
		{"visitor", authorize, false},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+strings.SplitN(tt.path, "?", 2)[0], func(t *testing.T) {
			code, _, page := browsers[tt.who].Do(http.MethodGet, tt.path, nil)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d:\n%s", tt.path, code, page)
			}
			if got := strings.Contains(page, link); got != tt.want {
				t.Errorf("GET %s as %s: moderation link shown %v; want %v:\n%s", tt.path, tt.who, got, tt.want, page)
			}
		})
	}
}
