package federation

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
)

// separateID and separateAudience are what deliverLocal and withAudience
// read of a body by decoding it on their own, as they did before rawDoc.
func separateID(body []byte) (string, bool) {
	var doc struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return "", false
	}
	return doc.ID, true
}

func separateAudience(body []byte) []string {
	var doc struct {
		Audience json.RawMessage `json:"audience"`
		Object   struct {
			Audience json.RawMessage `json:"audience"`
		} `json:"object"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	return append(iris(doc.Audience), iris(doc.Object.Audience)...)
}

// checkRawDoc fails t unless d reads body as the separate decodes do.
func checkRawDoc(t *testing.T, body []byte, d *rawDoc) {
	t.Helper()
	id, ok := d.id()
	wantID, wantOK := separateID(body)
	if id != wantID || ok != wantOK {
		t.Errorf("%s: id = %q, %v; a separate decode reads %q, %v", body, id, ok, wantID, wantOK)
	}
	if got, want := d.audience(), separateAudience(body); !slices.Equal(got, want) {
		t.Errorf("%s: audience = %q; a separate decode reads %q", body, got, want)
	}
}

// TestRawDocReadsAsSeparateDecodes: the body decoded once gives every
// step what its own decode gave, odd bodies included, whichever step
// reads first.
func TestRawDocReadsAsSeparateDecodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		id         string
		audience   []string
	}{
		{"a Create to a community", `{"id":"https://peer.example/a/1","type":"Create","to":["https://www.w3.org/ns/activitystreams#Public"],"audience":"https://here.example/users/garden","object":{"id":"https://peer.example/n/1","type":"Note","audience":["https://here.example/users/garden",{"id":"https://here.example/users/maps"}]}}`,
			"https://peer.example/a/1", []string{"https://here.example/users/garden", "https://here.example/users/garden", "https://here.example/users/maps"}},
		{"to as a string, no audience", `{"id":"x","to":"https://peer.example/users/ann","object":{"type":"Note"}}`, "x", nil},
		{"object an IRI: audience not read", `{"id":"x","audience":"https://here.example/users/garden","object":"https://peer.example/n/1"}`, "x", nil},
		{"object an array", `{"id":"x","object":[{"audience":"a"}]}`, "x", nil},
		{"object null", `{"id":"x","audience":["a","b"],"object":null}`, "x", []string{"a", "b"}},
		{"audience an object", `{"id":"x","audience":{"id":"a","type":"Group"}}`, "x", []string{"a"}},
		{"nested arrays one level only", `{"id":"x","audience":["a",["b"],{"id":"c"}]}`, "x", []string{"a", "c"}},
		{"id a number: audience still read", `{"id":7,"audience":"a"}`, "", []string{"a"}},
		{"id null", `{"id":null,"audience":"a"}`, "", []string{"a"}},
		{"missing fields", `{}`, "", nil},
		{"an array", `[{"id":"x"}]`, "", nil},
		{"not JSON", `{"id":"x",`, "", nil},
		{"empty", ``, "", nil},
		{"null", `null`, "", nil},
		{"keys in another case", `{"ID":"x","Audience":"a","OBJECT":{"audience":"b"}}`, "x", []string{"a", "b"}},
		{"a key twice: string object first", `{"id":"x","object":"o","object":{"audience":"b"}}`, "x", nil},
		{"a key twice: id number first", `{"id":1,"id":"x","audience":"a"}`, "", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if id, _ := separateID(body); id != tt.id {
				t.Fatalf("table: a separate decode reads id %q", id)
			}
			if got := separateAudience(body); !slices.Equal(got, tt.audience) {
				t.Fatalf("table: a separate decode reads audience %q", got)
			}
			checkRawDoc(t, body, newRawDoc(body))
			// The audience read first, then the id.
			d := newRawDoc(body)
			if got := d.audience(); !slices.Equal(got, tt.audience) {
				t.Errorf("audience first = %q, want %q", got, tt.audience)
			}
			if id, _ := d.id(); id != tt.id {
				t.Errorf("id after audience = %q, want %q", id, tt.id)
			}
		})
	}
}

// TestInboxDocShared: the steps of one inbox item share the rawDoc
// withInboxBody made of its body; another body gets its own.
func TestInboxDocShared(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"x","audience":"a"}`)
	ctx := withInboxBody(context.Background(), body)
	d := inboxDoc(ctx, inboxBody(ctx))
	if d != inboxDoc(ctx, body) {
		t.Error("the same body was given two rawDocs")
	}
	other := []byte(`{"id":"y","audience":"b"}`)
	if d2 := inboxDoc(ctx, other); d2 == d {
		t.Error("another body was given the inbox item's rawDoc")
	} else if id, _ := d2.id(); id != "y" {
		t.Errorf("another body reads id %q", id)
	}
	if d := inboxDoc(context.Background(), nil); len(d.audience()) != 0 {
		t.Errorf("no body names an audience: %q", d.audience())
	}
}

// FuzzMayNameAudience: for any body, the shared decode reads the id and
// the audience exactly as the separate decodes do.
func FuzzMayNameAudience(f *testing.F) {
	for _, s := range []string{
		`{"id":"x","audience":"a","object":{"audience":["b",{"id":"c"}]}}`,
		`{"id":1,"audience":"a"}`, `{"object":"o","object":{"audience":"b"}}`,
		`[]`, `null`, `{"audience":[["a"],"b"]}`, `{"ID":"x","Object":{"Audience":"a"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkRawDoc(t, body, newRawDoc(body))
	})
}
