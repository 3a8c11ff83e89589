package activitypub

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func testArtefact() Artefact {
	return Artefact{
		ID: "https://council-a.example/artefacts/1", URL: "https://council-a.example/artefacts/1",
		AttributedTo: "https://council-a.example/users/alice",
		Authors:      []string{"https://council-a.example/users/alice", "https://council-a.example/users/ann"},
		Name:         "Opening hours policy", Summary: "How we publish opening hours.",
		Content: "<h1>Policy</h1><p>Publish hours <strong>weekly</strong>.</p>", Source: "# Policy\n\nPublish hours **weekly**.",
		Attachments: []ArtefactDocument{{URL: "https://council-a.example/api/copse/v1/artefacts/1/files/2", MediaType: "application/pdf",
			Name: "hours.pdf", Size: 1234, SHA256: strings.Repeat("ab", 32)}},
		Tags:     []Tag{{Type: TagHashtag, Href: "https://council-a.example/tags/hours", Name: "#hours"}},
		Audience: "https://council-a.example/users/libraries", Context: "https://council-a.example/artefacts/1",
		History: "https://council-a.example/artefacts/1/history", To: []string{PublicIRI},
		CC:        []string{"https://council-a.example/users/libraries", "https://council-a.example/users/libraries/followers"},
		Published: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Updated: time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC),
		Version: 2, ChangeNote: "Added hours.pdf", Editor: "https://council-a.example/users/ann", Licence: "OGL-UK-3.0",
		Organisation: "Council A",
	}
}

func TestArtefactRoundTrip(t *testing.T) {
	a := testArtefact()
	body, err := MarshalArtefact(a)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "artefact", body)
	got, err := ParseArtefact(body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, a)
	}
	act, err := MarshalArtefactActivity(a.ID+"/versions/2", TypeUpdate, a.Editor, a.Updated, a)
	if err != nil {
		t.Fatal(err)
	}
	announce := `{"type":"Announce","actor":"` + a.Audience + `","object":` + string(act) + `}`
	if got, ok := ArtefactOf([]byte(announce)); !ok || got.Version != 2 || got.ID != a.ID {
		t.Fatalf("ArtefactOf(announce) = %+v, %v", got, ok)
	}
	page, err := MarshalArtefactHistoryPage(a.History+"?page=1", a.History, "", []HistoryItem{{ID: a.ID + "/versions/2",
		Type: TypeUpdate, Actor: a.Editor, Published: a.Updated, Doc: a}})
	if err != nil {
		t.Fatal(err)
	}
	items, next, err := ParseArtefactHistoryPage(page)
	if err != nil || next != "" || len(items) != 1 || items[0].Doc.Version != 2 || items[0].Actor != a.Editor {
		t.Fatalf("history page: %+v %q %v", items, next, err)
	}
}

func TestParseArtefactRefuses(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"not JSON", `{`},
		{"a Note", `{"type":"Note","id":"https://a.example/1","history":"https://a.example/1/history","version":1}`},
		{"an Article without history (a post from other software)", `{"type":"Article","id":"https://a.example/1","version":1}`},
		{"no version", `{"type":"Article","id":"https://a.example/1","history":"https://a.example/1/history"}`},
		{"no id", `{"type":"Article","history":"https://a.example/1/history","version":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, err := ParseArtefact([]byte(tt.body)); err == nil {
				t.Fatalf("parsed %+v", a)
			}
		})
	}
}

func TestDigestMultibase(t *testing.T) {
	sum := strings.Repeat("0f", 32)
	if got := sha256OfMultibase(DigestMultibase(sum)); got != sum {
		t.Fatalf("round trip %q", got)
	}
	for _, bad := range []string{"", "z123", "u!!", "uEiA"} {
		if got := sha256OfMultibase(bad); got != "" {
			t.Errorf("%q read as %q", bad, got)
		}
	}
	if DigestMultibase("nothex") != "" {
		t.Error("a digest made of no hex")
	}
}

func FuzzParseArtefact(f *testing.F) {
	body, _ := MarshalArtefact(testArtefact())
	f.Add(body)
	f.Add([]byte(`{"type":"Article","id":"x","history":"y","version":1,"attachment":[1,{"url":"u"}],"tag":[null],"attributedTo":[{"id":"z"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseArtefact(b)
		if err == nil && (a.ID == "" || a.History == "" || a.Version <= 0) {
			t.Fatalf("accepted %+v", a)
		}
		ArtefactOf(b)
		ParseArtefactHistoryPage(b)
	})
}
