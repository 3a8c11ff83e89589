package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestLibraryFetchedOnJoin: artefacts made in a community on A before
// anyone on B joined reach B when a member of B joins (the Accept makes B
// read the library in the background), with their versions; nothing
// calls FetchLibrary by hand.
func TestLibraryFetchedOnJoin(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, bea := a.Member("alice", false), b.Member("bea", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	token := a.Token(alice)
	first := createArtefact(t, a, token, community["id"].(string), "Opening hours")
	second := createArtefact(t, a, token, community["id"].(string), "Stocktake")
	onA, err := a.Store.ArtefactByURI(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	code, body := communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/artefacts/"+onA.ID.String(), token,
		map[string]any{"base_version": 1, "title": "Stocktake routine", "note": "renamed"})
	if code != http.StatusOK {
		t.Fatalf("edit: %d %s", code, body)
	}

	groupOnB := b.Resolve("libraries@" + a.Host)
	for _, uri := range []string{first, second} {
		if _, err := b.Store.ArtefactByURI(ctx, uri); err == nil {
			t.Fatalf("B holds %s before anyone there joined: the test proves nothing", uri)
		}
	}
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)
	testrig.Eventually(t, communityWait, "B reads the library after bea joins", func() bool {
		_, v1 := versionsOn(t, b, first)
		_, v2 := versionsOn(t, b, second)
		return len(v1) == 1 && len(v2) == 2
	})
	got, _ := versionsOn(t, b, second)
	if got.Title != "Stocktake routine" || got.Local || got.CommunityID != groupOnB.ID {
		t.Fatalf("artefact on B = %+v", got)
	}
}
