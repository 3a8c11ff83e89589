package dashboard_test

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

// staff starts a node with a member alice, a moderator mod and an admin
// root.
func staff(t *testing.T) (*testrig.Node, map[string]storage.Account) {
	t.Helper()
	n := testrig.StartOne(t, nil)
	accts := map[string]storage.Account{}
	for name, role := range map[string]string{"alice": storage.PermissionMember, "bob": storage.PermissionMember,
		"mod": storage.PermissionModerator, "root": storage.PermissionAdmin} {
		accts[name] = n.Member(name, false)
		if err := n.Engine.SetRole(context.Background(), name, role); err != nil {
			t.Fatal(err)
		}
	}
	return n, accts
}

// browser is a browser without scripts signed in as login.
type browser struct {
	*testrig.FormBrowser
	t  *testing.T
	n  *testrig.Node
	me storage.Account
}

func signedIn(t *testing.T, n *testrig.Node, login string) *browser {
	t.Helper()
	me, err := n.Store.AccountByUsername(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{FormBrowser: testrig.SignIn(t, n, login), t: t, n: n, me: me}
}

// open sends a request as a browser does (asking for HTML) and returns
// the status, the Location header and the body.
func (b *browser) open(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.n.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.For(b.t).Send(req)
}

// page opens path and fails the test unless it answers 200.
func (b *browser) page(path string) string {
	b.t.Helper()
	code, _, page := b.open(http.MethodGet, path, nil)
	if code != http.StatusOK {
		b.t.Fatalf("GET %s: %d:\n%s", path, code, page)
	}
	return page
}

// csrf is the form token of the dashboard's pages for b's session.
func (b *browser) csrf() string {
	b.t.Helper()
	// Every form carries it; the member's own account page has forms.
	tok := testrig.Hidden(b.page("/admin/accounts/" + b.me.ID.String())).Get("csrf")
	if tok == "" {
		b.t.Fatal("no CSRF token on the account page")
	}
	return tok
}

// post sends a dashboard form with b's CSRF token (unless form has one).
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf())
	}
	return b.open(http.MethodPost, path, form)
}

// upload sends a multipart form with one file.
func (b *browser) upload(path, field, name string, data []byte, fields url.Values) (int, string, string) {
	b.t.Helper()
	return b.For(b.t).Multipart(path, fields, testrig.Upload{Field: field, Name: name, Data: data})
}
