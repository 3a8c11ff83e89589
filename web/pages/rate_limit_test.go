package pages_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// TestFormsSpendTheMembersRateLimit: the forms a member posts from pages
// spend the budget the client API spends for them (one limit however a
// member acts): with a budget of 4, two API calls and two forms use it,
// and the next form gets the error page with 429 and Retry-After, saving
// nothing; another member's form still goes through.
func TestFormsSpendTheMembersRateLimit(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Tuning.RateLimitRequests = 4
		c.Tuning.RateLimitWindow = 365 * 24 * time.Hour
	})
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	if err := n.Engine.Follow(ctx, bob.ID, g.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	term, err := n.Engine.CreateTerm(ctx, alice, g.ID, federation.NewTerm{Term: "Weeding", Definition: "Removing old stock."})
	if err != nil {
		t.Fatal(err)
	}
	path := "/c/libraries/glossary/" + term.ID.String()
	alices, bobs := signedInBrowser(t, n, "alice"), signedInBrowser(t, n, "bob")
	token := n.Token(alice)
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, n.URL+"/api/v1/instance", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	_, _, page := alices.Do(http.MethodGet, path+"/edit", nil) // reading spends nothing
	form := testrig.Hidden(page)
	for i := range 2 {
		if code, _, _ := alices.Do(http.MethodPost, path+"/delete", form); code != http.StatusUnprocessableEntity {
			t.Fatalf("form %d within the budget: %d; want 422 (not confirmed)", i+1, code)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, n.URL+path+"/delete",
		strings.NewReader(with(form, map[string]string{"confirm": "yes"}).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html") // as a browser asks
	resp, err := alices.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "You have sent too many requests") {
		t.Errorf("the form over the budget: %d, Retry-After %q; want 429 with the error page\n%s",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if _, err := n.Store.TermByID(ctx, term.ID); err != nil {
		t.Errorf("the refused form deleted the term: %v", err)
	}
	_, _, page = bobs.Do(http.MethodGet, path+"/edit", nil)
	if code, _, _ := bobs.Do(http.MethodPost, path+"/delete", testrig.Hidden(page)); code == http.StatusTooManyRequests {
		t.Errorf("another member's form: %d; want their own budget", code)
	}
}
