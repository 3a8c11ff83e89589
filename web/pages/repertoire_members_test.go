package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestMembersOnlyRepertoireForMembers: the pages of a members-only
// community's repertoire read as the member signed in from the browser
// (viewerOf): a member who joined sees its library, an artefact, its
// glossary and its events, and downloads the artefact's file from the
// link its page gives; a member of the node who did not join, and
// nobody signed in, see none of it (the lists say they are for members,
// an artefact and a calendar are not found).
func TestMembersOnlyRepertoireForMembers(t *testing.T) {
	f := startRepertoire(t, "libraries", "Library practice")
	n, alice, hidden := f.n, f.alice, f.hidden
	ctx := context.Background()
	dan := n.Member("dan", false)
	joined(t, n, dan, hidden)
	art, err := n.Engine.CreateArtefact(ctx, alice, hidden.ID, federation.NewArtefact{Title: "Secret routine", Body: "Lock the **back door**."})
	if err != nil {
		t.Fatal(err)
	}
	_, file, err := n.Engine.AddArtefactFile(ctx, alice, art.ID, 1, "keys.csv", strings.NewReader("door,key\nback,7\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.CreateTerm(ctx, alice, hidden.ID, federation.NewTerm{Term: "Secret word", Definition: "Only for us."}); err != nil {
		t.Fatal(err)
	}
	start := n.Store.Now().Add(72 * time.Hour)
	ev, err := n.Engine.CreateEvent(ctx, alice, hidden.ID, federation.NewEvent{Name: "Secret meeting", Start: start, End: start.Add(time.Hour),
		TimeZone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	artefact := "/c/hidden/artefacts/" + art.ID.String()
	pages := []struct {
		name, path string
		secret     string
		listed     bool // a list page: 200 for everyone, its items for members
	}{
		{"library", "/c/hidden/library", "Secret routine", true},
		{"artefact", artefact, "<strong>back door</strong>", false},
		{"artefact's file", artefact + "/files/" + file.ID.String(), "back,7", false},
		{"glossary", "/c/hidden/glossary", "Secret word", true},
		{"events", "/c/hidden/events", "Secret meeting", true},
		{"calendar", "/c/hidden/events.ics", "Secret meeting", false},
		{"event calendar", "/c/hidden/events/" + ev.ID.String() + ".ics", "Secret meeting", false},
	}
	readers := []struct {
		name   string
		b      *testrig.FormBrowser
		member bool
	}{
		{"a member", signedInBrowser(t, n, "dan"), true},
		{"a non-member", signedInBrowser(t, n, "carol"), false},
		{"nobody signed in", testrig.NewFormBrowser(t, n), false},
	}
	for _, rd := range readers {
		for _, p := range pages {
			t.Run(rd.name+" reads the "+p.name, func(t *testing.T) {
				code, _, body := rd.b.Do(http.MethodGet, p.path, nil)
				want := http.StatusOK
				if !rd.member && !p.listed {
					want = http.StatusNotFound
				}
				if code != want {
					t.Fatalf("%d; want %d\n%s", code, want, body)
				}
				if shown := strings.Contains(body, p.secret); shown != rd.member {
					t.Errorf("shows %q: %v; want %v\n%s", p.secret, shown, rd.member, body)
				}
				if p.listed && !rd.member && !strings.Contains(body, "shown only to its members") {
					t.Errorf("the page does not say it is for members\n%s", body)
				}
			})
		}
	}
}
