package activitypub

import (
	"errors"
	"testing"
	"time"
)

func TestActorRoundTrip(t *testing.T) {
	moved := testPerson()
	moved.AlsoKnownAs = []string{"https://old.example/users/olli", "https://other.example/@olli"}
	moved.MovedTo = "https://council-b.example/users/olli"

	minimal := Actor{
		ID:    "https://council-a.example/actor",
		Type:  TypeApplication,
		Inbox: "https://council-a.example/actor/inbox",
		PublicKey: PublicKey{
			ID:    "https://council-a.example/actor#main-key",
			Owner: "https://council-a.example/actor",
			PEM:   testPEM,
		},
	}

	tests := []struct {
		name  string
		actor Actor
	}{
		{"person", testPerson()},
		{"group", testGroup()},
		{"moved person", moved},
		{"instance actor", minimal},
		{"service with colon in name", Actor{ID: "https://council-a.example/bots/digest", Type: TypeService, Name: "Digest: weekly", Inbox: "https://council-a.example/bots/digest/inbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalActor(tt.actor)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseActor(b)
			if err != nil {
				t.Fatalf("parse own output: %v\n%s", err, b)
			}
			sameValue(t, got, tt.actor)
		})
	}
}

func TestMarshalActorGolden(t *testing.T) {
	tests := []struct {
		name  string
		actor Actor
	}{
		{"person", testPerson()},
		{"group", testGroup()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalActor(tt.actor)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b)
		})
	}
}

func TestMarshalActorShape(t *testing.T) {
	a := testPerson()
	a.ManuallyApprovesFollowers = false
	a.Discoverable = false
	a.Fields = nil
	b, err := MarshalActor(a)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeJSON(t, b)
	// Both booleans must be present even when false: Mastodon reads a
	// missing manuallyApprovesFollowers as false, but other peers differ.
	for _, k := range []string{"manuallyApprovesFollowers", "discoverable"} {
		if v, ok := m[k]; !ok || v != false {
			t.Errorf("%s = %v, %v; want false, present", k, v, ok)
		}
	}
	if _, ok := m["attachment"]; ok {
		t.Errorf("attachment present with no fields")
	}
	if ep, _ := m["endpoints"].(map[string]any); ep["sharedInbox"] != "https://council-a.example/inbox" {
		t.Errorf("endpoints = %v", m["endpoints"])
	}
}

func TestParseActorErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"not json", `{"type": "Person",`},
		{"not an object", `["Person"]`},
		{"null", `null`},
		{"no type", `{"id": "https://a.example/u/x", "inbox": "https://a.example/u/x/inbox"}`},
		{"unknown type", `{"id": "https://a.example/u/x", "type": "Robot", "inbox": "https://a.example/u/x/inbox"}`},
		{"a note", `{"id": "https://a.example/n/1", "type": "Note", "content": "hi"}`},
		{"no id", `{"type": "Person", "inbox": "https://a.example/u/x/inbox"}`},
		{"no inbox", `{"id": "https://a.example/u/x", "type": "Person"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseActor([]byte(tt.doc))
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v; want ErrInvalid", err)
			}
		})
	}
}

func TestParseActorTolerance(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, a Actor)
	}{
		{
			name: "icon as array, url as Link, no context",
			doc: `{"id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox",
				"icon": [{"type": "Image", "url": "https://a.example/small.png"}, {"type": "Image", "url": "https://a.example/big.png"}],
				"url": {"type": "Link", "href": "https://a.example/@x", "mediaType": "text/html"}}`,
			check: func(t *testing.T, a Actor) {
				if a.Icon == nil || a.Icon.URL != "https://a.example/small.png" {
					t.Errorf("icon = %+v", a.Icon)
				}
				if a.URL != "https://a.example/@x" {
					t.Errorf("url = %q", a.URL)
				}
			},
		},
		{
			name: "icon url as Link, image as bare IRI",
			doc: `{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox",
				"icon": {"type": "Image", "mediaType": "image/webp", "url": {"type": "Link", "href": "https://a.example/x.webp"}},
				"image": "https://a.example/header.jpg"}`,
			check: func(t *testing.T, a Actor) {
				if a.Icon == nil || a.Icon.URL != "https://a.example/x.webp" || a.Icon.MediaType != "image/webp" {
					t.Errorf("icon = %+v", a.Icon)
				}
				if a.Image == nil || a.Image.URL != "https://a.example/header.jpg" {
					t.Errorf("image = %+v", a.Image)
				}
			},
		},
		{
			name: "organization, alsoKnownAs as a string, nameMap",
			doc: `{"id": "https://a.example/org", "type": "Organization", "inbox": "https://a.example/org/inbox",
				"nameMap": {"fi": "Kaupunki", "en": "The City"}, "alsoKnownAs": "https://b.example/org",
				"movedTo": "https://c.example/org", "manuallyApprovesFollowers": "yes"}`,
			check: func(t *testing.T, a Actor) {
				if a.Type != "Organization" || a.Name != "The City" {
					t.Errorf("type, name = %q, %q", a.Type, a.Name)
				}
				sameValue(t, a.AlsoKnownAs, []string{"https://b.example/org"})
				if a.MovedTo != "https://c.example/org" || a.ManuallyApprovesFollowers {
					t.Errorf("movedTo, manuallyApprovesFollowers = %q, %v", a.MovedTo, a.ManuallyApprovesFollowers)
				}
			},
		},
		{
			name: "type array, multiple keys",
			doc: `{"id": "https://a.example/u/x", "type": ["Person", "https://example.org/ns#Member"], "inbox": "https://a.example/u/x/inbox",
				"publicKey": [{"id": "https://a.example/u/x#main-key", "owner": "https://a.example/u/x", "publicKeyPem": "PEM1"},
				              {"id": "https://a.example/u/x#ed25519-key", "owner": "https://a.example/u/x", "publicKeyPem": "PEM2"}]}`,
			check: func(t *testing.T, a Actor) {
				if a.Type != TypePerson {
					t.Errorf("type = %q", a.Type)
				}
				sameValue(t, a.PublicKey, PublicKey{ID: "https://a.example/u/x#main-key", Owner: "https://a.example/u/x", PEM: "PEM1"})
			},
		},
		{
			name: "updated with an offset, published without",
			doc: `{"id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox",
				"published": "2024-02-20T11:09:18Z", "updated": "2026-01-02T05:04:05+02:00"}`,
			check: func(t *testing.T, a Actor) {
				if !a.Updated.Equal(when) || a.Updated.Location() != time.UTC {
					t.Errorf("updated = %v; want %v in UTC", a.Updated, when)
				}
			},
		},
		{
			name: "updated that is not a date",
			doc: `{"id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox",
				"updated": "yesterday"}`,
			check: func(t *testing.T, a Actor) {
				if !a.Updated.IsZero() {
					t.Errorf("updated = %v; want zero", a.Updated)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseActor([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a)
		})
	}
}
