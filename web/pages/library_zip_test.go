package pages_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestLibraryZip: anyone who may read a library downloads it whole from
// its page, each artefact's current version as a folder with README.md
// (the Markdown body under its facts) and its files as stored; a
// members-only library is not found for others.
func TestLibraryZip(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	hidden := newCommunity(t, n, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden", Visibility: storage.CommunityMembersOnly})
	hours, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Opening hours / winter", Summary: "When we open",
		Body: "# Steps\n\nOpen at **nine**.", Tags: []string{"hours"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Engine.AddArtefactFile(ctx, alice, hours.ID, 1, "hours.csv", strings.NewReader("day,open\nMon,9\n"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Stock rotation", Body: "Weekly."}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.CreateArtefact(ctx, alice, hidden.ID, federation.NewArtefact{Title: "Secret routine"}); err != nil {
		t.Fatal(err)
	}

	resp, err := http.Get(n.URL + "/c/libraries/library.zip")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename=libraries-library-`) {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files := map[string]string{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
		names = append(names, f.Name)
	}
	sort.Strings(names)
	dir := "Opening-hours-winter-" + hours.ID.String() + "/"
	if len(names) != 3 || files[dir+"hours.csv"] != "day,open\nMon,9\n" {
		t.Fatalf("archive holds %v", names)
	}
	readme := files[dir+"README.md"]
	for _, want := range []string{"# Opening hours / winter\n", "When we open", "- Tags: hours", "- Version: 2",
		n.URL + "/c/libraries/artefacts/" + hours.ID.String(), "Open at **nine**."} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q:\n%s", want, readme)
		}
	}
	if strings.Contains(string(body), "Secret routine") {
		t.Error("another community's artefact is in the archive")
	}
	if resp, err := http.Get(n.URL + "/c/hidden/library.zip"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("a members-only library for a visitor: %v %v; want 404", resp.StatusCode, err)
	}
}
