package activitypub

import (
	"reflect"
	"testing"
	"time"
)

func TestTermRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	in := Term{ID: "https://a.example/glossary/1", URL: "https://a.example/c/wards/glossary#term-triage",
		AttributedTo: "https://a.example/users/alice", Name: "Triage", Description: "<p>Sorting by urgency.</p>",
		Source: "Sorting by urgency.", Aliases: []string{"Sorting"},
		Related:   []TermLink{{Href: "https://a.example/c/wards/glossary#term-a-e", Name: "A&E"}},
		Reference: TermLink{Href: "https://www.nhs.uk/", Name: "NHS"}, TermSet: "https://a.example/users/wards/glossary",
		Audience: "https://a.example/users/wards", History: "https://a.example/glossary/1/history",
		To: []string{PublicIRI}, CC: []string{"https://a.example/users/wards"}, Published: at, Updated: at.Add(time.Hour),
		Version: 2, ChangeNote: "clearer", Editor: "https://a.example/users/bob"}
	body, err := MarshalTerm(in)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "term", body)
	out, err := ParseTerm(body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n in %+v\nout %+v", in, out)
	}
	act, err := MarshalTermActivity(in.ID+"/versions/2", TypeUpdate, in.Editor, at, in)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := TermOf(act); !ok || !reflect.DeepEqual(got, in) {
		t.Errorf("TermOf(Update) = %+v, %v", got, ok)
	}
}

func TestParseTerm(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		ok      bool
		aliases []string
		ref     TermLink
	}{
		{"not a DefinedTerm", `{"id":"https://a.example/1","type":"Note","history":"https://a.example/1/h","version":1}`, false, nil, TermLink{}},
		{"no history", `{"id":"https://a.example/1","type":"DefinedTerm","version":1}`, false, nil, TermLink{}},
		{"not JSON", `{`, false, nil, TermLink{}},
		{"one alias, a bare citation", `{"id":"https://a.example/1","type":"DefinedTerm","name":"X","history":"https://a.example/1/h",
			"version":1,"alternateName":"Y","citation":"https://ref.example/"}`, true, []string{"Y"}, TermLink{Href: "https://ref.example/"}},
		{"aliases as a list", `{"id":"https://a.example/1","type":"DefinedTerm","name":"X","history":"https://a.example/1/h",
			"version":1,"alternateName":["Y"," ","Z"]}`, true, []string{"Y", "Z"}, TermLink{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTerm([]byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
			if tt.ok && (!reflect.DeepEqual(got.Aliases, tt.aliases) || got.Reference != tt.ref) {
				t.Errorf("got aliases %q, reference %+v", got.Aliases, got.Reference)
			}
		})
	}
}
