package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestMembersOnlyGroupFollowers: a members-only community's
// members are for its members, on every path; its Group is an account in
// the Mastodon API, whose followers list must then name them only to a
// member (the ActivityPub followers collection gives others its size).
func TestMembersOnlyGroupFollowers(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden",
		Visibility: storage.CommunityMembersOnly})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, carol.ID, c.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	endpoint := n.URL + "/api/v1/accounts/" + c.AccountID.String() + "/followers"
	for _, tt := range []struct {
		name, token string
		listed      bool
	}{
		{"anonymous", "", false},
		{"bob, not a member", n.Token(bob), false},
		{"carol, a member", n.Token(carol), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out []map[string]any
			code, _, raw := call(t, http.MethodGet, endpoint, tt.token, nil, &out)
			if code != http.StatusOK {
				t.Fatalf("GET followers: %d %s", code, raw)
			}
			if got := strings.Contains(raw, `"carol"`); got != tt.listed {
				t.Errorf("the members-only Group's followers name carol: %v; want %v\n%s", got, tt.listed, raw)
			}
		})
	}
}
