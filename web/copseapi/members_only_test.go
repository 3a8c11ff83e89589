package copseapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestMembersOnlyDirectory: the directory lists the members of
// the communities hosted here because those communities show their
// members already; a members-only community shows them to its members
// only, so a person who is in the directory only as a member of one is
// not listed to anyone (the directory is one list for every reader).
func TestMembersOnlyDirectory(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, carol := n.Member("alice", false), n.Member("carol", false)
	// carol keeps herself out of the directory; she is a member of a
	// members-only community only.
	if _, err := n.Engine.UpdateProfile(ctx, carol.ID, federation.Profile{DisplayName: "Carol", Discoverable: false,
		Organisation: "Secret Service", Department: "Covert", JobTitle: "Agent"}); err != nil {
		t.Fatal(err)
	}
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden",
		Visibility: storage.CommunityMembersOnly})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, carol.ID, c.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/directory", "/directory?organisation=Secret%20Service", "/directory?q=carol"} {
		for _, who := range []struct {
			name, token string
		}{{"anonymous", ""}, {"alice, a member", n.Token(alice, "read")}} {
			code, _, body := call(t, http.MethodGet, n.URL+"/api/copse/v1"+path, who.token, nil)
			if code != http.StatusOK {
				t.Fatalf("GET %s as %s: %d %s", path, who.name, code, body)
			}
			if strings.Contains(string(body), "carol@") || strings.Contains(string(body), "Secret Service") {
				t.Errorf("GET %s as %s lists carol, known here only as a member of a members-only community: %s", path, who.name, body)
			}
		}
	}
}

// TestMembersOnlyFormerAuthorEdit: an artefact of a members-only
// community is for its members; one of its authors who has left the
// community may no longer read it (404), so may not edit it either: an
// edit answers the artefact as it then stands, and a stale one (409) the
// versions made since with their bodies, which would show a former
// member what the members wrote after they left.
func TestMembersOnlyFormerAuthorEdit(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, carol := n.Member("alice", false), n.Member("carol", false)
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden",
		Visibility: storage.CommunityMembersOnly})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, carol.ID, c.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := n.Engine.CreateArtefact(ctx, carol, c.AccountID, federation.NewArtefact{Title: "Retention routine",
		Body: "First draft.", Licence: storage.LicenceOGL})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Unfollow(ctx, carol.ID, c.AccountID); err != nil {
		t.Fatal(err)
	}
	const secret = "Members-only: the shredding contractor's keycode is 4711"
	if _, err := n.Engine.EditArtefact(ctx, alice, a.ID, federation.ArtefactEdit{BaseVersion: 1, Body: new(secret)}); err != nil {
		t.Fatal(err)
	}
	tok := n.Token(carol)
	path := n.URL + "/api/copse/v1/artefacts/" + a.ID.String()
	if code, _, body := call(t, http.MethodGet, path, tok, nil); code != http.StatusNotFound {
		t.Fatalf("GET the artefact as carol, who left: %d %s; want 404", code, body)
	}
	for _, base := range []int{1, 2} {
		code, _, body := call(t, http.MethodPatch, path, tok, map[string]any{"base_version": base, "title": "Mine again"})
		if strings.Contains(string(body), "shredding") {
			t.Errorf("PATCH (base_version %d) as carol, who left: %d shows the members' edit: %s", base, code, body)
		}
		if code == http.StatusOK || code == http.StatusConflict {
			t.Errorf("PATCH (base_version %d) as carol, who left: %d; want a refusal", base, code)
		}
	}
}

// TestMembersOnlyFormerOrganiserEdit: the same for an event's
// organiser who has left a members-only community: an edit answers the
// event as it then stands (moved by a moderator since, say).
func TestMembersOnlyFormerOrganiserEdit(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, carol := n.Member("alice", false), n.Member("carol", false)
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden",
		Visibility: storage.CommunityMembersOnly})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, carol.ID, c.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	start := n.Store.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	s, err := n.Engine.SubmitEvent(ctx, carol, c.AccountID, federation.NewEvent{Name: "Closed workshop", Start: start,
		End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Room 1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Unfollow(ctx, carol.ID, c.AccountID); err != nil {
		t.Fatal(err)
	}
	const moved = "Secret annex, floor 3"
	if _, err := n.Engine.SubmitEventEdit(ctx, alice, s.Item.ID, federation.EventEdit{PlaceName: new(moved)}); err != nil {
		t.Fatal(err)
	}
	code, _, body := call(t, http.MethodPatch, n.URL+"/api/copse/v1/events/"+s.Item.ID.String(), n.Token(carol),
		map[string]any{"name": "Mine again"})
	if code == http.StatusOK || strings.Contains(string(body), "Secret annex") {
		t.Errorf("PATCH the event as carol, who left: %d %s; want a refusal", code, body)
	}
}
