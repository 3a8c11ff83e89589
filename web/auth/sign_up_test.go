package auth_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

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

// pathOf is the path and query of a link a mail carried, for the browser.
func pathOf(t *testing.T, m mailtest.Mail, part string) string {
	t.Helper()
	u, err := url.Parse(m.Link(part))
	if err != nil || u.Path == "" {
		t.Fatalf("no %s link in %q", part, m.Body)
	}
	return u.RequestURI()
}

// signUp fills in the sign-up form at path.
func signUp(b *testrig.FormBrowser, path string, fields url.Values) (int, string) {
	b.T().Helper()
	code, _, page := b.Do(http.MethodGet, path, nil)
	if code != http.StatusOK || !strings.Contains(page, `action="/auth/sign_up"`) {
		b.T().Fatalf("GET %s: %d; want the sign-up form:\n%s", path, code, page)
	}
	form := hidden(page)
	for k, vs := range fields {
		form[k] = vs
	}
	code, _, page = b.Do(http.MethodPost, "/auth/sign_up", form)
	return code, page
}

// confirm opens a confirmation link and presses its button.
func confirm(b *testrig.FormBrowser, path string) (int, string) {
	b.T().Helper()
	code, _, page := b.Do(http.MethodGet, path, nil)
	if code != http.StatusOK || !strings.Contains(page, `action="/auth/confirm"`) {
		b.T().Fatalf("GET %s: %d; want the confirmation page:\n%s", path, code, page)
	}
	code, _, page = b.Do(http.MethodPost, "/auth/confirm", hidden(page))
	return code, page
}

func person(username, email string) url.Values {
	return url.Values{"username": {username}, "email": {email}, "password": {"a long passphrase"},
		"confirm": {"a long passphrase"}, "agreement": {"1"}, "reason": {"I run a library"}}
}

// TestSignUpOnTheWeb: sign-up with an address on the node's domain is
// confirmed by the mail the in-process SMTP server received; another
// address also waits for an admin's approval.
func TestSignUpOnTheWeb(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	n := joiningNode(t, federation.Registration{Mode: federation.RegistrationsOpen, Domains: []string{"council-a.example"}}, srv)
	b := testrig.NewFormBrowser(t, n)

	// The sign-in page leads to joining and to a password reset.
	_, _, page := b.Do(http.MethodGet, "/auth/sign_in", nil)
	for _, want := range []string{`href="/auth/sign_up"`, `href="/auth/reset"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("sign-in page of an open node with mail: no %s in:\n%s", want, page)
		}
	}

	// Errors are summarised at the top, each linking to its field.
	code, page := signUp(b, "/auth/sign_up", url.Values{"username": {"ann"}, "password": {"a long passphrase"}, "confirm": {"another"}})
	for _, want := range []string{"<title>Error: Join", "There is a problem", `href="#email"`, "Enter your email address",
		`href="#confirm"`, "The passwords do not match", `href="#agreement"`, `aria-describedby="email-error"`, `value="ann"`} {
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, want) {
			t.Fatalf("an incomplete form: %d, want %q in:\n%s", code, want, page)
		}
	}
	code, page = signUp(b, "/auth/sign_up", person("ann", "not an address"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#email"`) || !strings.Contains(html.UnescapeString(page), `"not an address" is not an email address`) {
		t.Fatalf("a bad address: %d:\n%s", code, page)
	}

	mails := 0
	for _, tt := range []struct {
		username, email string
		approval        bool
	}{
		{"ann", "ann@council-a.example", false},
		{"oz", "oz@elsewhere.example", true},
	} {
		b := testrig.NewFormBrowser(t, n) // each person their own browser
		code, page := signUp(b, "/auth/sign_up", person(tt.username, tt.email))
		if code != http.StatusOK || !strings.Contains(page, "Check your email") {
			t.Fatalf("%s: sign-up: %d:\n%s", tt.username, code, page)
		}
		if code, _, page := webSignIn(b, "", tt.username, "a long passphrase"); code != http.StatusForbidden || !strings.Contains(page, "Confirm your email address first") {
			t.Errorf("%s: sign-in before confirming: %d:\n%s", tt.username, code, page)
		}
		mails++
		m := srv.Wait(t, mails)
		link := pathOf(t, m, "/auth/confirm?token=")
		code, page = confirm(b, link)
		if code != http.StatusOK || !strings.Contains(page, "Your email address is confirmed") {
			t.Fatalf("%s: confirming: %d:\n%s", tt.username, code, page)
		}
		if code, page := confirm(b, link); code != http.StatusGone || !strings.Contains(page, "no longer works") {
			t.Errorf("%s: the link a second time: %d:\n%s", tt.username, code, page)
		}
		if tt.approval {
			if code, _, page := webSignIn(b, "", tt.username, "a long passphrase"); code != http.StatusForbidden || !strings.Contains(page, "waiting for an administrator") {
				t.Errorf("%s: sign-in before approval: %d:\n%s", tt.username, code, page)
			}
			if _, err := n.Engine.ApproveMember(context.Background(), tt.username); err != nil {
				t.Fatal(err)
			}
		}
		if code, _, page := webSignIn(b, "", tt.username, "a long passphrase"); code != http.StatusSeeOther {
			t.Errorf("%s: sign-in once joined: %d:\n%s", tt.username, code, page)
		}
	}
	code, page = signUp(b, "/auth/sign_up", person("ann", "ann3@council-a.example"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#username"`) || !strings.Contains(html.UnescapeString(page), `"ann" is already taken`) {
		t.Errorf("a taken username: %d:\n%s", code, page)
	}
}

// TestInvitationOnTheWeb: a closed node takes no sign-ups but from an
// invitation link, which works its number of times and then no more.
func TestInvitationOnTheWeb(t *testing.T) {
	t.Parallel()
	n := joiningNode(t, federation.Registration{}, nil)
	b := testrig.NewFormBrowser(t, n)
	code, _, page := b.Do(http.MethodGet, "/auth/sign_up", nil)
	if code != http.StatusOK || strings.Contains(page, "<form") || !strings.Contains(page, "made by its administrators") {
		t.Fatalf("sign-up on a closed node: %d:\n%s", code, page)
	}
	code, _, page = b.Do(http.MethodPost, "/auth/sign_up", person("walkin", "walkin@council-a.example"))
	if code != http.StatusOK || strings.Contains(page, "Welcome") {
		t.Fatalf("posting the form to a closed node: %d:\n%s", code, page)
	}
	inv, err := n.Engine.CreateInvite(context.Background(), federation.NewInvite{MaxUses: 2})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(inv.URL)
	for _, name := range []string{"one", "two"} {
		code, page := signUp(testrig.NewFormBrowser(t, n), u.RequestURI(), person(name, name+"@partner.example"))
		if code != http.StatusOK || !strings.Contains(page, "Your account @"+name+" is ready") {
			t.Fatalf("%s: sign-up with the invitation: %d:\n%s", name, code, page)
		}
		if code, _, page := webSignIn(testrig.NewFormBrowser(t, n), "", name, "a long passphrase"); code != http.StatusSeeOther {
			t.Errorf("%s signs in: %d:\n%s", name, code, page)
		}
	}
	code, _, page = b.Do(http.MethodGet, u.RequestURI(), nil)
	if code != http.StatusGone || !strings.Contains(page, "This invitation no longer works") {
		t.Errorf("the invitation a third time: %d:\n%s", code, page)
	}
}

// TestPasswordResetOnTheWeb follows a reset link from the mail the
// in-process SMTP server received.
func TestPasswordResetOnTheWeb(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	n := joiningNode(t, federation.Registration{}, srv)
	n.Member("alice", false)
	b := testrig.NewFormBrowser(t, n)
	code, _, page := b.Do(http.MethodGet, "/auth/reset", nil)
	if code != http.StatusOK || !strings.Contains(page, `action="/auth/reset"`) {
		t.Fatalf("GET /auth/reset: %d:\n%s", code, page)
	}
	form := hidden(page)
	form.Set("email", "alice@"+strings.Split(n.Host, ":")[0]+".test") // testrig's address for her
	code, _, page = b.Do(http.MethodPost, "/auth/reset", form)
	if code != http.StatusOK || !strings.Contains(page, "Check your email") {
		t.Fatalf("POST /auth/reset: %d:\n%s", code, page)
	}
	link := pathOf(t, srv.Wait(t, 1), "/auth/reset/confirm?token=")
	code, _, page = b.Do(http.MethodGet, link, nil)
	if code != http.StatusOK || !strings.Contains(page, `action="/auth/reset/confirm"`) {
		t.Fatalf("GET the reset link: %d:\n%s", code, page)
	}
	form = hidden(page)
	form.Set("new", "short")
	form.Set("confirm", "short")
	if code, _, page := b.Do(http.MethodPost, "/auth/reset/confirm", form); code != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#new"`) {
		t.Errorf("a short password: %d:\n%s", code, page)
	}
	form.Set("new", "a fresh passphrase")
	form.Set("confirm", "a fresh passphrase")
	if code, _, page := b.Do(http.MethodPost, "/auth/reset/confirm", form); code != http.StatusOK || !strings.Contains(page, "Your password is changed") {
		t.Fatalf("resetting: %d:\n%s", code, page)
	}
	if code, _, page := b.Do(http.MethodGet, link, nil); code != http.StatusGone {
		t.Errorf("the link a second time: %d:\n%s", code, page)
	}
	if code, _, page := webSignIn(b, "", "alice", "a fresh passphrase"); code != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: %d:\n%s", code, page)
	}
}

// TestMailBudget: one address may ask for only so many mails (sign-ups
// and reset links together) an hour.
func TestMailBudget(t *testing.T) {
	t.Parallel()
	n := joiningNode(t, federation.Registration{}, mailtest.Start(t))
	b := testrig.NewFormBrowser(t, n)
	for i := range 11 {
		_, _, page := b.Do(http.MethodGet, "/auth/reset", nil)
		form := hidden(page)
		form.Set("email", "nobody@council-a.example")
		code, _, page := b.Do(http.MethodPost, "/auth/reset", form)
		switch {
		case i < 10 && code != http.StatusOK:
			t.Fatalf("request %d: %d:\n%s", i+1, code, page)
		case i == 10 && (code != http.StatusTooManyRequests || !strings.Contains(page, "Try again in 60 minutes")):
			t.Fatalf("request 11: %d:\n%s", code, page)
		}
	}
}
