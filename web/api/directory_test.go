package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDirectory: GET /api/v1/directory lists the node's members and its
// communities (group: true, the note showing description and rules, the
// members counted as followers), in Mastodon's orders and pages; bad
// parameters get a 422 with an error.
func TestDirectory(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	ann, bea := n.Member("ann", false), n.Member("bea", false)
	if _, err := n.Engine.CreateCommunity(ctx, ann, federation.NewCommunity{Handle: "libraries", Name: "Libraries",
		Description: "Where library staff meet.", Rules: "Be kind."}); err != nil {
		t.Fatal(err)
	}
	group := n.Resolve("libraries@" + n.Host)
	if err := n.Engine.Follow(ctx, bea.ID, group.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.Post(ctx, bea.ID, federation.Draft{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Username       string `json:"username"`
		Group          bool   `json:"group"`
		Note           string `json:"note"`
		FollowersCount int    `json:"followers_count"`
	}
	list := func(t *testing.T, query string) []entry {
		t.Helper()
		var out []entry
		if code, _, raw := call(t, http.MethodGet, n.URL+"/api/v1/directory"+query, "", nil, &out); code != http.StatusOK {
			t.Fatalf("directory%s: %d %s", query, code, raw)
		}
		return out
	}
	names := func(es []entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Username)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		query string
		want  string
	}{
		{"?local=true", "bea,libraries,ann"}, // active: bea posted; then by id
		{"?order=new&local=true", "libraries,bea,ann"},
		{"?local=true&limit=1&offset=1", "libraries"},
		{"?local=true&offset=10001", ""}, // past the deepest offset: empty, not a walk of the table
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := names(list(t, tt.query)); got != tt.want {
				t.Errorf("directory%s = %s; want %s", tt.query, got, tt.want)
			}
		})
	}
	for _, e := range list(t, "?local=true") {
		if e.Username != "libraries" {
			continue
		}
		if !e.Group || !strings.Contains(e.Note, "Where library staff meet.") || !strings.Contains(e.Note, "Be kind.") || e.FollowersCount != 1 {
			t.Errorf("the community in the directory: %+v; want group, description and rules in note, 1 member", e)
		}
	}
	for _, bad := range []string{"?order=popular", "?local=maybe"} {
		var body struct {
			Error string `json:"error"`
		}
		if code, _, raw := call(t, http.MethodGet, n.URL+"/api/v1/directory"+bad, "", nil, &body); code != http.StatusUnprocessableEntity || body.Error == "" {
			t.Errorf("directory%s: %d %s; want 422 with an error", bad, code, raw)
		}
	}
}
