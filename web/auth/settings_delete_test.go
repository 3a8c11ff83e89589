package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDeleteOwnAccount: a member deletes her account from the web with
// her password and the box ticked: she is signed out, cannot sign in
// again, and her profile is gone; a wrong password or an unticked box
// is refused beside its field, and the node's only admin cannot.
func TestDeleteOwnAccount(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	if _, err := n.Engine.CreateMember(context.Background(), federation.NewMember{Username: "root", Email: "root@a.test",
		Password: password, Permission: storage.PermissionAdmin}); err != nil {
		t.Fatal(err)
	}
	b := testrig.NewFormBrowser(t, n)
	webSignIn(b, "", "alice", password)
	_, _, page := b.Do(http.MethodGet, "/settings/delete", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form:\n%s", page)
	}
	tries := []struct {
		form url.Values
		want string
	}{
		{url.Values{"password": {"not hers"}, "confirm": {"yes"}}, `href="#password">Your password is not right`},
		{url.Values{"password": {password}}, `href="#confirm">Tick the box`},
	}
	for _, try := range tries {
		try.form.Set("csrf", m[1])
		if code, _, page := b.Do(http.MethodPost, "/settings/delete", try.form); code != http.StatusUnprocessableEntity || !strings.Contains(page, try.want) {
			t.Errorf("%v: %d; want 422 saying %s\n%s", try.form, code, try.want, page)
		}
	}
	code, _, page := b.Do(http.MethodPost, "/settings/delete", url.Values{"csrf": {m[1]}, "password": {password}, "confirm": {"yes"}})
	if code != http.StatusOK || !strings.Contains(page, "Your account is deleted") {
		t.Fatalf("the deletion: %d\n%s", code, page)
	}
	if code, _, _ := b.Do(http.MethodGet, "/settings/delete", nil); code != http.StatusSeeOther {
		t.Errorf("after deleting, the settings: %d; want 303 to sign in", code)
	}
	if code, _, _ := webSignIn(testrig.NewFormBrowser(t, n), "", "alice", password); code == http.StatusSeeOther {
		t.Error("she signs in again")
	}
	if _, err := n.Store.UserByAccount(context.Background(), alice.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("her sign-in is still there: %v", err)
	}

	// The node's only admin is told to name another first.
	rb := testrig.NewFormBrowser(t, n)
	webSignIn(rb, "", "root", password)
	_, _, page = rb.Do(http.MethodGet, "/settings/delete", nil)
	m = csrfField.FindStringSubmatch(page)
	if code, _, page := rb.Do(http.MethodPost, "/settings/delete", url.Values{"csrf": {m[1]}, "password": {password}, "confirm": {"yes"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "only administrator") {
		t.Errorf("the last admin: %d\n%s", code, page)
	}
}
