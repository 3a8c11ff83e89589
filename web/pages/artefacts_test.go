package pages_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

func TestArtefactPages(t *testing.T) {
	f := startRepertoire(t, "libraries", "Library practice")
	a, alice, g, hidden := f.n, f.alice, f.g, f.hidden
	ctx := context.Background()
	art, err := a.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Opening hours " + hostile,
		Summary: "How we publish them.", Body: "# Steps\n\nPublish hours **weekly**. " + hostile, Tags: []string{"hours"},
		Licence: storage.LicenceOGL, Note: "First draft"})
	if err != nil {
		t.Fatal(err)
	}
	body := "# Steps\n\nPublish hours **daily**. " + hostile
	if _, err := a.Engine.EditArtefact(ctx, alice, art.ID, federation.ArtefactEdit{BaseVersion: 1, Body: &body, Note: "daily"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Engine.AddArtefactFile(ctx, alice, art.ID, 2, "hours.csv", bytes.NewReader([]byte("day,open\nMon,9\n")), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CreateArtefact(ctx, alice, hidden.ID, federation.NewArtefact{Title: "Secret routine"}); err != nil {
		t.Fatal(err)
	}
	artURL := a.URL + "/c/libraries/artefacts/" + art.ID.String()
	tests := []struct {
		name    string
		url     string
		code    int
		want    []string
		notWant []string
	}{
		{"the community page links its library", a.URL + "/c/libraries", http.StatusOK, []string{`href="/c/libraries/library"`}, nil},
		{"the library", a.URL + "/c/libraries/library", http.StatusOK,
			[]string{"Opening hours " + hostileEscaped, `href="/c/libraries/artefacts/` + art.ID.String() + `"`, "Version 3", "Open Government Licence v3.0", "#hours"},
			[]string{hostile}},
		{"an artefact with its history", artURL, http.StatusOK,
			[]string{"<h2>Steps</h2>", "<strong>daily</strong>", `href="/c/libraries/artefacts/` + art.ID.String() + `/files/`, "hours.csv", "Version 3", "Version 1", "First draft", "daily", "changes since version 1"},
			[]string{hostile, "<script>"}},
		{"a diff", artURL + "?from=1&to=2", http.StatusOK,
			[]string{"Changes from version 1 to version 2", "<del>weekly</del>", "<ins>daily</ins>"}, nil},
		{"a diff of files", artURL + "?from=2&to=3", http.StatusOK, []string{"hours.csv: added"}, nil},
		{"a diff of a missing version", artURL + "?from=1&to=9", http.StatusNotFound, nil, nil},
		{"a members-only library", a.URL + "/c/hidden/library", http.StatusOK, []string{"shown only to its members"}, []string{"Secret routine"}},
		{"an artefact of another community", a.URL + "/c/hidden/artefacts/" + art.ID.String(), http.StatusNotFound, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fetch(t, http.MethodGet, tt.url, browserAccept)
			if p.code != tt.code {
				t.Fatalf("%d; want %d\n%s", p.code, tt.code, p.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(p.body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
	// The file, from the link on the page: a download, never sniffed.
	cur, err := a.Store.ArtefactVersion(ctx, art.ID, 3)
	if err != nil || len(cur.Files) != 1 {
		t.Fatalf("version 3: %+v (%v)", cur, err)
	}
	dl := fetch(t, http.MethodGet, artURL+"/files/"+cur.Files[0].FileID.String(), browserAccept)
	if dl.code != http.StatusOK || dl.body != "day,open\nMon,9\n" || dl.header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %v %q", dl.code, dl.header, dl.body)
	}
	if dl := fetch(t, http.MethodGet, artURL+"/files/12345", browserAccept); dl.code != http.StatusNotFound {
		t.Errorf("download of a file of no such id: %d", dl.code)
	}
	// A browser at the Article's id is sent to its page.
	if p := fetch(t, http.MethodGet, art.URI, browserAccept); p.code != http.StatusFound || p.header.Get("Location") != artURL {
		t.Errorf("browser at %s: %d %s", art.URI, p.code, p.header.Get("Location"))
	}
}

func TestArtefactPageHistoryPaging(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := a.Member("alice", false)
	g := newCommunity(t, a, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	art, err := a.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Rota", Body: "v1", Note: "note 1"})
	if err != nil {
		t.Fatal(err)
	}
	for n := 2; n <= 23; n++ {
		body, note := fmt.Sprintf("v%d", n), fmt.Sprintf("note %d", n)
		if _, err := a.Engine.EditArtefact(ctx, alice, art.ID, federation.ArtefactEdit{BaseVersion: n - 1, Body: &body, Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	path := "/c/libraries/artefacts/" + art.ID.String()
	tests := []pageCase{
		{name: "the newest twenty", path: path, code: http.StatusOK,
			contains: []string{`<ol reversed start="23">`, "note 23", "note 4", `versions_before=4#history`}, absent: []string{": note 3 (", ": note 1</li>"}},
		{name: "the older ones", path: path + "?versions_before=4", code: http.StatusOK,
			contains: []string{`<ol reversed start="3">`, ": note 3 (", ": note 2 (", ": note 1</li>"}, absent: []string{"note 4", "Older versions"}},
		{name: "not a number", path: path + "?versions_before=x", code: http.StatusBadRequest},
		{name: "past the current version", path: path + "?versions_before=99", code: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, a.URL) })
	}
}
