package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Issue 10's rules applied to what peers send of communities and their
// repertoire: only http(s) URLs (activitypub.ValidURL) are kept,
// control characters are stripped on the way in, and every Undo embeds
// the id of the activity that was sent.

// hostileURLs are URLs a peer may send that are no link to keep: each
// passes a bare "http(s) scheme and a host" check, none ValidURL.
var hostileURLs = []string{
	"https://admin:secret@evil.example/x",               // user info
	"https://evil.example/a b",                          // a space
	`https://evil.example/"><script>x</a>`,              // quotes and brackets
	"https://evil.example/\\..\\admin",                  // backslashes
	"https://ev\"il.example/x",                          // a quote in the host
	"https://evil.example/" + strings.Repeat("a", 5000), // a payload
}

// dirtyText is text carrying what CleanText strips.
const dirtyText = "a\x00b\x1b[31m\u202ec\u2066d"

func assertClean(t *testing.T, what, got string) {
	t.Helper()
	if activitypub.CleanText(got) != got {
		t.Errorf("%s = %q: control or bidi characters kept", what, got)
	}
}

func assertValidOrEmpty(t *testing.T, what, got string) {
	t.Helper()
	if got != "" && !activitypub.ValidURL(got) {
		t.Errorf("%s = %.80q kept: not a URL a peer's may be", what, got)
	}
}

// groupAnnounce wraps inner (JSON) in an Announce by the remote Group g.
func groupAnnounce(g storage.Account, n int, inner []byte) string {
	return fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/announce/%d",`+
		`"type":"Announce","actor":"%s","to":["%s"],"object":%s}`, g.URI, n, g.URI, activitypub.PublicIRI, inner)
}

// TestRemoteArtefactURLsAndText: an artefact a remote Group
// announces keeps no URL that is not ValidURL (its page, its files, its
// version's editor) and no control character (a file's media type).
func TestRemoteArtefactURLsAndText(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	for i, bad := range append([]string{"javascript:alert(1)"}, hostileURLs...) {
		t.Run(fmt.Sprintf("url %d", i), func(t *testing.T) {
			id := fmt.Sprintf("https://council-b.example/artefacts/%d", i+1)
			inner, err := activitypub.MarshalArtefactActivity(id+"/versions/1", activitypub.TypeCreate,
				"https://council-b.example/users/bea", clock.now(), activitypub.Artefact{ID: id, URL: bad, Name: "Routine " + dirtyText,
					Source: "Do it.", Content: "<p>Do it.</p>", Audience: g.URI, History: id + "/history", Version: 1,
					To: []string{activitypub.PublicIRI}, CC: []string{g.URI}, Published: clock.now(), Editor: bad,
					ChangeNote: dirtyText, Organisation: dirtyText,
					Attachments: []activitypub.ArtefactDocument{
						{URL: bad, MediaType: "application/pdf", Name: "bad.pdf", Size: 3},
						{URL: "https://council-b.example/files/1", MediaType: "application/pdf" + dirtyText, Name: "good " + dirtyText, Size: 3},
					}})
			if err != nil {
				t.Fatal(err)
			}
			if err := receive(t, e, groupAnnounce(g, i+1, inner)); err != nil {
				t.Fatalf("receive: %v", err)
			}
			a, err := e.store.ArtefactByURI(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			assertValidOrEmpty(t, "artefact url", a.URL)
			assertClean(t, "title", a.Title)
			assertClean(t, "organisation", a.Organisation)
			v, err := e.store.ArtefactVersion(ctx, a.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			assertValidOrEmpty(t, "version editor", v.EditorURI)
			assertClean(t, "change note", v.Note)
			if len(v.Files) != 1 {
				t.Fatalf("files = %+v; want the one with a valid URL", v.Files)
			}
			for _, f := range v.Files {
				assertValidOrEmpty(t, "file url", f.URL)
				assertClean(t, "file media type", f.MediaType)
				assertClean(t, "file name", f.Name)
			}
		})
	}
}

// TestRemoteTermURLsAndText: a glossary term a remote Group
// announces keeps no URL that is not ValidURL (its page, its reference,
// its version's editor) and no control character.
func TestRemoteTermURLsAndText(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	for i, bad := range append([]string{"javascript:alert(1)"}, hostileURLs...) {
		t.Run(fmt.Sprintf("url %d", i), func(t *testing.T) {
			id := fmt.Sprintf("https://council-b.example/glossary/%d", i+1)
			inner, err := activitypub.MarshalTermActivity(id+"/versions/1", activitypub.TypeCreate,
				"https://council-b.example/users/bea", clock.now(), activitypub.Term{ID: id, URL: bad,
					Name: fmt.Sprintf("Triage%d %s", i, dirtyText), Source: "Sorting " + dirtyText, Description: "<p>Sorting.</p>",
					Audience: g.URI, History: id + "/history", Version: 1, To: []string{activitypub.PublicIRI}, CC: []string{g.URI},
					Published: clock.now(), Editor: bad, ChangeNote: dirtyText,
					Reference: activitypub.TermLink{Href: bad, Name: "ref " + dirtyText}})
			if err != nil {
				t.Fatal(err)
			}
			if err := receive(t, e, groupAnnounce(g, i+1, inner)); err != nil {
				t.Fatalf("receive: %v", err)
			}
			term, err := e.store.TermByURI(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			assertValidOrEmpty(t, "term url", term.URL)
			v, err := e.store.TermVersion(ctx, term.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			assertValidOrEmpty(t, "version editor", v.EditorURI)
			assertValidOrEmpty(t, "reference url", v.ReferenceURL)
			for what, s := range map[string]string{"term": v.Term, "definition": v.DefinitionSource, "note": v.Note,
				"reference text": v.ReferenceText} {
				assertClean(t, what, s)
			}
		})
	}
}

// TestRemoteEventURLsAndText: an event a remote Group announces
// keeps no URL that is not ValidURL (its page, its meeting link), no
// control character (its name, place, description's source), and is
// refused when its times are hostile.
func TestRemoteEventURLsAndText(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	start := clock.now().Add(48 * time.Hour)
	n := 0
	for _, bad := range append([]string{"javascript:alert(1)"}, hostileURLs...) {
		n++
		t.Run(fmt.Sprintf("url %d", n), func(t *testing.T) {
			id := fmt.Sprintf("https://council-b.example/events/%d", n)
			inner, err := activitypub.MarshalEventActivity(id+"/create", activitypub.TypeCreate, "https://council-b.example/users/bea",
				clock.now(), activitypub.Event{ID: id, URL: bad, Name: "Workshop " + dirtyText, Source: "Come " + dirtyText,
					Content: "<p>Come.</p>", Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London",
					OnlineURL: strings.Replace(bad, "http://", "https://", 1), PlaceName: "Hall " + dirtyText, Audience: g.URI,
					To: []string{activitypub.PublicIRI}, CC: []string{g.URI}, Published: clock.now()})
			if err != nil {
				t.Fatal(err)
			}
			if err := receive(t, e, groupAnnounce(g, n, inner)); err != nil {
				t.Fatalf("receive: %v", err)
			}
			ev, err := e.store.CommunityEventByURI(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			assertValidOrEmpty(t, "event url", ev.URL)
			assertValidOrEmpty(t, "online url", ev.OnlineURL)
			for what, s := range map[string]string{"name": ev.Name, "description": ev.DescriptionSource, "place": ev.PlaceName} {
				assertClean(t, what, s)
			}
		})
	}
	hostile := []struct{ name, start, end, tz string }{
		{"zero start", "0001-01-01T00:00:00Z", "", "UTC"},
		{"end before start", start.Format(time.RFC3339), start.Add(-time.Hour).Format(time.RFC3339), "UTC"},
		{"a year long", start.Format(time.RFC3339), start.AddDate(1, 0, 0).Format(time.RFC3339), "UTC"},
		{"not a time", "tomorrow", "", "UTC"},
		{"year 10000", "10000-01-01T00:00:00Z", "", "UTC"},
		{"offset out of range", "2026-03-04T10:00:00+99:00", "", "UTC"},
	}
	for _, h := range hostile {
		n++
		t.Run(h.name, func(t *testing.T) {
			id := fmt.Sprintf("https://council-b.example/events/%d", n)
			obj := map[string]any{"id": id, "type": "Event", "name": "Workshop", "startTime": h.start, "timezone": h.tz,
				"audience": g.URI, "to": []string{activitypub.PublicIRI}, "attributedTo": "https://council-b.example/users/bea"}
			if h.end != "" {
				obj["endTime"] = h.end
			}
			inner, err := json.Marshal(map[string]any{"id": id + "/create", "type": "Create",
				"actor": "https://council-b.example/users/bea", "to": []string{activitypub.PublicIRI}, "object": obj})
			if err != nil {
				t.Fatal(err)
			}
			_ = receive(t, e, groupAnnounce(g, n, inner)) // refused, or taken as nothing
			if _, err := e.store.CommunityEventByURI(ctx, id); err == nil {
				t.Errorf("an event with %s was stored", h.name)
			}
		})
	}
	// A time zone that is a path, not an IANA name, is UTC.
	n++
	id := fmt.Sprintf("https://council-b.example/events/%d", n)
	inner, err := activitypub.MarshalEventActivity(id+"/create", activitypub.TypeCreate, "https://council-b.example/users/bea",
		clock.now(), activitypub.Event{ID: id, Name: "Workshop", Start: start, End: start.Add(time.Hour),
			TimeZone: "../../../../etc/passwd", Audience: g.URI, To: []string{activitypub.PublicIRI}, Published: clock.now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := receive(t, e, groupAnnounce(g, n, inner)); err != nil {
		t.Fatal(err)
	}
	if ev, err := e.store.CommunityEventByURI(ctx, id); err != nil || ev.TimeZone != "UTC" {
		t.Errorf("event = %+v, %v; want the time zone UTC", ev, err)
	}
}

// TestLemmyPageAttachments: a Lemmy link post (a Page whose url
// and Link attachment name the link) keeps no URL that is not ValidURL
// and no control character in what is stored of its attachments (media
// type, blurhash, description).
func TestLemmyPageAttachments(t *testing.T) {
	for i, bad := range append([]string{"javascript:alert(1)"}, hostileURLs...) {
		raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": "https://lemmy.example/post/1", "type": "Page", "attributedTo": "https://lemmy.example/u/bob",
			"name": "Title " + dirtyText, "url": bad, "image": map[string]any{"type": "Image", "url": bad},
			"source": map[string]any{"content": dirtyText, "mediaType": "text/markdown"},
			"attachment": []any{
				map[string]any{"type": "Link", "href": bad, "mediaType": "text/html"},
				map[string]any{"type": "Link", "href": "https://news.example/story", "mediaType": "text/html" + dirtyText},
				map[string]any{"type": "Document", "url": "https://lemmy.example/pictrs/a.png", "mediaType": "image/png" + dirtyText,
					"name": "alt " + dirtyText, "blurhash": "LEHV6nWB2yk8" + dirtyText},
			}})
		if err != nil {
			t.Fatal(err)
		}
		n, err := activitypub.ParseNote(raw)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		assertValidOrEmpty(t, "url", n.URL)
		assertClean(t, "name", n.Name)
		if i == 0 && len(n.Attachments) != 2 {
			t.Errorf("attachments = %+v; want the two with http(s) URLs", n.Attachments)
		}
		for _, a := range n.Attachments {
			assertValidOrEmpty(t, "attachment url", a.URL)
			assertClean(t, "attachment media type", a.MediaType)
			assertClean(t, "attachment blurhash", a.Blurhash)
			assertClean(t, "attachment description", a.Name)
		}
	}
}

// sentInner returns the inner activities of type typ that g announced
// to inbox, in order.
func sentInner(t *testing.T, e *Engine, g storage.Account, inbox, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, a := range announced(t, g, sentRaw(t, e, inbox)) {
		if a["type"] == typ {
			out = append(out, a)
		}
	}
	return out
}

// TestUndoEmbedsSentID: every Undo of a community moderation
// embeds the activity first sent, by its id: Undo{Lock} the Lock,
// Undo{Block} the Block of the ban.
func TestUndoEmbedsSentID(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	carol := remotePerson(t, e, "carol", "mbin.example")
	follows(t, e, bob, g)
	follows(t, e, carol, g)
	thread := postIntoCommunity(t, e, bob, g, 1)
	sentRaw(t, e, carol.SharedInbox)

	embedded := func(undo map[string]any) string {
		inner, _ := undo["object"].(map[string]any)
		id, _ := inner["id"].(string)
		return id
	}
	t.Run("Undo{Lock}", func(t *testing.T) {
		for round := range 2 { // a thread locked again gets a new Lock, and its Undo names that one
			if err := e.LockThread(ctx, alice, g.ID, thread.ID, true, "Heated"); err != nil {
				t.Fatal(err)
			}
			locks := sentInner(t, e, g, carol.SharedInbox, TypeLock)
			if len(locks) != 1 {
				t.Fatalf("round %d: announced %v; want one Lock", round, locks)
			}
			if err := e.LockThread(ctx, alice, g.ID, thread.ID, false, ""); err != nil {
				t.Fatal(err)
			}
			undos := sentInner(t, e, g, carol.SharedInbox, activitypub.TypeUndo)
			if len(undos) != 1 || embedded(undos[0]) != locks[0]["id"] {
				t.Errorf("round %d: Undo embeds %q; want the Lock sent, %v", round, embedded(undos[0]), locks[0]["id"])
			}
		}
	})
	t.Run("Undo{Block}", func(t *testing.T) {
		if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: bob.ID, Reason: "spam", ExpiresIn: time.Hour}); err != nil {
			t.Fatal(err)
		}
		blocks := sentInner(t, e, g, carol.SharedInbox, activitypub.TypeBlock)
		if len(blocks) != 1 {
			t.Fatalf("announced %v; want one Block", blocks)
		}
		if err := e.UnbanFromCommunity(ctx, alice, g.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		undos := sentInner(t, e, g, carol.SharedInbox, activitypub.TypeUndo)
		if len(undos) != 1 || embedded(undos[0]) != blocks[0]["id"] {
			t.Errorf("Undo embeds %q; want the Block sent, %v", embedded(undos[0]), blocks[0]["id"])
		}
	})
}

// TestUndoEventBoostEmbedsSentID: the Group's Undo{Announce} of a
// deleted event embeds its boost, Announce{id}, by the id it was sent
// with.
func TestUndoEventBoostEmbedsSentID(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	remote := remotePerson(t, e, "rem", "mastodon.example")
	g := community(t, e, alice, NewCommunity{Handle: "wards", Name: "Wards"})
	joins(t, e, remote, g)
	sentRaw(t, e, remote.SharedInbox)
	ev, err := e.CreateEvent(ctx, alice, g.ID, newEvent(clock.now().Add(48*time.Hour), 0))
	if err != nil {
		t.Fatal(err)
	}
	var boostID string
	for _, b := range sentRaw(t, e, remote.SharedInbox) {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil && m["type"] == activitypub.TypeAnnounce && m["object"] == ev.URI {
			boostID, _ = m["id"].(string)
		}
	}
	if boostID == "" {
		t.Fatal("no boost of the new event")
	}
	if err := e.DeleteEvent(ctx, alice, ev.ID, ""); err != nil {
		t.Fatal(err)
	}
	var embedded []string
	for _, b := range sentRaw(t, e, remote.SharedInbox) {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil && m["type"] == activitypub.TypeUndo {
			inner, _ := m["object"].(map[string]any)
			id, _ := inner["id"].(string)
			embedded = append(embedded, id)
		}
	}
	if len(embedded) != 1 || embedded[0] != boostID {
		t.Errorf("Undo{Announce} embeds %v; want the boost sent, %s", embedded, boostID)
	}
}
