package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// createArtefact creates an artefact through the API and returns its id.
func createArtefact(t *testing.T, n *testrig.Node, token, communityID, title string) string {
	t.Helper()
	code, body := communityCall(t, http.MethodPost, n.URL+"/api/copse/v1/communities/"+communityID+"/artefacts", token,
		map[string]any{"title": title, "summary": "A summary.", "body": "The body of " + title + ".",
			"licence": "OGL-UK-3.0", "edit_policy": "members", "note": "First draft"})
	if code != http.StatusOK {
		t.Fatalf("create artefact: %d %s", code, body)
	}
	var created struct{ URI string }
	json.Unmarshal(body, &created)
	return created.URI
}

// TestCommunityLibraryCollection: the Group document links its library;
// a remote copse that is not a member reads a public community's
// library and takes its artefacts with their versions. A members-only
// community's library is read by a member's node (signed), not by
// another node nor unsigned.
func TestCommunityLibraryCollection(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, bea := a.Member("alice", false), b.Member("bea", false)
	token := a.Token(alice)

	pub := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupOnA := a.Resolve("libraries@" + a.Host)
	first := createArtefact(t, a, token, pub["id"].(string), "Opening hours")
	createArtefact(t, a, token, pub["id"].(string), "Stock rotation")
	doc := actorDoc(t, groupOnA.URI)
	if doc["library"] != groupOnA.URI+"/library" {
		t.Fatalf("the Group links library %v", doc["library"])
	}
	groupOnC := c.Resolve(groupOnA.URI)
	n, err := c.Engine.FetchLibrary(ctx, groupOnC)
	if err != nil || n != 2 {
		t.Fatalf("C reads the library: %d, %v; want 2", n, err)
	}
	art, err := c.Store.ArtefactByURI(ctx, first)
	if err != nil || art.Title != "Opening hours" || art.CommunityID != groupOnC.ID || art.Local {
		t.Fatalf("artefact on C = %+v, %v", art, err)
	}
	if vs, err := c.Store.ArtefactVersions(ctx, art.ID, 0, 10); err != nil || len(vs) != 1 {
		t.Errorf("versions on C = %d, %v", len(vs), err)
	}
	if n, err := c.Engine.FetchLibrary(ctx, groupOnC); err != nil || n != 0 {
		t.Errorf("C reads the library again: %d, %v; want 0", n, err)
	}

	// Members-only: the artefact is made before bea joins, so B learns
	// of it only from the library.
	closed := createCommunity(t, a, alice, map[string]any{"handle": "records", "name": "Records", "visibility": "members"})
	secret := createArtefact(t, a, token, closed["id"].(string), "Retention schedule")
	recordsOnA := a.Resolve("records@" + a.Host)
	resp, err := http.Get(recordsOnA.URI + "/library")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unsigned GET of a members-only library: %s; want 404", resp.Status)
	}
	recordsOnC := c.Resolve(recordsOnA.URI)
	if n, err := c.Engine.FetchLibrary(ctx, recordsOnC); err == nil || n != 0 {
		t.Errorf("a node with no member reads a members-only library: %d, %v", n, err)
	}
	if _, err := c.Store.ArtefactByURI(ctx, secret); err == nil {
		t.Errorf("C holds the members-only artefact")
	}
	recordsOnB := b.Resolve(recordsOnA.URI)
	if err := b.Engine.Follow(ctx, bea.ID, recordsOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, recordsOnB)
	// The Accept of bea's join makes B read the library in the background.
	testrig.Eventually(t, communityWait, "B (bea's node) reads the members-only library on join", func() bool {
		_, err := b.Store.ArtefactByURI(ctx, secret)
		return err == nil
	})
	if got, err := b.Store.ArtefactByURI(ctx, secret); err != nil || got.Title != "Retention schedule" {
		t.Errorf("artefact on B = %+v, %v", got, err)
	}
}
