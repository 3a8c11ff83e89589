package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestMoveAccount: alice moves from node A to her new account on B. On B
// she names her old account as an alias; on A, with her password, she
// moves: a follower on A is moved at once, a follower on C when the Move
// reaches C; each now follows the new account and no longer the old, the
// old profile says where she went, and the forms refuse a wrong password,
// an account that does not name hers, and nobody, beside the field.
func TestMoveAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	alice, carol := a.Member("alice", false), a.Member("carol", false)
	b.Member("alice2", false)
	b.Member("other", false) // names no alias
	dan := c.Member("dan", false)
	if err := a.Engine.Follow(ctx, carol.ID, alice.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	aliceOnC := c.Resolve(a.Acct("alice"))
	if err := c.Engine.Follow(ctx, dan.ID, aliceOnC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	danOnA := a.Resolve(c.Acct("dan"))
	testrig.Eventually(t, 15*time.Second, "dan follows alice", func() bool {
		_, err := a.Store.FollowOf(ctx, danOnA.ID, alice.ID)
		return err == nil
	})

	// On B: the alias, after a handle that finds nobody.
	onB := testrig.NewFormBrowser(t, b)
	webSignIn(onB, "", "alice2", password)
	form := migrationForm(t, onB)
	form.Set("alias", "nobody@"+a.Host)
	if code, _, page := onB.Do(http.MethodPost, "/settings/migration/aliases", form); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `href="#alias">Nobody was found with the handle nobody@`) {
		t.Fatalf("an alias nobody has: %d\n%s", code, page)
	}
	form.Set("alias", a.Acct("alice"))
	if code, loc, page := onB.Do(http.MethodPost, "/settings/migration/aliases", form); code != http.StatusSeeOther ||
		loc != "/settings/migration?done=added" {
		t.Fatalf("the alias: %d %q\n%s", code, loc, page)
	}
	if _, _, page := onB.Do(http.MethodGet, "/settings/migration", nil); !strings.Contains(page, "@alice@"+a.Host) {
		t.Errorf("the page does not list the alias:\n%s", page)
	}

	// On A: the move, refused with a wrong password and towards an
	// account that does not name alice, then made.
	onA := testrig.NewFormBrowser(t, a)
	webSignIn(onA, "", "alice", password)
	form = migrationForm(t, onA)
	tries := []struct {
		to, password, want string
	}{
		{b.Acct("alice2"), "wrong password", `href="#password">Your password is not right`},
		{b.Acct("other"), password, `href="#to">The account ` + b.Acct("other") + ` does not name this account as an alias`},
		{"", password, `href="#to">Enter the handle of the account to move to`},
	}
	for _, try := range tries {
		form.Set("to", try.to)
		form.Set("password", try.password)
		if code, _, page := onA.Do(http.MethodPost, "/settings/migration/move", form); code != http.StatusUnprocessableEntity ||
			!strings.Contains(page, try.want) {
			t.Errorf("move to %q with %q: %d; want 422 saying %s\n%s", try.to, try.password, code, try.want, page)
		}
	}
	form.Set("to", b.Acct("alice2"))
	form.Set("password", password)
	if code, loc, page := onA.Do(http.MethodPost, "/settings/migration/move", form); code != http.StatusSeeOther ||
		loc != "/settings/migration?done=moved" {
		t.Fatalf("the move: %d %q\n%s", code, loc, page)
	}

	alice2OnA, alice2OnC := a.Resolve(b.Acct("alice2")), c.Resolve(b.Acct("alice2"))
	follows := func(n *testrig.Node, follower, target storage.ID) bool {
		_, err := n.Store.FollowOf(ctx, follower, target)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	if follows(a, carol.ID, alice.ID) {
		t.Error("carol, on alice's node, still follows the old account")
	}
	testrig.Eventually(t, 15*time.Second, "carol, on alice's node, follows the new account", func() bool {
		return follows(a, carol.ID, alice2OnA.ID)
	})
	testrig.Eventually(t, 15*time.Second, "dan, on C, follows the new account and not the old", func() bool {
		return follows(c, dan.ID, alice2OnC.ID) && !follows(c, dan.ID, aliceOnC.ID)
	})
	if _, _, page := onA.Do(http.MethodGet, "/@alice", nil); !strings.Contains(page, "has moved to") ||
		!strings.Contains(page, "@alice2@"+b.Host) {
		t.Errorf("the old profile does not say where she went:\n%s", page)
	}
}

// migrationForm is the migration page's hidden fields, its CSRF token
// among them.
func migrationForm(t *testing.T, b *testrig.FormBrowser) url.Values {
	t.Helper()
	code, _, page := b.Do(http.MethodGet, "/settings/migration", nil)
	m := csrfField.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("GET /settings/migration: %d\n%s", code, page)
	}
	return url.Values{"csrf": {m[1]}}
}
