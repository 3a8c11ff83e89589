package pages_test

import (
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// repertoireFixture is one node with alice, who started a public
// community and the members-only community "hidden", and carol, a member
// of the node who is in neither.
type repertoireFixture struct {
	n            *testrig.Node
	alice, carol storage.Account
	g, hidden    storage.Account
}

// startRepertoire starts a repertoireFixture whose public community has
// handle and name.
func startRepertoire(t *testing.T, handle, name string) repertoireFixture {
	t.Helper()
	n := testrig.StartOne(t, nil)
	f := repertoireFixture{n: n, alice: n.Member("alice", false), carol: n.Member("carol", false)}
	f.g = newCommunity(t, n, f.alice, federation.NewCommunity{Handle: handle, Name: name})
	f.hidden = newCommunity(t, n, f.alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden", Visibility: storage.CommunityMembersOnly})
	return f
}
