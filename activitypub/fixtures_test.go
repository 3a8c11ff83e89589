package activitypub

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// when is the fixed instant of every fixture: tests never read the clock.
var when = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const testPEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2bAoSDkz23uOBW7kUCCL\n+tuU1GyHXfj3QoQ5irGpXIuX0mHA+iLkuyovfqVUPGjrYcQMZOvPG4pRl43MF1OK\nk2Tm9nWp2VoxGSQWnfPekHRX4RpHtxB8XmEvTF6cKhhzrVrPXpe/qc+nCdVL0PTh\nOxNr03TI1j6q7Go2r7En3+luCyuSoaOu5Igf8Riv2ai2TBL/aeDZNjrsAVVWvd8P\nIwqWBUbrKDNwXtk6TnPh4ZGYqXG4BUjN2cK4IkBBfDOiXqLD6xiLQYNLVxxWYZxT\nP/Es4tkpFOwAU3iaoT67ZdEhCRXkWWQMYnwTTTJVyLb1HKLSe1NCuXsrfZNKUPQA\nFQIDAQAB\n-----END PUBLIC KEY-----\n"

// testPerson is a member of council-a.example, with every property set.
func testPerson() Actor {
	id := "https://council-a.example/users/olli"
	return Actor{
		ID:                        id,
		Type:                      TypePerson,
		PreferredUsername:         "olli",
		Name:                      "Olli Mäkinen",
		Summary:                   "<p>Digital services lead. Ask me about <a href=\"https://council-a.example/tags/accessibility\">#accessibility</a>.</p>",
		URL:                       "https://council-a.example/@olli",
		Icon:                      &Image{URL: "https://council-a.example/media/avatars/olli.png", MediaType: "image/png"},
		Image:                     &Image{URL: "https://council-a.example/media/headers/olli.jpg", MediaType: "image/jpeg"},
		Inbox:                     id + "/inbox",
		Outbox:                    id + "/outbox",
		Followers:                 id + "/followers",
		Following:                 id + "/following",
		Featured:                  id + "/collections/featured",
		SharedInbox:               "https://council-a.example/inbox",
		PublicKey:                 PublicKey{ID: id + "#main-key", Owner: id, PEM: testPEM},
		ManuallyApprovesFollowers: false,
		Discoverable:              true,
		Published:                 when,
		Updated:                   when.Add(36 * time.Hour),
		Fields: []Field{
			{Name: FieldOrganisation, Value: "Council A"},
			{Name: FieldDepartment, Value: "Digital &amp; Data"},
			{Name: FieldRole, Value: "Service lead"},
		},
	}
}

// testGroup is a community on council-a.example.
func testGroup() Actor {
	id := "https://council-a.example/c/accessibility"
	return Actor{
		ID:                        id,
		Type:                      TypeGroup,
		PreferredUsername:         "accessibility",
		Name:                      "Accessibility practice",
		Summary:                   "<p>Making public services usable by everyone.</p>",
		URL:                       "https://council-a.example/c/accessibility",
		Icon:                      &Image{URL: "https://council-a.example/media/communities/accessibility.png", MediaType: "image/png"},
		Inbox:                     id + "/inbox",
		Outbox:                    id + "/outbox",
		Followers:                 id + "/followers",
		Following:                 id + "/following",
		Featured:                  id + "/collections/featured",
		SharedInbox:               "https://council-a.example/inbox",
		PublicKey:                 PublicKey{ID: id + "#main-key", Owner: id, PEM: testPEM},
		ManuallyApprovesFollowers: true,
		Discoverable:              true,
		Published:                 when,
		AttributedTo:              id + "/moderators",
	}
}

// testNote is a public post with a mention, a hashtag and an image.
func testNote() Note {
	id := "https://council-a.example/users/olli/statuses/113745102938475610"
	return Note{
		ID:           id,
		Type:         TypeNote,
		AttributedTo: "https://council-a.example/users/olli",
		Summary:      "CW: screenshots of forms",
		Content:      "<p><span class=\"h-card\"><a href=\"https://mastodon.example/@hanna\" class=\"u-url mention\">@<span>hanna</span></a></span> the new form passes <a href=\"https://council-a.example/tags/accessibility\" class=\"mention hashtag\" rel=\"tag\">#<span>accessibility</span></a> review</p>",
		URL:          "https://council-a.example/@olli/113745102938475610",
		InReplyTo:    "https://mastodon.example/users/hanna/statuses/113745002938475600",
		To:           []string{PublicIRI},
		CC:           []string{"https://council-a.example/users/olli/followers", "https://mastodon.example/users/hanna"},
		Published:    when,
		Updated:      when.Add(time.Hour),
		Sensitive:    true,
		Tags: []Tag{
			{Type: TagMention, Href: "https://mastodon.example/users/hanna", Name: "@hanna@mastodon.example"},
			{Type: TagHashtag, Href: "https://council-a.example/tags/accessibility", Name: "#accessibility"},
		},
		Attachments: []Attachment{{
			Type:       "Document",
			MediaType:  "image/png",
			URL:        "https://council-a.example/media/attachments/form.png",
			Name:       "The address form, with labels above each field.",
			Blurhash:   "UNF~gS9F00%M~qWBWBofIUt7ofRjofWBWBay",
			Width:      1280,
			Height:     720,
			FocalPoint: &[2]float64{-0.25, 0.5},
		}},
		Replies:  id + "/replies",
		Language: "en",
	}
}

// testArticle is an artefact: a shared document with a file.
func testArticle() Note {
	id := "https://council-a.example/artefacts/4471"
	return Note{
		ID:           id,
		Type:         TypeArticle,
		AttributedTo: "https://council-a.example/users/olli",
		Name:         "Accessible forms checklist",
		Summary:      "<p>Twelve checks we run on every form before it goes live.</p>",
		Content:      "<h2>Before you start</h2><p>Read the form aloud.</p>",
		URL:          "https://council-a.example/artefacts/4471",
		To:           []string{PublicIRI},
		CC:           []string{"https://council-a.example/c/accessibility", "https://council-a.example/users/olli/followers"},
		Published:    when,
		Tags: []Tag{
			{Type: TagHashtag, Href: "https://council-a.example/tags/forms", Name: "#forms"},
		},
		Attachments: []Attachment{{
			Type:      "Document",
			MediaType: "application/pdf",
			URL:       "https://council-a.example/media/artefacts/4471/checklist-v3.pdf",
			Name:      "checklist-v3.pdf",
		}},
	}
}

// golden compares got, indented, with testdata/name.golden.json, or
// rewrites that file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the golden file (run with -update if intended)\ngot:\n%s\nwant:\n%s", path, buf.Bytes(), want)
	}
}

// sameValue fails t unless got and want are deeply equal, printing both
// as JSON so the difference can be read.
func sameValue(t *testing.T, got, want any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Errorf("values differ\ngot:\n%s\nwant:\n%s", g, w)
}

// readPeer reads testdata/peers/name.
func readPeer(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "peers", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeJSON decodes b for assertions on the emitted shape.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, b)
	}
	return m
}
