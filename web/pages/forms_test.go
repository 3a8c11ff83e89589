package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// What the tests of the repertoire's forms share: a member's browser
// without JavaScript, signed in through the web sign-in form, that posts
// forms as a browser does (urlencoded, or multipart with files).

// signedInBrowser signs login in on n from a browser of its own.
func signedInBrowser(t *testing.T, n *testrig.Node, login string) *testrig.FormBrowser {
	t.Helper()
	return testrig.SignIn(t, n, login)
}

// formPage loads a page with a form and returns its hidden fields (the
// CSRF token among them) and the page.
func formPage(t *testing.T, b *testrig.FormBrowser, path string) (url.Values, string) {
	t.Helper()
	code, _, page := b.Do(http.MethodGet, path, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, code, page)
	}
	if !strings.Contains(page, `name="csrf"`) {
		t.Fatalf("GET %s: no form with a CSRF token\n%s", path, page)
	}
	return testrig.Hidden(page), page
}

// upload is a file a multipart form carries.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart posts form and files to path as a browser posts a form
// with enctype="multipart/form-data" (testrig's FormBrowser.Multipart).
func postMultipart(t *testing.T, b *testrig.FormBrowser, path string, form url.Values, files ...upload) (int, string, string) {
	t.Helper()
	ups := make([]testrig.Upload, 0, len(files))
	for _, f := range files {
		ups = append(ups, testrig.Upload{Field: f.field, Name: f.name, Data: f.data})
	}
	return b.For(t).Multipart(path, form, ups...)
}

// with is form with the fields of more set.
func with(form url.Values, more map[string]string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range more {
		out.Set(k, v)
	}
	return out
}

// joined makes member a member of g.
func joined(t *testing.T, n *testrig.Node, member, g storage.Account) {
	t.Helper()
	ctx := context.Background()
	if err := n.Engine.Follow(ctx, member.ID, g.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, member.Username+" joins "+g.Username, func() bool {
		f, err := n.Store.FollowOf(ctx, member.ID, g.ID)
		return err == nil && f.AccountID == member.ID
	})
}

// mustContain fails t for each of want the page lacks.
func mustContain(t *testing.T, what, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q\n%s", what, w, page)
		}
	}
}
