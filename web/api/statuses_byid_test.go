package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/web/testrig"
)

// TestGetStatusesByID: GET /api/v1/statuses?id[]= answers the statuses
// asked for in the order asked, leaving out unknown ones and those the
// viewer may not see.
func TestGetStatusesByID(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ta, tb := n.Token(alice), n.Token(bob)
	post := func(text, visibility string) string {
		t.Helper()
		st, err := acctClient(n, ta).PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		return string(st.ID)
	}
	public, private := post("minutes of the July meeting", "public"), post("draft budget, followers only", "private")
	query := "?id[]=" + private + "&id[]=" + public + "&id[]=999&id[]=" + public

	tests := []struct {
		name, token string
		want        []string
	}{
		{"the author sees both, in the order asked", ta, []string{private, public}},
		{"someone who does not follow sees the public one", tb, []string{public}},
		{"anonymous sees the public one", "", []string{public}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []struct {
				ID string `json:"id"`
			}
			if code, _, raw := call(t, "GET", n.URL+"/api/v1/statuses"+query, tt.token, nil, &got); code != http.StatusOK {
				t.Fatalf("GET = %d %s", code, raw)
			}
			var ids []string
			for _, st := range got {
				ids = append(ids, st.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids = %v; want %v", ids, tt.want)
			}
		})
	}
}
