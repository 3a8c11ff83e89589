package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// uploadArtefactFile posts a file to an artefact through the API.
func uploadArtefactFile(t *testing.T, n *testrig.Node, token, artefactID, name string, data []byte, base string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("base_version", base)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, n.URL+"/api/copse/v1/artefacts/"+artefactID+"/files", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// versionsOn lists the versions a node holds of the artefact with uri.
func versionsOn(t *testing.T, n *testrig.Node, uri string) (storage.Artefact, []storage.ArtefactVersion) {
	t.Helper()
	ctx := context.Background()
	a, err := n.Store.ArtefactByURI(ctx, uri)
	if err != nil {
		return storage.Artefact{}, nil
	}
	vs, err := n.Store.ArtefactVersions(ctx, a.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return a, vs
}

// TestArtefactsAcrossNodes: an artefact created on A, in a community a
// member of B follows, reaches B with its file; an edit reaches B as a
// new version with the same history and diff; a stale edit is refused
// with 409 and what changed; a program named .pdf is refused; and C,
// which follows only later, fills the versions it missed from the
// artefact's history collection.
func TestArtefactsAcrossNodes(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, ann := a.Member("alice", false), a.Member("ann", false)
	bea, cid := b.Member("bea", false), c.Member("cid", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupID := community["id"].(string)
	groupOnA := a.Resolve("libraries@" + a.Host)
	if err := a.Engine.Follow(ctx, ann.ID, groupOnA.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, ann, groupOnA)
	groupOnB := b.Resolve("libraries@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)

	token := a.Token(alice)
	code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/communities/"+groupID+"/artefacts", token, map[string]any{
		"title": "Opening hours policy", "summary": "How we publish opening hours.",
		"body": "# Policy\n\nPublish hours **weekly** on the door.", "tags": []string{"hours", "Libraries"},
		"licence": "OGL-UK-3.0", "edit_policy": "members", "note": "First draft"})
	if code != http.StatusOK {
		t.Fatalf("create artefact: %d %s", code, body)
	}
	var created struct {
		ID, URI string
		Version int
	}
	json.Unmarshal(body, &created)
	pdf := []byte("%PDF-1.7\n% opening hours\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	if code, body := uploadArtefactFile(t, a, token, created.ID, "hours.pdf", pdf, "1"); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "both versions reach B", func() bool {
		_, vs := versionsOn(t, b, created.URI)
		return len(vs) == 2
	})
	onB, vsB := versionsOn(t, b, created.URI)
	if onB.Title != "Opening hours policy" || onB.Version != 2 || onB.Local || onB.CommunityID != groupOnB.ID ||
		onB.Licence != "OGL-UK-3.0" || len(vsB[1].Files) != 1 || vsB[1].Files[0].Name != "hours.pdf" ||
		vsB[1].Files[0].URL == "" || !strings.Contains(onB.BodyHTML, "<strong>weekly</strong>") || vsB[0].Note != "First draft" {
		t.Fatalf("artefact on B: %+v\nversions %+v", onB, vsB)
	}

	// Alice and Ann both edit version 2: Ann's lands, Alice is told what changed.
	code, body = communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/artefacts/"+created.ID, a.Token(ann),
		map[string]any{"base_version": 2, "body": "# Policy\n\nPublish hours **daily** on the door and online.", "note": "daily"})
	if code != http.StatusOK {
		t.Fatalf("ann's edit: %d %s", code, body)
	}
	code, body = communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/artefacts/"+created.ID, token,
		map[string]any{"base_version": 2, "title": "Opening hours"})
	var stale struct {
		Error          string `json:"error"`
		CurrentVersion int    `json:"current_version"`
		Changes        []struct {
			Number int    `json:"number"`
			Note   string `json:"note"`
			Editor string `json:"editor"`
		} `json:"changes"`
		Diff federation.ArtefactDiff `json:"diff"`
	}
	if code != http.StatusConflict || json.Unmarshal(body, &stale) != nil || stale.CurrentVersion != 3 ||
		len(stale.Changes) != 1 || stale.Changes[0].Note != "daily" || stale.Changes[0].Editor != "ann@"+a.Host || !stale.Diff.Changed() {
		t.Fatalf("stale edit: %d %s", code, body)
	}

	// A program named .pdf is refused, and nothing changes.
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	if code, body := uploadArtefactFile(t, a, token, created.ID, "tool.pdf", exe, "3"); code != http.StatusUnprocessableEntity ||
		!strings.Contains(string(body), "tool.pdf") {
		t.Fatalf("exe named pdf: %d %s", code, body)
	}
	// Uploads count per member whichever way the file comes: with two of
	// alice's in progress (slow media uploads, say), a third, an
	// artefact's file, is refused before its body is read.
	var ends []func()
	for range federation.MaxUploadsAtOnce {
		end, err := a.Engine.BeginUpload(alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, end)
	}
	if code, body := uploadArtefactFile(t, a, token, created.ID, "hours.pdf", pdf, "3"); code != http.StatusTooManyRequests ||
		!strings.Contains(string(body), "Too many uploads at once") {
		t.Fatalf("a third upload at once: %d %s", code, body)
	}
	for _, end := range ends {
		end()
	}

	testrig.Eventually(t, communityWait, "the edit reaches B as version 3", func() bool {
		_, vs := versionsOn(t, b, created.URI)
		return len(vs) == 3
	})
	_, vsA := versionsOn(t, a, created.URI)
	_, vsB = versionsOn(t, b, created.URI)
	if len(vsA) != 3 {
		t.Fatalf("A has %d versions; want 3", len(vsA))
	}
	for i := range vsA {
		va, vb := vsA[i], vsB[i]
		if va.Number != vb.Number || va.Title != vb.Title || va.BodySource != vb.BodySource || va.Note != vb.Note ||
			va.EditorURI != vb.EditorURI || len(va.Files) != len(vb.Files) {
			t.Errorf("version %d: A %+v, B %+v", va.Number, va, vb)
		}
	}
	// The same diff from each node's API.
	diffOf := func(n *testrig.Node, id string) string {
		code, body := communityCall(t, http.MethodGet, n.URL+"/api/copse/v1/artefacts/"+id+"/diff?from=1&to=3", "", nil)
		if code != http.StatusOK {
			t.Fatalf("diff on %s: %d %s", n, code, body)
		}
		var d federation.ArtefactDiff
		json.Unmarshal(body, &d)
		d.Files[0].To.FileID, d.Files[0].To.URL = 0, "" // where each node serves it
		out, _ := json.Marshal(d)
		return string(out)
	}
	onB, _ = versionsOn(t, b, created.URI)
	if da, db := diffOf(a, created.ID), diffOf(b, onB.ID.String()); da != db || !strings.Contains(da, `{"op":"insert","text":"daily"}`) {
		t.Errorf("diff on A %s\ndiff on B %s", da, db)
	}

	// The file as served: the type found, nosniff, a download.
	fileID := vsA[2].Files[0].FileID.String()
	resp, err := http.Get(a.URL + "/api/copse/v1/artefacts/" + created.ID + "/files/" + fileID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Disposition") != `attachment; filename=hours.pdf` {
		t.Errorf("download: %d %v", resp.StatusCode, resp.Header)
	}

	// C follows only now; the next edit brings it the whole history.
	groupOnC := c.Resolve("libraries@" + a.Host)
	if err := c.Engine.Follow(ctx, cid.ID, groupOnC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, c, cid, groupOnC)
	code, body = communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/artefacts/"+created.ID+"/restore", token,
		map[string]any{"base_version": 3, "version": 1})
	if code != http.StatusOK {
		t.Fatalf("restore: %d %s", code, body)
	}
	for _, n := range []*testrig.Node{b, c} {
		testrig.Eventually(t, communityWait, "all four versions on "+n.String(), func() bool {
			_, vs := versionsOn(t, n, created.URI)
			return len(vs) == 4
		})
		onN, vs := versionsOn(t, n, created.URI)
		if onN.Version != 4 || vs[3].Note != "Restored version 1" || vs[0].Title != "Opening hours policy" ||
			onN.BodySource != vs[0].BodySource || len(vs[3].Files) != 0 {
			t.Errorf("on %s: %+v %+v", n, onN, vs)
		}
	}
	// The Group's boost of the new artefact (for Mastodon) did not make
	// it a post on B as well.
	if st, err := b.Store.StatusByURI(ctx, created.URI); err == nil {
		t.Errorf("the artefact is also a status on B: %+v", st)
	}
}

// TestArtefactAPI: what a client is told when it gets something wrong,
// who may do what, the limits a node sets, and the Article and history
// collection served to peers.
func TestArtefactAPI(t *testing.T) {
	a := testrig.StartOne(t, func(c *node.Config) { c.ArtefactFileLimit = 4 << 10 })
	ctx := context.Background()
	alice, bob, carl := a.Member("alice", false), a.Member("bob", false), a.Member("carl", false)
	open := createCommunity(t, a, alice, map[string]any{"handle": "records", "name": "Records"})
	closed := createCommunity(t, a, alice, map[string]any{"handle": "hr", "name": "HR", "visibility": "members"})
	group := a.Resolve("records@" + a.Host)
	if err := a.Engine.Follow(ctx, bob.ID, group.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, bob, group)
	api := a.URL + "/api/copse/v1"
	lib := api + "/communities/" + open["id"].(string) + "/artefacts"
	code, body := communityCall(t, http.MethodPost, lib, a.Token(alice), map[string]any{"title": "Retention", "body": "Keep for *six* years."})
	if code != http.StatusOK {
		t.Fatalf("create: %d %s", code, body)
	}
	var art struct {
		ID, URI, Licence, EditPolicy string
		Version                      int
	}
	json.Unmarshal(body, &art)
	if art.Licence != "all-rights-reserved" || art.Version != 1 {
		t.Errorf("defaults: %s", body)
	}
	one := api + "/artefacts/" + art.ID
	closedLib := api + "/communities/" + closed["id"].(string) + "/artefacts"
	tests := []struct {
		name   string
		method string
		url    string
		token  string
		body   any
		code   int
	}{
		{"create without a token", http.MethodPost, lib, "", map[string]any{"title": "x"}, http.StatusUnauthorized},
		{"create by a non-member", http.MethodPost, lib, a.Token(carl), map[string]any{"title": "x"}, http.StatusForbidden},
		{"create with a bad licence", http.MethodPost, lib, a.Token(bob), map[string]any{"title": "x", "licence": "MIT"}, http.StatusUnprocessableEntity},
		{"create without a title", http.MethodPost, lib, a.Token(bob), map[string]any{"summary": "x"}, http.StatusUnprocessableEntity},
		{"edit without base_version", http.MethodPatch, one, a.Token(alice), map[string]any{"title": "y"}, http.StatusUnprocessableEntity},
		{"edit from a future version", http.MethodPatch, one, a.Token(alice), map[string]any{"base_version": 7, "title": "y"}, http.StatusUnprocessableEntity},
		{"edit by a member, authors only", http.MethodPatch, one, a.Token(bob), map[string]any{"base_version": 1, "title": "y"}, http.StatusForbidden},
		{"restore a missing version", http.MethodPost, one + "/restore", a.Token(alice), map[string]any{"base_version": 1, "version": 5}, http.StatusUnprocessableEntity},
		{"diff of a missing version", http.MethodGet, one + "/diff?from=1&to=9", "", nil, http.StatusNotFound},
		{"a missing artefact", http.MethodGet, api + "/artefacts/123", "", nil, http.StatusNotFound},
		{"a members-only library, anonymously", http.MethodGet, closedLib, "", nil, http.StatusForbidden},
		{"a members-only library, by its moderator", http.MethodGet, closedLib, a.Token(alice), nil, http.StatusOK},
		{"a public library", http.MethodGet, lib, "", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := communityCall(t, tt.method, tt.url, tt.token, tt.body)
			if code != tt.code {
				t.Fatalf("answer %d %s; want %d", code, body, tt.code)
			}
			var e struct {
				Error string `json:"error"`
			}
			if code >= 400 && (json.Unmarshal(body, &e) != nil || e.Error == "") {
				t.Fatalf("answer %d %s: no JSON error", code, body)
			}
		})
	}

	// Files: over the node's limit, a renamed image, and an allowed CSV.
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 5<<10)...)
	if code, body := uploadArtefactFile(t, a, a.Token(alice), art.ID, "big.pdf", big, "1"); code != http.StatusUnprocessableEntity ||
		!strings.Contains(string(body), "limit") {
		t.Errorf("over the limit: %d %s", code, body)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	if code, body := uploadArtefactFile(t, a, a.Token(alice), art.ID, "chart.docx", png, "1"); code != http.StatusUnprocessableEntity {
		t.Errorf("png named docx: %d %s", code, body)
	}
	if code, body := uploadArtefactFile(t, a, a.Token(alice), art.ID, "schedule.csv", []byte("record,years\nminutes,6\n"), "1"); code != http.StatusOK {
		t.Fatalf("csv: %d %s", code, body)
	}
	if cur, _ := a.Store.ArtefactByURI(ctx, art.URI); cur.Version != 2 {
		t.Errorf("version after the uploads: %d; want 2 (refused ones change nothing)", cur.Version)
	}
	code, body = communityCall(t, http.MethodGet, one+"/versions?limit=1", "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"number":1`) || strings.Contains(string(body), `"number":2`) {
		t.Errorf("versions page: %d %s", code, body)
	}

	// What peers are served: the Article and its history, newest first.
	doc := secGet(t, art.URI, nil)
	var article map[string]any
	if doc.code != http.StatusOK || json.Unmarshal(doc.body, &article) != nil || article["type"] != "Article" ||
		article["history"] != art.URI+"/history" || article["audience"] != group.URI || article["version"] != float64(2) {
		t.Fatalf("article: %d %s", doc.code, doc.body)
	}
	src, _ := article["source"].(map[string]any)
	att, _ := article["attachment"].([]any)
	if src["mediaType"] != "text/markdown" || len(att) != 1 || !strings.Contains(string(doc.body), `"digestMultibase":"u`) {
		t.Errorf("article source or attachment: %s", doc.body)
	}
	page := secGet(t, art.URI+"/history?page=1", nil)
	var hist struct {
		Type  string `json:"type"`
		Items []struct {
			Type   string `json:"type"`
			Object struct {
				Version int `json:"version"`
			} `json:"object"`
		} `json:"orderedItems"`
	}
	if page.code != http.StatusOK || json.Unmarshal(page.body, &hist) != nil || len(hist.Items) != 2 ||
		hist.Items[0].Type != "Update" || hist.Items[0].Object.Version != 2 || hist.Items[1].Type != "Create" {
		t.Errorf("history page: %d %s", page.code, page.body)
	}
}
