package ap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestFollowingCollectionHidesMembersOnlyGroups: a member's following
// collection, read unsigned, leaves out the members-only community she
// belongs to (its members are for its members) and keeps the public one;
// its totalItems still counts both, as the account's count does.
func TestFollowingCollectionHidesMembersOnlyGroups(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, carol := n.Member("alice", false), n.Member("carol", false)
	var groups []storage.Account
	for _, nc := range []federation.NewCommunity{
		{Handle: "safeguarding", Name: "Safeguarding leads", Visibility: storage.CommunityMembersOnly},
		{Handle: "libraries", Name: "Libraries"},
	} {
		c, err := n.Engine.CreateCommunity(ctx, alice, nc)
		if err != nil {
			t.Fatal(err)
		}
		g, err := n.Store.AccountByID(ctx, c.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Engine.Follow(ctx, carol.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	page := string(getAP(t, carol.URI+"/following?page=true").body)
	if strings.Contains(page, groups[0].URI) {
		t.Errorf("an unsigned fetch of carol's following names the members-only community:\n%s", page)
	}
	if !strings.Contains(page, groups[1].URI) {
		t.Errorf("an unsigned fetch of carol's following leaves out the public community:\n%s", page)
	}
	if c := getCollection(t, carol.URI+"/following"); c.TotalItems != 2 {
		t.Errorf("following totalItems = %d; want 2", c.TotalItems)
	}
}
