package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestArtefactDeleteAcrossNodes: an artefact with a file, created on A by
// a member, reaches B; another member who is neither its author nor a
// moderator may not delete it; the community's moderator deletes it, and
// it is gone from A (row, versions, file on disk, its ActivityPub id) and,
// through the Group's announced Delete, from B.
func TestArtefactDeleteAcrossNodes(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, ann, amy := a.Member("alice", false), a.Member("ann", false), a.Member("amy", false)
	bea := b.Member("bea", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupID := community["id"].(string)
	groupOnA := a.Resolve("libraries@" + a.Host)
	for _, m := range []storage.Account{ann, amy} {
		if err := a.Engine.Follow(ctx, m.ID, groupOnA.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
		joined(t, a, m, groupOnA)
	}
	groupOnB := b.Resolve("libraries@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)

	code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/communities/"+groupID+"/artefacts", a.Token(ann),
		map[string]any{"title": "Stocktake routine", "body": "Count the shelves.", "note": "First"})
	if code != http.StatusOK {
		t.Fatalf("create artefact: %d %s", code, body)
	}
	var created struct{ ID, URI string }
	json.Unmarshal(body, &created)
	pdf := []byte("%PDF-1.7\n% stocktake\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	if code, body := uploadArtefactFile(t, a, a.Token(ann), created.ID, "stocktake.pdf", pdf, "1"); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "both versions reach B", func() bool {
		_, vs := versionsOn(t, b, created.URI)
		return len(vs) == 2
	})
	_, vsA := versionsOn(t, a, created.URI)
	onB, _ := versionsOn(t, b, created.URI)
	file, err := a.Store.ArtefactFile(ctx, vsA[1].Files[0].FileID)
	if err != nil {
		t.Fatal(err)
	}
	path, err := a.Engine.ArtefactFilePath(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("stored file: %v", err)
	}

	del := a.URL + "/api/copse/v1/artefacts/" + created.ID
	if code, body := communityCall(t, http.MethodDelete, del, a.Token(amy), nil); code != http.StatusForbidden {
		t.Fatalf("delete by a member who is not an author: %d %s", code, body)
	}
	if code, body := communityCall(t, http.MethodDelete, del, "", nil); code != http.StatusUnauthorized {
		t.Fatalf("delete signed out: %d %s", code, body)
	}
	if a, _ := versionsOn(t, a, created.URI); a.ID == 0 {
		t.Fatal("a refused delete removed the artefact")
	}
	if code, body := communityCall(t, http.MethodDelete, del, a.Token(alice), nil); code != http.StatusOK {
		t.Fatalf("delete by the moderator: %d %s", code, body)
	}

	if _, err := a.Store.ArtefactByURI(ctx, created.URI); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("artefact on A after delete: %v", err)
	}
	if vs, err := a.Store.ArtefactVersions(ctx, vsA[0].ArtefactID, 0, 100); err != nil || len(vs) != 0 {
		t.Fatalf("versions on A after delete: %d %v", len(vs), err)
	}
	if _, err := a.Store.ArtefactFile(ctx, file.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("file row on A after delete: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file on disk after delete: %v", err)
	}
	if code, _ := communityCall(t, http.MethodGet, del, a.Token(alice), nil); code != http.StatusNotFound {
		t.Fatalf("API get after delete: %d", code)
	}
	if code, _ := communityCall(t, http.MethodGet, created.URI, "", nil); code != http.StatusNotFound && code != http.StatusGone {
		t.Fatalf("ActivityPub fetch after delete: %d", code)
	}
	testrig.Eventually(t, communityWait, "the delete reaches B", func() bool {
		_, err := b.Store.ArtefactByURI(ctx, created.URI)
		return errors.Is(err, storage.ErrNotFound)
	})
	if vs, err := b.Store.ArtefactVersions(ctx, onB.ID, 0, 100); err != nil || len(vs) != 0 {
		t.Fatalf("versions on B after delete: %d %v", len(vs), err)
	}
}
