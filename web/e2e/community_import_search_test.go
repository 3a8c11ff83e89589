package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/archive"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// docxWith is a minimal Word file whose one paragraph is text.
func docxWith(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"word/document.xml", `<w:document><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`},
	} {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportedFilesSearchable: a community exported from A with an
// artefact whose Word file holds a phrase found nowhere else, imported on
// C, is found on C by that phrase (the file's text was extracted on
// import, as on upload).
func TestImportedFilesSearchable(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, c := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.Member("alice", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "highways", "name": "Highways"})
	token := a.Token(alice)
	uri := createArtefact(t, a, token, community["id"].(string), "Winter plan")
	onA, err := a.Store.ArtefactByURI(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := uploadArtefactFile(t, a, token, onA.ID.String(), "plan.docx",
		docxWith(t, "the ringfenced gritting reserve"), "1"); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	groupOnA := a.Resolve("highways@" + a.Host)
	search := func(n *testrig.Node, g storage.Account) []storage.RepertoireHit {
		t.Helper()
		hits, err := n.Engine.SearchCommunity(ctx, storage.Account{}, g, federation.RepertoireQuery{Query: "ringfenced"})
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	if hits := search(a, groupOnA); len(hits) != 1 {
		t.Fatalf("search on A: %+v; want the artefact", hits)
	}

	var buf bytes.Buffer
	if _, err := archive.Export(ctx, a.Store, a.Engine, "highways", &buf, t.TempDir(), time.Now()); err != nil {
		t.Fatalf("export: %v", err)
	}
	im, err := archive.Import(ctx, c.Engine, bytes.NewReader(buf.Bytes()), "", t.TempDir())
	if err != nil || im.Files != 1 || im.Artefacts != 1 {
		t.Fatalf("import: %+v, %v", im, err)
	}
	hits := search(c, im.Group)
	if len(hits) != 1 || hits[0].Title != "Winter plan" {
		t.Fatalf("search on C for the file's text: %+v; want the imported artefact", hits)
	}
}
