package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/web/testrig"
)

// TestReblogVisibility: a boost made with visibility=private reaches the
// booster's followers, here and on another node, and nobody else; an
// unlisted post boosted publicly stays unlisted.
func TestReblogVisibility(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, carol, erin := a.Member("alice", false), a.Member("carol", false), a.Member("erin", false)
	dave := b.Member("dave", false)
	stFollow(t, b, dave, b.Resolve(a.Acct("alice")))
	stFollow(t, a, erin, alice)
	ta, tc, te := a.Token(alice), a.Token(carol), a.Token(erin)

	post, err := stClient(a, tc).PostStatus(ctx, &mastodon.Toot{Status: "carol's public notes", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	var rb struct {
		ID         string `json:"id"`
		URI        string `json:"uri"`
		Visibility string `json:"visibility"`
	}
	if code, _, raw := call(t, "POST", a.URL+"/api/v1/statuses/"+string(post.ID)+"/reblog", ta,
		map[string]any{"visibility": "private"}, &rb); code != http.StatusOK || rb.Visibility != "private" {
		t.Fatalf("private boost = %d %s", code, raw)
	}
	// A follower here sees it; someone who does not follow alice does not.
	if code, _, raw := call(t, "GET", a.URL+"/api/v1/statuses/"+rb.ID, te, nil, nil); code != http.StatusOK {
		t.Errorf("alice's follower GET the private boost = %d %s", code, raw)
	}
	if code, _, _ := call(t, "GET", a.URL+"/api/v1/statuses/"+rb.ID, tc, nil, nil); code != http.StatusNotFound {
		t.Errorf("a non-follower GET the private boost = %d; want 404", code)
	}
	if code, _, _ := call(t, "GET", a.URL+"/api/v1/statuses/"+rb.ID, "", nil, nil); code != http.StatusNotFound {
		t.Errorf("anonymous GET the private boost = %d; want 404", code)
	}
	// A follower on the other node gets it (stored under the Announce's
	// id), as a followers-only boost.
	onB := stArrived(t, b, rb.URI+"/activity")
	got, err := b.Store.StatusByID(ctx, onB)
	if err != nil || got.Visibility != "private" {
		t.Errorf("the boost on B: %+v, %v; want followers-only", got.Visibility, err)
	}

	unlisted, err := stClient(a, tc).PostStatus(ctx, &mastodon.Toot{Status: "carol's quiet notes", Visibility: "unlisted"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, raw := call(t, "POST", a.URL+"/api/v1/statuses/"+string(unlisted.ID)+"/reblog", ta, nil, &rb); code != http.StatusOK ||
		rb.Visibility != "unlisted" {
		t.Errorf("public boost of an unlisted post = %d %s; want unlisted", code, raw)
	}
	var bad struct {
		Error string `json:"error"`
	}
	other, err := stClient(a, tc).PostStatus(ctx, &mastodon.Toot{Status: "more notes", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(t, "POST", a.URL+"/api/v1/statuses/"+string(other.ID)+"/reblog", ta,
		map[string]any{"visibility": "direct"}, &bad); code != http.StatusUnprocessableEntity || bad.Error == "" {
		t.Errorf("a direct boost = %d %+v; want 422", code, bad)
	}
}
