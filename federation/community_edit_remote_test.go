package federation

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// lemmyUpdateGroup is a moderator's Update of a community's Group, as
// Lemmy sends it (written from its documentation): the whole document,
// with the Markdown source of its description. %[1]s the moderator, %[2]s
// the Group, %[3]d a number for the id.
const lemmyUpdateGroup = `{"@context":["https://www.w3.org/ns/activitystreams","https://join-lemmy.org/context.json"],
	"id":"%[1]s/update/%[3]d","type":"Update","actor":"%[1]s","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["%[2]s"],
	"object":{"type":"Group","id":"%[2]s","preferredUsername":"records","name":"Records managers",
		"summary":"<p>For <strong>records</strong> staff.</p>","source":{"content":"For **records** staff.","mediaType":"text/markdown"},
		"sensitive":false,"postingRestrictedToMods":true,"inbox":"%[2]s/inbox","followers":"%[2]s/followers",
		"updated":"2026-12-08T10:00:00Z"}}`

// TestRemoteModeratorEditsCommunity: a moderator on another node changes
// a community hosted here with Lemmy's Update{Group}: its name,
// description and posting policy change, the Group announces the Update
// as received and sends its own Update{Group}. The same from a follower
// who moderates nothing is refused and changes nothing.
func TestRemoteModeratorEditsCommunity(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", Description: "Old text", Rules: "Be kind"})
	carol := remotePerson(t, e, "carol", "lemmy.example")
	erin := remotePerson(t, e, "erin", "piefed.example")
	follows(t, e, erin, g)
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, true); err != nil {
		t.Fatal(err)
	}
	sentRaw(t, e, erin.SharedInbox)
	state := func() (storage.Account, storage.Community) {
		t.Helper()
		a, err := e.store.AccountByID(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.store.CommunityByAccount(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a, c
	}

	if err := applyRaw(t, e, fmt.Sprintf(lemmyUpdateGroup, erin.URI, g.URI, 1)); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator's edit: %v; want denied", err)
	}
	if a, c := state(); a.DisplayName != "Records" || c.DescriptionSource != "Old text" || c.PostingPolicy != storage.PostingMembers {
		t.Fatalf("a non-moderator's edit took effect: %q %q %q", a.DisplayName, c.DescriptionSource, c.PostingPolicy)
	}
	if got := sentRaw(t, e, erin.SharedInbox); len(got) != 0 {
		t.Errorf("a refused edit was sent on: %s", got)
	}

	if err := applyRaw(t, e, fmt.Sprintf(lemmyUpdateGroup, carol.URI, g.URI, 2)); err != nil {
		t.Fatal(err)
	}
	a, c := state()
	if a.DisplayName != "Records managers" || c.DescriptionSource != "For **records** staff." ||
		c.PostingPolicy != storage.PostingModerators || c.Rules != "Be kind" || c.JoinPolicy != storage.JoinOpen {
		t.Errorf("after carol's edit: name %q, description %q, posting %q, rules %q, joining %q", a.DisplayName,
			c.DescriptionSource, c.PostingPolicy, c.Rules, c.JoinPolicy)
	}
	var announced, updated bool
	for _, b := range sentRaw(t, e, erin.SharedInbox) {
		m := decode(t, b)
		inner, _ := m["object"].(map[string]any)
		switch {
		case m["type"] == "Announce" && m["actor"] == g.URI && inner["id"] == carol.URI+"/update/2":
			announced = true
		case m["type"] == "Update" && m["actor"] == g.URI && inner["name"] == "Records managers":
			updated = true
		}
	}
	if !announced || !updated {
		t.Errorf("followers got the announce %v and the Group's own Update %v; want both", announced, updated)
	}
}

// TestAnnouncedGroupUpdate: a Lemmy community announces its moderator's
// Update{Group}; the node that follows it takes the Group's new name
// and posting policy. An announce of another Group's document changes
// nothing.
func TestAnnouncedGroupUpdate(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	dave := member(t, e, "dave")
	g := remoteGroup(t, e, "https://lemmy.example/c/records", "https://lemmy.example/c/records/followers")
	other := remoteGroup(t, e, "https://lemmy.example/c/tools", "https://lemmy.example/c/tools/followers")
	joins(t, e, dave, g)
	joins(t, e, dave, other)
	mod := remotePerson(t, e, "mod", "lemmy.example")
	announce := func(by storage.Account, n int) error {
		return receive(t, e, fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/announce/%d","type":"Announce",`+
			`"actor":%q,"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[%q],"object":%s}`,
			by.URI, n, by.URI, by.Followers, fmt.Sprintf(lemmyUpdateGroup, mod.URI, g.URI, n)))
	}
	if err := announce(other, 1); err != nil {
		t.Fatal(err)
	}
	if a, err := e.store.AccountByID(ctx, g.ID); err != nil || a.DisplayName == "Records managers" {
		t.Fatalf("another Group's announce changed the community: %+v, %v", a.DisplayName, err)
	}
	if err := announce(g, 2); err != nil {
		t.Fatal(err)
	}
	a, err := e.store.AccountByID(ctx, g.ID)
	if err != nil || a.DisplayName != "Records managers" {
		t.Errorf("name = %q, %v; want the announced one", a.DisplayName, err)
	}
	rc, err := e.store.RemoteCommunity(ctx, g.ID)
	if err != nil || !rc.PostingRestricted {
		t.Errorf("remote community = %+v, %v; want posting restricted to moderators", rc, err)
	}
	if a.ActorType != activitypub.TypeGroup {
		t.Errorf("actor type = %q", a.ActorType)
	}
}
