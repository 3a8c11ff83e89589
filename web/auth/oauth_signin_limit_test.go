package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

// TestOAuthSignInBudgetIsPerMember checks that wrong guesses by username
// and by email spend one budget of 5 for the member, however the login is
// written, and that another member's budget is untouched.
func TestOAuthSignInBudgetIsPerMember(t *testing.T) {
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	n.Member("bob", false)
	email := "alice@" + strings.Split(n.Host, ":")[0] + ".test"
	app := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)
	_, _, page := b.Do(http.MethodGet, authorizePath(app, callback, "read", "", ""), nil)
	try := func(login, pw string) (int, string) {
		t.Helper()
		form := hidden(page)
		form.Set("login", login)
		form.Set("password", pw)
		status, _, answer := b.Do(http.MethodPost, "/oauth/sign_in", form)
		if status == http.StatusUnprocessableEntity || status == http.StatusTooManyRequests {
			page = answer // the form again, with a fresh CSRF field
		}
		return status, answer
	}
	guesses := []struct {
		login string
		want  int
	}{
		{"alice", 422}, {email, 422}, {"ALICE", 422}, {strings.ToUpper(email), 422}, {"@alice", 422},
	}
	for i, g := range guesses {
		if status, _ := try(g.login, "wrong horse battery"); status != g.want {
			t.Fatalf("guess %d as %q: %d; want %d", i+1, g.login, status, g.want)
		}
	}
	for _, login := range []string{"alice", email} {
		if status, answer := try(login, password); status != http.StatusTooManyRequests ||
			!strings.Contains(answer, "Too many failed sign-ins") {
			t.Errorf("right password as %q after 5 wrong guesses: %d; want 429", login, status)
		}
	}
	if status, _ := try("bob", password); status != http.StatusSeeOther {
		t.Errorf("another member: %d; want 303", status)
	}
}
