package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/archive"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// actorDoc fetches an actor document as a peer would (unsigned).
func actorDoc(t *testing.T, iri string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, iri, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", iri, resp.StatusCode, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %v", iri, err)
	}
	return doc
}

// TestCommunityMoved: a community of A exported and imported on C names
// A's Group in its alsoKnownAs; `moved` on A gives A's Group movedTo and
// sends Move, and a member on B, and one on A, now follow C's Group. The
// old community takes no new members; apps see `moved`, the page says
// where it went. A move to a Group that does not name the old one is
// refused.
func TestCommunityMoved(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, carol, bea := a.Member("alice", false), a.Member("carol", false), b.Member("bea", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries", "description": "Public libraries"})
	groupOnA := a.Resolve("libraries@" + a.Host)
	groupOnB := b.Resolve("libraries@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)
	if err := a.Engine.Follow(ctx, carol.ID, groupOnA.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, carol, groupOnA)

	var buf bytes.Buffer
	if _, err := archive.Export(ctx, a.Store, a.Engine, "libraries", &buf, t.TempDir(), time.Now()); err != nil {
		t.Fatalf("export: %v", err)
	}
	im, err := archive.Import(ctx, c.Engine, bytes.NewReader(buf.Bytes()), "", t.TempDir())
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	groupOnC := im.Group
	if stored, err := c.Store.AccountByID(ctx, groupOnC.ID); err != nil || !slices.Equal(stored.AlsoKnownAs, []string{groupOnA.URI}) {
		t.Fatalf("C's Group also known as %v (%v), want [%s]", stored.AlsoKnownAs, err, groupOnA.URI)
	}
	if aka, _ := actorDoc(t, groupOnC.URI)["alsoKnownAs"].([]any); len(aka) != 1 || aka[0] != groupOnA.URI {
		t.Errorf("C's Group document alsoKnownAs = %v, want [%s]", aka, groupOnA.URI)
	}

	// A Group that does not name A's as its old self: refused.
	createCommunity(t, c, c.Member("cy", false), map[string]any{"handle": "other", "name": "Other"})
	var inv *federation.InvalidError
	if _, _, err := a.Engine.MoveCommunity(ctx, "libraries", "other@"+c.Host); !errors.As(err, &inv) {
		t.Fatalf("move to a Group without the alias: %v, want an InvalidError", err)
	}
	if g, _ := a.Store.AccountByID(ctx, groupOnA.ID); g.MovedTo != "" {
		t.Fatalf("after a refused move A's Group moved to %q", g.MovedTo)
	}

	if _, _, err := a.Engine.MoveCommunity(ctx, "libraries", "libraries@"+c.Host); err != nil {
		t.Fatalf("move: %v", err)
	}
	if got := actorDoc(t, groupOnA.URI)["movedTo"]; got != groupOnC.URI {
		t.Errorf("A's Group document movedTo = %v, want %s", got, groupOnC.URI)
	}

	// bea on B: the Move reaches B, which checks C's alsoKnownAs and
	// makes her follow C's Group; C accepts.
	var groupCOnB storage.Account
	testrig.Eventually(t, communityWait, "bea follows C's Group", func() bool {
		groupCOnB, err = b.Store.AccountByURI(ctx, groupOnC.URI)
		if err != nil {
			return false
		}
		_, err = b.Store.FollowOf(ctx, bea.ID, groupCOnB.ID)
		return err == nil
	})
	if _, err := b.Store.FollowOf(ctx, bea.ID, groupOnB.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bea still follows A's Group: %v", err)
	}
	if old, _ := b.Store.AccountByID(ctx, groupOnB.ID); old.MovedTo != groupOnC.URI {
		t.Errorf("B knows A's Group moved to %q, want %s", old.MovedTo, groupOnC.URI)
	}
	beaOnC := c.Resolve(bea.URI)
	if _, err := c.Store.FollowOf(ctx, beaOnC.ID, groupOnC.ID); err != nil {
		t.Errorf("C has no follow of bea: %v", err)
	}
	// carol on A was moved at once, by A itself.
	groupCOnA := a.Resolve(groupOnC.URI)
	joined(t, a, carol, groupCOnA)
	if _, err := a.Store.FollowOf(ctx, carol.ID, groupOnA.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("carol still follows A's old Group: %v", err)
	}

	// Apps see where it went (Mastodon's moved).
	var entity struct {
		Moved *struct {
			URI string `json:"uri"`
		} `json:"moved"`
	}
	if code := getJSON(t, b.URL+"/api/v1/accounts/"+groupOnB.ID.String(), b.Token(bea), &entity); code != http.StatusOK ||
		entity.Moved == nil || entity.Moved.URI != groupOnC.URI {
		t.Errorf("account entity on B: %d moved %+v, want %s", code, entity.Moved, groupOnC.URI)
	}

	// The old community takes no new members, and its page says why.
	dan := a.Member("dan", false)
	if err := a.Engine.Follow(ctx, dan.ID, groupOnA.ID, federation.FollowOptions{}); !errors.Is(err, federation.ErrDenied) ||
		!strings.Contains(err.Error(), groupOnC.URI) {
		t.Errorf("join of a moved community: %v, want ErrDenied naming %s", err, groupOnC.URI)
	}
	resp, err := http.Get(a.URL + "/c/libraries")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(page, []byte("This community has moved to")) || !bytes.Contains(page, []byte(groupOnC.URI)) {
		t.Errorf("A's community page does not say where it moved: %s", page)
	}
}

// TestCommunityExportGlossaryEvents: archive version 2 carries the
// glossary (every version of each term) and the events (cancelled ones
// too, with the attendees known here); an import on C restores them as
// C's own.
func TestCommunityExportGlossaryEvents(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, c := nodes[0], nodes[1]
	ctx := context.Background()
	alice, carol := a.Member("alice", false), a.Member("carol", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupOnA := a.Resolve("libraries@" + a.Host)
	if err := a.Engine.Follow(ctx, carol.ID, groupOnA.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, carol, groupOnA)
	term, err := a.Engine.CreateTerm(ctx, alice, groupOnA.ID, federation.NewTerm{Term: "Open data", Definition: "Data anyone may use.",
		Aliases: []string{"OD"}, ReferenceURL: "https://example.org/od", ReferenceText: "Charter", Note: "first"})
	if err != nil {
		t.Fatal(err)
	}
	def := "Data **anyone** may use, reuse and share."
	if _, err := a.Engine.EditTerm(ctx, carol, term.ID, federation.TermEdit{BaseVersion: 1, Definition: &def, Note: "reuse"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Second).UTC()
	meet, err := a.Engine.CreateEvent(ctx, alice, groupOnA.ID, federation.NewEvent{Name: "Quarterly meet", Description: "Agenda *soon*",
		Start: start, End: start.Add(2 * time.Hour), TimeZone: "Europe/London", PlaceName: "Town hall", Capacity: 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.Attend(ctx, carol, meet.ID); err != nil {
		t.Fatal(err)
	}
	off, err := a.Engine.CreateEvent(ctx, alice, groupOnA.ID, federation.NewEvent{Name: "Webinar", Start: start.Add(24 * time.Hour),
		End: start.Add(25 * time.Hour), TimeZone: "UTC", OnlineURL: "https://meet.example/w"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CancelEvent(ctx, alice, off.ID); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	m, err := archive.Export(ctx, a.Store, a.Engine, "libraries", &buf, t.TempDir(), time.Now())
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if m.Version != 2 || m.Counts[archive.GlossaryName] != 1 || m.Counts[archive.EventsName] != 2 {
		t.Fatalf("manifest = %+v", m)
	}
	im, err := archive.Import(ctx, c.Engine, bytes.NewReader(buf.Bytes()), "", t.TempDir())
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if im.Terms != 1 || im.Events != 2 {
		t.Fatalf("imported = %+v", im)
	}
	terms, err := c.Store.CommunityTermsAfter(ctx, im.Group.ID, 0, 10)
	if err != nil || len(terms) != 1 {
		t.Fatalf("terms on C = %+v, %v", terms, err)
	}
	got := terms[0]
	if got.Term != "Open data" || got.Version != 2 || got.DefinitionSource != def || !got.Local ||
		!strings.HasPrefix(got.URI, c.URL) || !strings.Contains(got.DefinitionHTML, "<strong>anyone</strong>") ||
		!slices.Equal(got.Aliases, []string{"OD"}) || got.ReferenceURL != "https://example.org/od" {
		t.Errorf("term on C = %+v", got)
	}
	vs, err := c.Store.TermVersions(ctx, got.ID, 0, 10)
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions on C = %+v, %v", vs, err)
	}
	if vs[0].DefinitionSource != "Data anyone may use." || vs[0].EditorURI != alice.URI || vs[0].Note != "first" ||
		vs[1].EditorURI != carol.URI || vs[1].Note != "reuse" {
		t.Errorf("versions on C = %+v", vs)
	}
	evs, err := c.Store.CommunityEventsAfter(ctx, im.Group.ID, 0, 10)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events on C = %+v, %v", evs, err)
	}
	byName := map[string]storage.CommunityEvent{evs[0].Name: evs[0], evs[1].Name: evs[1]}
	meetOnC, webinarOnC := byName["Quarterly meet"], byName["Webinar"]
	if !meetOnC.Start.Equal(start) || meetOnC.TimeZone != "Europe/London" || meetOnC.PlaceName != "Town hall" ||
		meetOnC.Capacity != 20 || meetOnC.AttendeeCount != 1 || meetOnC.Cancelled() || !strings.HasPrefix(meetOnC.URI, c.URL) {
		t.Errorf("meet on C = %+v", meetOnC)
	}
	if !webinarOnC.Cancelled() || webinarOnC.OnlineURL != "https://meet.example/w" {
		t.Errorf("webinar on C = %+v", webinarOnC)
	}
	att, err := c.Store.EventAttendees(ctx, meetOnC.ID, 0, 10)
	if err != nil || len(att) != 1 {
		t.Fatalf("attendees on C = %+v, %v", att, err)
	}
	if who, err := c.Store.AccountByID(ctx, att[0].AccountID); err != nil || who.URI != carol.URI {
		t.Errorf("attendee on C = %+v, %v; want %s", who, err, carol.URI)
	}
}

// TestCommunityImportTooLarge: an archive past the import's limit (here a
// whole export followed by an entry of 8 MiB of zeros, a few KiB
// compressed) is refused with ErrTooLarge; no community is made and the
// extraction directory is left empty.
func TestCommunityImportTooLarge(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, c := nodes[0], nodes[1]
	ctx := context.Background()
	createCommunity(t, a, a.Member("alice", false), map[string]any{"handle": "libraries", "name": "Libraries"})
	var buf bytes.Buffer
	if _, err := archive.Export(ctx, a.Store, a.Engine, "libraries", &buf, t.TempDir(), time.Now()); err != nil {
		t.Fatal(err)
	}
	// Re-pack the export's entries, with the bomb before the manifest.
	gz, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == archive.ManifestName {
			zeros := make([]byte, 8<<20)
			sum := sha256.Sum256(zeros)
			tw.WriteHeader(&tar.Header{Name: archive.FileName(hex.EncodeToString(sum[:])), Mode: 0o644, Size: int64(len(zeros)), Typeflag: tar.TypeReg})
			tw.Write(zeros)
		}
		tw.WriteHeader(h)
		io.Copy(tw, tr)
	}
	tw.Close()
	zw.Close()
	if out.Len() > 1<<20 {
		t.Fatalf("the crafted archive is %d bytes: not a bomb", out.Len())
	}
	work := t.TempDir()
	_, err = archive.ImportLimited(ctx, c.Engine, bytes.NewReader(out.Bytes()), "", work, archive.Limits{TotalBytes: 4 << 20, Entries: 100})
	if !errors.Is(err, archive.ErrTooLarge) {
		t.Fatalf("import: %v, want ErrTooLarge", err)
	}
	if _, err := c.Store.AccountByUsername(ctx, "libraries"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after a refused import C has libraries: %v", err)
	}
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("the import left %d entries in its work directory", len(left))
	}
}
