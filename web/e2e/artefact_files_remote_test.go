package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestRemoteArtefactFileThroughOwnNode: a member on B of a members-only
// community hosted on A downloads an artefact's file from B's API, at
// the URL B's API lists for it: B fetches it from A signed by its instance
// actor (A serves it to a node with a member, and to nobody unsigned) and
// hands it over only once its size and SHA-256 are the version's. A member
// of B who did not join gets 404, and so does a file the version does not
// name; B fetches for its own members only (401 to anyone else).
func TestRemoteArtefactFileThroughOwnNode(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, bea, carl := a.Member("alice", false), b.Member("bea", false), b.Member("carl", false)
	created := createCommunity(t, a, alice, map[string]any{"handle": "hr", "name": "HR", "visibility": "members"})
	groupOnB := b.Resolve("hr@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)
	api := a.URL + "/api/copse/v1"
	code, body := communityCall(t, http.MethodPost, api+"/communities/"+created["id"].(string)+"/artefacts", a.Token(alice),
		map[string]any{"title": "Leave policy", "body": "See the sheet."})
	if code != http.StatusOK {
		t.Fatalf("create: %d %s", code, body)
	}
	var art struct{ ID, URI string }
	json.Unmarshal(body, &art)
	data := []byte("grade,days\nA,25\nB,27\n")
	if code, body := uploadArtefactFile(t, a, a.Token(alice), art.ID, "leave.csv", data, "1"); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	var onB storage.Artefact
	testrig.Eventually(t, communityWait, "version 2 with the file reaches B", func() bool {
		var err error
		onB, err = b.Store.ArtefactByURI(ctx, art.URI)
		return err == nil && onB.Version == 2
	})

	// B's API lists the file at B, with where A serves it.
	code, body = communityCall(t, http.MethodGet, b.URL+"/api/copse/v1/artefacts/"+onB.ID.String(), b.Token(bea), nil)
	var listed struct {
		Files []struct {
			URL       string `json:"url"`
			OriginURL string `json:"origin_url"`
			SHA256    string `json:"sha256"`
		} `json:"files"`
	}
	sum := sha256.Sum256(data)
	if code != http.StatusOK || json.Unmarshal(body, &listed) != nil || len(listed.Files) != 1 || listed.Files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("artefact on B: %d %s", code, body)
	}
	file := listed.Files[0]
	if file.URL != b.URL+"/api/copse/v1/artefacts/"+onB.ID.String()+"/files/"+file.SHA256 {
		t.Fatalf("B lists the file at %s", file.URL)
	}

	// A serves it to nobody unsigned: it is members-only.
	if code, body := get(t, file.OriginURL, ""); code != http.StatusNotFound {
		t.Fatalf("the file at A, unsigned: %d %s", code, body)
	}
	tests := []struct {
		name, url, token string
		code             int
	}{
		{"a member, through her node", file.URL, b.Token(bea), http.StatusOK},
		{"a member of B who did not join", file.URL, b.Token(carl), http.StatusNotFound},
		{"nobody signed in", file.URL, "", http.StatusUnauthorized},
		{"a file the version does not name", b.URL + "/api/copse/v1/artefacts/" + onB.ID.String() + "/files/" + hex.EncodeToString(make([]byte, 32)), b.Token(bea), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, got := get(t, tt.url, tt.token)
			if code != tt.code {
				t.Fatalf("%d %s; want %d", code, got, tt.code)
			}
			if code == http.StatusOK && string(got) != string(data) {
				t.Fatalf("got %q; want the file", got)
			}
		})
	}
}

// get GETs url with an optional bearer token, returning status and body.
func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
