package activitypub

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// sameAsGoFed parses b both ways and fails t unless the results (the
// activity, or the error) are equal. It reports whether the fast reader
// took the document.
func sameAsGoFed(t *testing.T, name string, b []byte) bool {
	t.Helper()
	slow, slowErr := parseActivity(b, false)
	fast, fastErr := parseActivity(b, true)
	if (slowErr == nil) != (fastErr == nil) || (slowErr != nil && slowErr.Error() != fastErr.Error()) {
		t.Errorf("%s: error %v by go-fed, %v by the fast reader", name, slowErr, fastErr)
		return false
	}
	if !reflect.DeepEqual(slow, fast) {
		t.Errorf("%s:\n go-fed %s\n fast   %s", name, dump(slow), dump(fast))
	}
	if slowErr != nil {
		return false
	}
	m, err := decodeObject(b)
	if err != nil {
		t.Fatal(err)
	}
	_, took := fastCreateNote(m)
	return took
}

func dump(a Activity) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// createDocs are the Create{Note} documents the tests vary: the peers'
// (Mastodon's without its attachment, as Mastodon sends a post without
// media; GoToSocial's), copse's own, and copse-load's three shapes.
func createDocs(t testing.TB) map[string]map[string]any {
	t.Helper()
	docs := map[string]map[string]any{}
	for _, f := range []string{"peers/mastodon_create_note.json", "peers/gotosocial_create_note.json", "create.golden.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeObject(b)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = m
		bare, _ := decodeObject(b)
		bare["object"].(map[string]any)["attachment"] = []any{}
		docs[f+" without media"] = bare
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for _, shape := range []string{"mention", "follow", "reply"} {
		n := Note{ID: "https://peer.example/notes/1", Type: TypeNote, AttributedTo: "https://peer.example/actor",
			URL: "https://peer.example/notes/1", Published: now, To: []string{PublicIRI},
			CC: []string{"https://peer.example/actor/followers"}, Content: "<p>Our enquiry desk now answers in two days.</p>"}
		if shape != "follow" {
			n.Content = `<p><span class="h-card"><a href="https://node.example/@alice" class="u-url mention">@<span>alice</span></a></span> ` + n.Content[3:]
			n.CC = append(n.CC, "https://node.example/users/alice")
			n.Tags = []Tag{{Type: TagMention, Href: "https://node.example/users/alice", Name: "@alice@node.example"}}
		}
		if shape == "reply" {
			n.InReplyTo = "https://node.example/users/alice/statuses/1"
		}
		b, err := MarshalActivity(Activity{ID: n.ID + "/activity", Type: TypeCreate, Actor: n.AttributedTo,
			To: n.To, CC: n.CC, Published: now, Object: Object{IRI: n.ID, Type: TypeNote, Note: &n}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeObject(b)
		if err != nil {
			t.Fatal(err)
		}
		docs["copse-load "+shape] = m
	}
	// A community thread as Lemmy, PieFed and Mbin send it: a Page with a
	// title, addressed to the Group and naming it as its audience; and an
	// Article.
	for _, typ := range []string{TypePage, TypeArticle} {
		const g = "https://node.example/users/desk"
		n := Note{ID: "https://lemmy.example/post/7", Type: typ, AttributedTo: "https://lemmy.example/u/ann",
			Name: "Opening hours over the holidays", Published: now, To: []string{g, PublicIRI},
			CC: []string{"https://lemmy.example/u/ann/followers"}, Audience: g,
			Content: "<p>The desk closes at noon on the 24th.</p>"}
		b, err := MarshalActivity(Activity{ID: "https://lemmy.example/activities/create/7", Type: TypeCreate,
			Actor: n.AttributedTo, To: n.To, CC: n.CC, Object: Object{IRI: n.ID, Type: typ, Note: &n}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeObject(b)
		if err != nil {
			t.Fatal(err)
		}
		m["object"].(map[string]any)["audience"] = g // MarshalActivity writes no audience
		docs["community "+typ] = m
	}
	return docs
}

// variants are values put in place of each property read: the shapes
// go-fed reads one way or another (IRIs with and without a scheme, URLs
// that net/url rewrites, dates in its two layouts and others, text that
// looks like an IRI, objects, lists, language maps, other types).
var variants = []any{
	nil, "", "Public", "as:Public", PublicIRI, "https://a.example/x", "HTTPS://A.Example/%7Ex?q=1#f",
	"https://a.example/a b", "https://a.example/%zz", "mailto:someone@a.example", "cw: spoilers", "javascript:alert(1)",
	"2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123+02:00", "2026-01-02T03:04Z", "2026-01-02", "tag:a.example,2026:x",
	"\u0000control\u001b", "<p>hi <script>x</script></p>", 5.0, true, false,
	[]any{}, []any{nil}, []any{"https://a.example/1", "Public", ""}, []any{"no scheme", "https://b.example/2"},
	[]any{5.0}, map[string]any{"en": "English", "fr": "français"},
	map[string]any{"type": "Person", "id": "https://a.example/p"},
	map[string]any{"type": "Collection", "id": "https://a.example/c"},
	map[string]any{"type": "OrderedCollection", "id": "no scheme"},
	map[string]any{"type": "Link", "href": "https://a.example/l", "mediaType": "text/html"},
	[]any{map[string]any{"type": "Mention", "href": "https://a.example/u", "name": "@u@a.example"}},
	[]any{map[string]any{"type": "Mention", "href": "no scheme", "name": "cw: x"}, "https://a.example/t"},
	[]any{map[string]any{"type": "Hashtag", "href": "https://a.example/tags/x", "name": "#x"}, map[string]any{"type": "Emoji", "name": ":e:"}},
	[]any{map[string]any{"type": "Hashtag", "name": "#bad tag!"}, map[string]any{"type": []any{"Mention"}, "href": "https://a.example/u"}},
	[]any{map[string]any{"type": "Mention", "href": 5.0}, map[string]any{"type": "Mention", "nameMap": map[string]any{"en": "@u"}}},
	[]any{map[string]any{"type": "Document", "url": "https://a.example/f.png", "mediaType": "image/png"}},
	"Note", "Create", "Article", []any{"Note"}, []any{"Create"},
}

// TestFastCreateNoteAsGoFed: for the usual documents and every variation
// of each property either reader looks at (replaced by each variant, or
// removed), the fast reader gives what go-fed gives, or declines. It must
// take the usual documents themselves.
func TestFastCreateNoteAsGoFed(t *testing.T) {
	t.Parallel()
	activityKeys := []string{"id", "type", "actor", "to", "cc", "published", "object", "target", "content", "contentMap", "@context"}
	noteKeys := []string{"id", "type", "attributedTo", "inReplyTo", "to", "cc", "url", "replies", "tag", "attachment",
		"name", "nameMap", "summary", "summaryMap", "content", "contentMap", "published", "updated", "sensitive",
		"audience", "context", "language"}
	took, cases := 0, 0
	for name, doc := range createDocs(t) {
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		usual := sameAsGoFed(t, name, b)
		if media, _ := doc["object"].(map[string]any)["attachment"].([]any); len(media) == 0 && !usual {
			t.Errorf("%s: the fast reader declined a usual Create{Note}", name)
		}
		vary := func(m map[string]any, keys []string, where string) {
			for _, k := range keys {
				old, had := m[k]
				for i, v := range append([]any{"(removed)"}, variants...) {
					if i == 0 {
						delete(m, k)
					} else {
						m[k] = v
					}
					b, err := json.Marshal(doc)
					if err != nil {
						t.Fatal(err)
					}
					cases++
					if sameAsGoFed(t, fmt.Sprintf("%s, %s%s = %#v", name, where, k, v), b) {
						took++
					}
				}
				if had {
					m[k] = old
				} else {
					delete(m, k)
				}
			}
		}
		obj := doc["object"].(map[string]any)
		vary(obj, noteKeys, "object.")
		vary(doc, activityKeys, "")
	}
	t.Logf("%d variations, %d taken by the fast reader", cases, took)
	if took < cases/4 {
		t.Errorf("the fast reader took %d of %d variations; the test no longer exercises it", took, cases)
	}
}

// FuzzFastCreateNote: whatever the input, the fast reader gives what
// go-fed gives.
func FuzzFastCreateNote(f *testing.F) {
	for _, doc := range createDocs(f) {
		b, err := json.Marshal(doc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsGoFed(t, "fuzzed", b)
	})
}

// BenchmarkParseCreateNote parses copse-load's reply-shaped Create{Note}
// with go-fed and with the fast reader.
func BenchmarkParseCreateNote(b *testing.B) {
	body, err := json.Marshal(createDocs(b)["copse-load reply"])
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		fast bool
	}{{"go-fed", false}, {"fast", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseActivity(body, bc.fast); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
