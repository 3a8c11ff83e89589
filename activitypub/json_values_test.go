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
