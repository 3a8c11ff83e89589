package auth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/web/testrig"
)

// TestImportData: a member imports the follows another server exported:
// a file that is not one is refused beside the field with nothing
// queued; a good one is queued and done in the background, following a
// person on another node as the file says, and an address nobody has is
// listed as failed, with why, until cleared.
func TestImportData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	b.Member("bob", false)
	br := testrig.NewFormBrowser(t, a)
	webSignIn(br, "", "alice", password)
	_, _, page := br.Do(http.MethodGet, "/settings/import", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form:\n%s", page)
	}
	send := func(kind, file string) (int, string, string) {
		t.Helper()
		form := map[string][]string{"csrf": {m[1]}, "kind": {kind}}
		return br.Multipart("/settings/import", form, testrig.Upload{Field: "file", Name: "following_accounts.csv", Data: []byte(file)})
	}
	if code, _, page := send("following", "Account address,Show boosts\nbob at b,true\n"); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `href="#file">Line 2: &#34;bob at b&#34; is not an account address`) {
		t.Fatalf("a bad file: %d\n%s", code, page)
	}
	if code, _, page := send("", "bob@b.example\n"); code != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#kind">Choose what the file holds`) {
		t.Fatalf("no kind: %d\n%s", code, page)
	}
	file := "Account address,Show boosts,Notify on new posts,Languages\n" + b.Acct("bob") + ",false,true,\n" + b.Acct("nobody") + ",true,false,\n"
	code, loc, page := send("following", file)
	if code != http.StatusSeeOther || loc != "/settings/import?queued=2" {
		t.Fatalf("the import: %d %q\n%s", code, loc, page)
	}
	bobOnA := a.Resolve(b.Acct("bob"))
	testrig.Eventually(t, 20*time.Second, "alice follows bob, and nobody is listed as not found", func() bool {
		_, failed, err := a.Store.ImportsOf(ctx, alice.ID, 10)
		if err != nil || len(failed) != 1 {
			return false
		}
		f, err := a.Store.FollowOf(ctx, alice.ID, bobOnA.ID)
		return err == nil && !f.ShowReblogs && f.Notify
	})
	_, _, page = br.Do(http.MethodGet, "/settings/import", nil)
	if !strings.Contains(page, "Entries that could not be imported") || !strings.Contains(page, b.Acct("nobody")) ||
		!strings.Contains(page, "<td>Not found</td>") {
		t.Errorf("the page does not list the failure:\n%s", page)
	}
	if code, _, _ := br.Do(http.MethodPost, "/settings/import/clear", map[string][]string{"csrf": {m[1]}}); code != http.StatusSeeOther {
		t.Errorf("clear: %d", code)
	}
	if _, failed, err := a.Store.ImportsOf(ctx, alice.ID, 10); err != nil || len(failed) != 0 {
		t.Errorf("after clearing: %d failures, %v", len(failed), err)
	}
}
