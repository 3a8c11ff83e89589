package auth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	webauth "github.com/copse-dev/copse/web/auth"
	"github.com/copse-dev/copse/web/pages"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// webSignIn signs b in on the web sign-in page, coming back to next, and
// returns the status and the Location of the answer.
func webSignIn(b *testrig.FormBrowser, next, login, pw string) (int, string, string) {
	b.T().Helper()
	code, _, page := b.Do(http.MethodGet, session.SignInURL(next), nil)
	if code != http.StatusOK || !strings.Contains(page, `action="/auth/sign_in"`) {
		b.T().Fatalf("GET %s: %d, want the sign-in form:\n%s", session.SignInURL(next), code, page)
	}
	form := hidden(page)
	form.Set("login", login)
	form.Set("password", pw)
	return b.Do(http.MethodPost, "/auth/sign_in", form)
}

// signedInAs returns the member the sign-in page says b is signed in as,
// or "".
func signedInAs(b *testrig.FormBrowser) (string, string) {
	b.T().Helper()
	_, _, page := b.Do(http.MethodGet, "/auth/sign_in", nil)
	if !strings.Contains(page, "You are signed in") {
		return "", page
	}
	_, rest, _ := strings.Cut(page, "<strong>@")
	name, _, _ := strings.Cut(rest, "</strong>")
	return name, page
}

// TestWebSignInIsSharedWithOAuth checks that a member signed in on the
// web is not asked to sign in again when an app asks for authorization,
// and that signing out on the web signs them out of it too.
func TestWebSignInIsSharedWithOAuth(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)

	code, next, page := webSignIn(b, "/@alice", "alice", password)
	if code != http.StatusSeeOther || next != "/@alice" {
		t.Fatalf("web sign-in: %d %q; want 303 to /@alice:\n%s", code, next, page)
	}
	who, page := signedInAs(b)
	if who != "alice" {
		t.Fatalf("sign-in page after signing in: want alice signed in:\n%s", page)
	}
	consent := b.Consent(authorizePath(app, callback, "read", "s", "")) // no sign-in form on the way
	if u := b.Approve(consent, "authorize"); u.Query().Get("code") == "" {
		t.Fatalf("authorization after web sign-in: %s; want a code", u)
	}

	signOut := hidden(page)
	forged := url.Values{"csrf": {"forged"}}
	if code, _, _ := b.Do(http.MethodPost, "/auth/sign_out", forged); code != http.StatusForbidden {
		t.Errorf("sign-out with a forged CSRF token: %d; want 403", code)
	}
	if who, _ := signedInAs(b); who != "alice" {
		t.Fatal("a forged sign-out signed alice out")
	}
	if code, next, _ := b.Do(http.MethodPost, "/auth/sign_out", signOut); code != http.StatusSeeOther || next != "/auth/sign_in" {
		t.Fatalf("sign out: %d %q; want 303 to /auth/sign_in", code, next)
	}
	if who, _ := signedInAs(b); who != "" {
		t.Errorf("signed in as %q after signing out", who)
	}
	_, _, page = b.Do(http.MethodGet, authorizePath(app, callback, "read", "s", ""), nil)
	if !strings.Contains(page, `name="password"`) {
		t.Errorf("authorization after signing out on the web: want the sign-in form:\n%s", page)
	}
}

// TestOAuthSignInIsSharedWithWeb checks the other way: a member who
// signed in to authorize an app is signed in on the web.
func TestOAuthSignInIsSharedWithWeb(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)
	b.SignIn(authorizePath(app, callback, "read", "s", ""), "alice")
	if who, page := signedInAs(b); who != "alice" {
		t.Fatalf("web sign-in page after the OAuth sign-in: want alice signed in:\n%s", page)
	}
	if code, next, _ := b.Do(http.MethodGet, session.SignInURL("/@alice"), nil); code != http.StatusSeeOther || next != "/@alice" {
		t.Errorf("sign-in page with next, signed in: %d %q; want 303 to /@alice", code, next)
	}
}

// TestWebSignInRefusals checks the web form's refusals, and that it never
// sends the browser off the node.
func TestWebSignInRefusals(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	tests := []struct {
		name     string
		next     string
		login    string
		password string
		csrf     string // replaces the form's, if set
		want     int
		location string
	}{
		{"right password", "/@alice", "alice", password, "", http.StatusSeeOther, "/@alice"},
		{"no next", "", "alice", password, "", http.StatusSeeOther, "/auth/sign_in"},
		{"next on another host", "//evil.example/x", "alice", password, "", http.StatusSeeOther, "/auth/sign_in"},
		{"next with a backslash", `/\evil.example`, "alice", password, "", http.StatusSeeOther, "/auth/sign_in"},
		{"next an absolute URL", "https://evil.example/", "alice", password, "", http.StatusSeeOther, "/auth/sign_in"},
		{"wrong password", "/@alice", "alice", "wrong horse battery", "", http.StatusUnprocessableEntity, ""},
		{"forged CSRF token", "/@alice", "alice", password, "forged-forged-forged-forged", http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testrig.NewFormBrowser(t, n)
			_, _, page := b.Do(http.MethodGet, "/auth/sign_in?"+url.Values{"next": {tt.next}}.Encode(), nil)
			form := hidden(page)
			form.Set("login", tt.login)
			form.Set("password", tt.password)
			if tt.csrf != "" {
				form.Set("csrf", tt.csrf)
			}
			code, location, answer := b.Do(http.MethodPost, "/auth/sign_in", form)
			if code != tt.want || location != tt.location {
				t.Fatalf("POST /auth/sign_in: %d %q; want %d %q:\n%s", code, location, tt.want, tt.location, answer)
			}
			if who, _ := signedInAs(b); (who == "alice") != (tt.want == http.StatusSeeOther) {
				t.Errorf("signed in as %q after answer %d", who, code)
			}
		})
	}
}

// TestSignInBudgetIsSharedByWebAndOAuth checks that wrong guesses on the
// web form and on the OAuth form spend one budget per member.
func TestSignInBudgetIsSharedByWebAndOAuth(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)
	for i := range 3 {
		if code, _, _ := webSignIn(b, "", "alice", "wrong horse battery"); code != http.StatusUnprocessableEntity {
			t.Fatalf("web guess %d: %d; want 422", i+1, code)
		}
	}
	_, _, page := b.Do(http.MethodGet, authorizePath(app, callback, "read", "", ""), nil)
	for i := range 2 {
		form := hidden(page)
		form.Set("login", "alice")
		form.Set("password", "wrong horse battery")
		code, _, answer := b.Do(http.MethodPost, "/oauth/sign_in", form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("OAuth guess %d: %d; want 422", i+1, code)
		}
		page = answer
	}
	if code, _, answer := webSignIn(b, "", "alice", password); code != http.StatusTooManyRequests ||
		!strings.Contains(answer, "Too many failed sign-ins") {
		t.Errorf("right password after 5 wrong guesses on both forms: %d; want 429", code)
	}
}

// TestLegacySessionCookieDoesNotShadow checks that a browser still holding
// a session cookie scoped to /oauth (as copse set it before the session
// was shared with the pages) can sign in and authorize: the stale cookie,
// sent first on /oauth paths, must not hide the new session.
func TestLegacySessionCookieDoesNotShadow(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)
	base, err := url.Parse(n.URL + "/oauth/")
	if err != nil {
		t.Fatal(err)
	}
	b.Client.Jar.SetCookies(base, []*http.Cookie{{Name: "copse_session", Value: "stale-session-from-before", Path: "/oauth"}})
	consent := b.SignIn(authorizePath(app, callback, "read", "s", ""), "alice")
	if u := b.Approve(consent, "authorize"); u.Query().Get("code") == "" {
		t.Fatalf("authorization: %s; want a code", u)
	}
}

// TestLoadSession checks the session API other web packages use: the
// middleware finds the member signed in from the browser's cookie, and
// no one for a browser without one or with a dead one.
func TestLoadSession(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	b := testrig.NewFormBrowser(t, n)
	if code, _, _ := webSignIn(b, "", "alice", password); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	base, err := url.Parse(n.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	site, err := pages.New(n.Engine, pages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := webauth.New(n.Engine, webauth.Options{Layout: site.Layout()})
	if err != nil {
		t.Fatal(err)
	}
	page := srv.LoadSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := session.Member(r)
		if ok {
			w.Write([]byte(a.Username + " " + session.SignOutToken(r)))
		}
	}))
	tests := []struct {
		name    string
		cookies []*http.Cookie
		want    string
	}{
		{"signed in", b.Client.Jar.Cookies(base), "alice"},
		{"no cookie", nil, ""},
		{"unknown session", []*http.Cookie{{Name: "copse_session", Value: "no-such-session"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/@alice", nil)
			for _, c := range tt.cookies {
				req.AddCookie(c)
			}
			w := httptest.NewRecorder()
			page.ServeHTTP(w, req)
			who, token, _ := strings.Cut(w.Body.String(), " ")
			if who != tt.want || (who != "") != (len(token) == 64) {
				t.Errorf("member %q, sign-out token %q; want %q and a token when signed in", who, token, tt.want)
			}
		})
	}
}

// TestSignInLinksOnlyWhatTheNodeOffers: a closed node without mail links
// neither joining nor a password reset from its sign-in page.
func TestSignInLinksOnlyWhatTheNodeOffers(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	_, _, page := testrig.NewFormBrowser(t, n).Do(http.MethodGet, "/auth/sign_in", nil)
	for _, unwanted := range []string{`href="/auth/sign_up"`, `href="/auth/reset"`} {
		if strings.Contains(page, unwanted) {
			t.Errorf("sign-in page of a closed node without mail links %s:\n%s", unwanted, page)
		}
	}
}
