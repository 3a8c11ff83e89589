package activitypub

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// TestDocumentValuesBounded: a document holding more JSON values than any
// real post, actor or activity is refused before it is decoded, whatever
// property holds them and however they hide in strings; one a little
// under the bound, and strings full of commas and brackets, parse.
func TestDocumentValuesBounded(t *testing.T) {
	note := func(prop, values string) []byte {
		return []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://peer.example/users/m/a/1","type":"Create",` +
			`"actor":"https://peer.example/users/m","object":{"id":"https://peer.example/users/m/n/1","type":"Note",` +
			`"content":"<p>a, b [c] {d} \"e,\" \\\\, f</p>","` + prop + `":[` + values + `]}}`)
	}
	many := strings.Repeat("0,", 480_000) + "0"
	tests := []struct {
		name    string
		body    []byte
		refused bool
	}{
		{"a megabyte of tiny tags", note("tag", many), true},
		{"a megabyte of tiny addressees", note("to", many), true},
		{"nested arrays", note("attachment", strings.Repeat("[", 6000)+strings.Repeat("]", 6000)+","+strings.Repeat("{},", 5000)+"{}"), true},
		{"nine thousand tags", note("tag", strings.Repeat(`"x",`, 9000)+`"x"`), false},
		{"commas and brackets inside strings", note("tag", `"`+strings.Repeat(`,[{`, 20_000)+`"`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ParseActivity(tt.body)
			runtime.ReadMemStats(&after)
			if refused := errors.Is(err, ErrInvalid); refused != tt.refused {
				t.Fatalf("ParseActivity: %v; want refused %v", err, tt.refused)
			}
			if got := after.TotalAlloc - before.TotalAlloc; tt.refused && got > 64<<10 {
				t.Errorf("refusing a %d KiB document allocated %d KiB; want under 64 KiB", len(tt.body)>>10, got>>10)
			}
		})
	}
}

// TestEveryParserBoundsValues: each parser of a document a peer serves
// (a library or history page, an artefact, term or event, the Group's
// actor) refuses a megabyte of tiny JSON values without decoding it,
// whichever property holds them.
func TestEveryParserBoundsValues(t *testing.T) {
	many := "[" + strings.Repeat("0,", 480_000) + "0]"
	const peer = `"id":"https://peer.example/c/x","attributedTo":"https://peer.example/c/g"`
	tests := []struct {
		name  string
		parse func([]byte) bool // reports whether the document was taken
		body  string
	}{
		{"library page", func(b []byte) bool { _, err := ParseIRIPage(b); return err == nil },
			`{"type":"OrderedCollectionPage",` + peer + `,"orderedItems":` + many + `}`},
		{"group actor", func(b []byte) bool { return LibraryOf(b) != "" },
			`{"type":"Group",` + peer + `,"library":"https://peer.example/c/g/library","tag":` + many + `}`},
		{"artefact", func(b []byte) bool { _, err := ParseArtefact(b); return err == nil },
			`{"type":"Article",` + peer + `,"name":"A","content":"<p>a</p>","attachment":` + many + `}`},
		{"artefact history page", func(b []byte) bool { _, _, err := ParseArtefactHistoryPage(b); return err == nil },
			`{"type":"OrderedCollectionPage",` + peer + `,"orderedItems":` + many + `}`},
		{"term", func(b []byte) bool { _, err := ParseTerm(b); return err == nil },
			`{"type":"DefinedTerm",` + peer + `,"name":"T","description":"d","alternateName":` + many + `}`},
		{"term history page", func(b []byte) bool { _, _, err := ParseTermHistoryPage(b); return err == nil },
			`{"type":"OrderedCollectionPage",` + peer + `,"orderedItems":` + many + `}`},
		{"event", func(b []byte) bool { _, err := ParseEvent(b); return err == nil },
			`{"type":"Event",` + peer + `,"name":"E","startTime":"2026-12-07T10:00:00Z","tag":` + many + `}`},
		{"announced artefact", func(b []byte) bool { _, ok := ArtefactOf(b); return ok },
			`{"type":"Announce","actor":"https://peer.example/c/g","object":{"type":"Create","object":{"type":"Article",` + peer + `,"name":"A","attachment":` + many + `}}}`},
		{"artefact proposal", func(b []byte) bool { _, ok := ArtefactProposalOf(b); return ok },
			`{"type":"Create","actor":"https://peer.example/u/m","object":{"type":"Article",` + peer + `,"name":"A","attachment":` + many + `}}`},
		{"event join", func(b []byte) bool { _, _, _, ok := JoinOf(b); return ok },
			`{"type":"Join","id":"https://peer.example/j/1","actor":"https://peer.example/u/m","object":"https://peer.example/e/1","to":` + many + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			taken := tt.parse(body)
			runtime.ReadMemStats(&after)
			if taken {
				t.Errorf("a document of %d KiB and 480,000 values was taken; want it refused", len(body)>>10)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
				t.Errorf("refusing it allocated %d KiB; want under 64 KiB", got>>10)
			}
		})
	}
}
