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

// TestFollowingHidesMembersOnlyGroups: a member's following list names a
// members-only community she belongs to only to those who may list its
// members (its members, herself among them); to anyone else the list
// leaves it out, so walking members' lists does not rebuild the
// community's member list. A public community stays listed to all.
func TestFollowingHidesMembersOnlyGroups(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	hidden, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "safeguarding", Name: "Safeguarding leads",
		Visibility: storage.CommunityMembersOnly})
	if err != nil {
		t.Fatal(err)
	}
	open, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []storage.Community{hidden, open} {
		if err := n.Engine.Follow(ctx, carol.ID, c.AccountID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	endpoint := n.URL + "/api/v1/accounts/" + carol.ID.String() + "/following"
	for _, tt := range []struct {
		name, token string
		listed      bool
	}{
		{"anonymous", "", false},
		{"bob, not a member", n.Token(bob), false},
		{"alice, a member", n.Token(alice), true},
		{"carol herself", n.Token(carol), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out []map[string]any
			code, _, raw := call(t, http.MethodGet, endpoint, tt.token, nil, &out)
			if code != http.StatusOK {
				t.Fatalf("GET following: %d %s", code, raw)
			}
			if got := strings.Contains(raw, `"safeguarding"`); got != tt.listed {
				t.Errorf("carol's following names the members-only community: %v; want %v\n%s", got, tt.listed, raw)
			}
			if !strings.Contains(raw, `"libraries"`) {
				t.Errorf("carol's following leaves out the public community:\n%s", raw)
			}
		})
	}
}
