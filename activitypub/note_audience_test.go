package activitypub

import (
	"encoding/json"
	"testing"
)

// TestNoteAudienceContext: audience and context (FEP-1b12, FEP-7888) are
// read as Lemmy, Mbin and NodeBB send them (an IRI, or an object with an
// id) and written as IRIs; a bad URL is dropped.
func TestNoteAudienceContext(t *testing.T) {
	tests := []struct {
		name         string
		audience     string
		context      string
		wantAudience string
		wantContext  string
	}{
		{"IRIs", `"https://lemmy.example/c/a"`, `"https://nodebb.example/topic/4"`, "https://lemmy.example/c/a", "https://nodebb.example/topic/4"},
		{"objects", `{"id":"https://lemmy.example/c/a","type":"Group"}`, `{"id":"https://x.example/ctx/1","type":"OrderedCollection"}`, "https://lemmy.example/c/a", "https://x.example/ctx/1"},
		{"not URLs", `"javascript:alert(1)"`, `"ftp://x"`, "", ""},
		{"absent", `null`, `null`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://lemmy.example/post/1","type":"Page",` +
				`"attributedTo":"https://lemmy.example/u/lem","name":"T","content":"c","audience":` + tt.audience + `,"context":` + tt.context + `}`
			n, err := ParseNote([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if n.Audience != tt.wantAudience || n.Context != tt.wantContext {
				t.Errorf("audience %q, context %q; want %q, %q", n.Audience, n.Context, tt.wantAudience, tt.wantContext)
			}
			out, err := MarshalNote(n)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			if got, _ := m["audience"].(string); got != tt.wantAudience {
				t.Errorf("written audience = %v; want %q", m["audience"], tt.wantAudience)
			}
			if got, _ := m["context"].(string); got != tt.wantContext {
				t.Errorf("written context = %v; want %q", m["context"], tt.wantContext)
			}
		})
	}
}

// TestActivityAudience: an activity's `audience` and its object's are
// read whichever way a peer writes them (an IRI, an object with an id, an
// array of either), the activity's first; nested arrays and an object
// given only as an IRI add nothing.
func TestActivityAudience(t *testing.T) {
	const g, h = "https://lemmy.example/c/a", "https://mbin.example/m/b"
	tests := []struct {
		name             string
		audience, object string
		want             []string
	}{
		{"activity and object", `"` + g + `"`, `{"id":"https://lemmy.example/post/1","type":"Page","audience":"` + h + `"}`, []string{g, h}},
		{"object only", `null`, `{"id":"https://lemmy.example/post/1","type":"Note","audience":{"id":"` + g + `","type":"Group"}}`, []string{g}},
		{"array", `["` + g + `",{"id":"` + h + `"},[["https://x.example/nested"]]]`, `"https://lemmy.example/post/1"`, []string{g, h}},
		{"none", `null`, `{"id":"https://lemmy.example/post/1","type":"Note"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://lemmy.example/activities/1","type":"Create",` +
				`"actor":"https://lemmy.example/u/lem","to":["https://www.w3.org/ns/activitystreams#Public"],"audience":` + tt.audience +
				`,"object":` + tt.object + `}`
			a, err := ParseActivity([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Audience) != len(tt.want) {
				t.Fatalf("Audience = %q; want %q", a.Audience, tt.want)
			}
			for i := range tt.want {
				if a.Audience[i] != tt.want[i] {
					t.Fatalf("Audience = %q; want %q", a.Audience, tt.want)
				}
			}
		})
	}
}
