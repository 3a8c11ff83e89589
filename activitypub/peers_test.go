package activitypub

import (
	"strings"
	"testing"
	"time"
)

// Documents in testdata/peers are shaped as Mastodon 4.x, GoToSocial and
// Lemmy emit them. Each test asserts what copse needs from them.

func TestPeerMastodonPerson(t *testing.T) {
	a, err := ParseActor(readPeer(t, "mastodon_person.json"))
	if err != nil {
		t.Fatal(err)
	}
	id := "https://mastodon.example/users/hanna"
	checkActorBasics(t, a, id, TypePerson, "hanna", "https://mastodon.example/inbox")
	if a.Name != "Hanna Virtanen :verified:" || a.URL != "https://mastodon.example/@hanna" {
		t.Errorf("name, url = %q, %q", a.Name, a.URL)
	}
	if !a.ManuallyApprovesFollowers || !a.Discoverable {
		t.Errorf("manuallyApprovesFollowers, discoverable = %v, %v; want true, true", a.ManuallyApprovesFollowers, a.Discoverable)
	}
	if a.Featured != id+"/collections/featured" || a.Following != id+"/following" {
		t.Errorf("featured, following = %q, %q", a.Featured, a.Following)
	}
	sameValue(t, a.Icon, &Image{URL: "https://files.mastodon.example/accounts/avatars/109/283/478/original/5b7c2e1a0f3d.jpg", MediaType: "image/jpeg"})
	if a.Image == nil || a.Image.MediaType != "image/png" {
		t.Errorf("image = %+v", a.Image)
	}
	if len(a.Fields) != 2 || a.Fields[0] != (Field{Name: "Organisation", Value: "City of Example"}) || !strings.Contains(a.Fields[1].Value, "hanna.example") {
		t.Errorf("fields = %+v", a.Fields)
	}
	sameValue(t, a.AlsoKnownAs, []string{"https://old.example/users/hanna"})
	// The custom emoji of her display name.
	sameValue(t, a.Emojis, []Emoji{{Shortcode: "verified", MediaType: "image/png",
		URL: "https://files.mastodon.example/custom_emojis/images/000/004/242/original/verified.png",
		ID:  "https://mastodon.example/emojis/4242", Updated: time.Date(2023, 1, 10, 9, 12, 1, 0, time.UTC)}})
	if !a.Published.Equal(time.Date(2022, 11, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("published = %v", a.Published)
	}
}

func TestPeerMastodonCreateNote(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "mastodon_create_note.json"))
	if err != nil {
		t.Fatal(err)
	}
	id := "https://mastodon.example/users/hanna/statuses/113745102938475610"
	if a.Type != TypeCreate || a.ID != id+"/activity" || a.Actor != "https://mastodon.example/users/hanna" {
		t.Errorf("type, id, actor = %q, %q, %q", a.Type, a.ID, a.Actor)
	}
	if a.Object.IRI != id || a.Object.Type != TypeNote || a.Object.Note == nil {
		t.Fatalf("object = %+v", a.Object)
	}
	n := *a.Object.Note
	if got := VisibilityOf(n.To, n.CC, "https://mastodon.example/users/hanna/followers"); got != Public {
		t.Errorf("visibility = %q", got)
	}
	if n.Summary != "" || n.InReplyTo != "" || n.Sensitive {
		t.Errorf("summary, inReplyTo, sensitive = %q, %q, %v; want empty", n.Summary, n.InReplyTo, n.Sensitive)
	}
	if n.Language != "en" || !strings.HasPrefix(n.Content, "<p><span class=\"h-card\"") {
		t.Errorf("language, content = %q, %q", n.Language, n.Content)
	}
	if !n.Published.Equal(when) || n.URL != "https://mastodon.example/@hanna/113745102938475610" {
		t.Errorf("published, url = %v, %q", n.Published, n.URL)
	}
	sameValue(t, n.Tags, []Tag{
		{Type: TagMention, Href: "https://council-a.example/users/olli", Name: "@olli@council-a.example"},
		{Type: TagHashtag, Href: "https://mastodon.example/tags/servicedesign", Name: "#servicedesign"},
	})
	sameValue(t, n.Attachments, []Attachment{{
		Type:       "Document",
		MediaType:  "image/jpeg",
		URL:        "https://files.mastodon.example/media_attachments/files/113/745/102/518/442/117/original/6d1f0b0b5c3e2a41.jpg",
		Name:       "A whiteboard covered in sticky notes grouped into five columns.",
		Blurhash:   "UNF~gS9F00%M~qWBWBofIUt7ofRjofWBWBay",
		Width:      1920,
		Height:     1080,
		FocalPoint: &[2]float64{-0.25, 0.5},
	}})
	if n.Replies != id+"/replies" {
		t.Errorf("replies = %q", n.Replies)
	}
}

func TestPeerMastodonUndoFollow(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "mastodon_undo_follow.json"))
	if err != nil {
		t.Fatal(err)
	}
	sameValue(t, a, Activity{
		ID:    "https://mastodon.example/users/hanna#follows/48213/undo",
		Type:  TypeUndo,
		Actor: "https://mastodon.example/users/hanna",
		Object: Object{
			IRI:  "https://mastodon.example/5f2b8c1e-7a4d-4b0e-9f36-2c81d0a9e457",
			Type: TypeFollow,
			Activity: &Activity{
				ID:     "https://mastodon.example/5f2b8c1e-7a4d-4b0e-9f36-2c81d0a9e457",
				Type:   TypeFollow,
				Actor:  "https://mastodon.example/users/hanna",
				Object: Object{IRI: "https://council-a.example/users/olli"},
			},
		},
	})
}

func TestPeerMastodonDeleteTombstone(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "mastodon_delete_tombstone.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != TypeDelete || a.Actor != "https://mastodon.example/users/hanna" {
		t.Errorf("type, actor = %q, %q", a.Type, a.Actor)
	}
	sameValue(t, a.Object, Object{
		IRI:       "https://mastodon.example/users/hanna/statuses/113745102938475610",
		Type:      TypeTombstone,
		Tombstone: true,
	})
}

func TestPeerMastodonUpdatePerson(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "mastodon_update_person.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != TypeUpdate || a.Object.Type != TypePerson || a.Object.Actor == nil {
		t.Fatalf("type, object = %q, %+v", a.Type, a.Object)
	}
	// The embedded actor must be the same as the one fetched directly.
	direct, err := ParseActor(readPeer(t, "mastodon_person.json"))
	if err != nil {
		t.Fatal(err)
	}
	sameValue(t, *a.Object.Actor, direct)
	if a.Object.IRI != a.Actor {
		t.Errorf("updated %q, but the actor is %q", a.Object.IRI, a.Actor)
	}
}

func TestPeerGoToSocialPerson(t *testing.T) {
	a, err := ParseActor(readPeer(t, "gotosocial_person.json"))
	if err != nil {
		t.Fatal(err)
	}
	// GoToSocial has no shared inbox.
	checkActorBasics(t, a, "https://gts.example/users/kai", TypePerson, "kai", "")
	if a.PublicKey.ID != "https://gts.example/users/kai/main-key" {
		t.Errorf("key id = %q", a.PublicKey.ID)
	}
	// "Kai: ..." must not be mistaken for an IRI with scheme "kai".
	if a.Name != "Kai: libraries & archives" {
		t.Errorf("name = %q", a.Name)
	}
	if !a.ManuallyApprovesFollowers || a.Discoverable {
		t.Errorf("manuallyApprovesFollowers, discoverable = %v, %v; want true, false", a.ManuallyApprovesFollowers, a.Discoverable)
	}
	sameValue(t, a.Fields, []Field{{Name: FieldDepartment, Value: "Libraries"}, {Name: "pronouns", Value: "they/them"}})
	if a.Icon == nil || a.Icon.MediaType != "image/png" || a.Image != nil {
		t.Errorf("icon, image = %+v, %+v", a.Icon, a.Image)
	}
}

func TestPeerGoToSocialCreateNote(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "gotosocial_create_note.json"))
	if err != nil {
		t.Fatal(err)
	}
	// to and cc come as single strings.
	sameValue(t, a.To, []string{PublicIRI})
	sameValue(t, a.CC, []string{"https://gts.example/users/kai/followers"})
	if a.ID != "https://gts.example/users/kai/statuses/01JGX4T3N2B8C9D0E1F2G3H4J5/activity#Create" {
		t.Errorf("id = %q", a.ID)
	}
	if a.Object.Note == nil {
		t.Fatalf("object = %+v", a.Object)
	}
	n := *a.Object.Note
	if !n.Published.Equal(time.Date(2026, 1, 2, 10, 40, 37, 0, time.UTC)) || n.Published.Location() != time.UTC {
		t.Errorf("published = %v; want 10:40:37 UTC", n.Published)
	}
	if !n.Sensitive || n.Summary != "CW: water damage" || n.Language != "en" {
		t.Errorf("sensitive, summary, language = %v, %q, %q", n.Sensitive, n.Summary, n.Language)
	}
	// Hashtag and Mention kept in order; the Emoji tag is read apart.
	sameValue(t, n.Tags, []Tag{
		{Type: TagHashtag, Href: "https://gts.example/tags/archives", Name: "#archives"},
		{Type: TagMention, Href: "https://council-a.example/users/olli", Name: "@olli@council-a.example"},
	})
	sameValue(t, n.Emojis, []Emoji{{Shortcode: "heron", MediaType: "image/png",
		URL: "https://gts.example/fileserver/01AY6P665V14JJR0AFVRT7311Y/emoji/original/01F8MH9H8E4VG3KDYJR9EGPXCQ.png",
		ID:  "https://gts.example/emoji/01F8MH9H8E4VG3KDYJR9EGPXCQ", Updated: time.Date(2025, 9, 20, 10, 40, 37, 0, time.UTC)}})
	// GoToSocial sends an Image, with its alt text in summary.
	sameValue(t, n.Attachments, []Attachment{{
		Type:       "Image",
		MediaType:  "image/jpeg",
		URL:        "https://gts.example/fileserver/01HQ7Z3K4B2W8N6Y5V1T0R9S8P/attachment/original/01JGX4T9Q7R6S5T4U3V2W1X0Y9.jpg",
		Name:       "CW: a photo of a flooded archive basement",
		Blurhash:   "LIIE|gRj00WB-;j[t7j[4nWBj[Rj",
		FocalPoint: &[2]float64{-0.5, 0.5},
	}})
	if got := VisibilityOf(n.To, n.CC, "https://gts.example/users/kai/followers"); got != Public {
		t.Errorf("visibility = %q", got)
	}
}

func TestPeerLemmyGroup(t *testing.T) {
	a, err := ParseActor(readPeer(t, "lemmy_group.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkActorBasics(t, a, "https://lemmy.example/c/opendata", TypeGroup, "opendata", "https://lemmy.example/inbox")
	if a.AttributedTo != "https://lemmy.example/c/opendata/moderators" {
		t.Errorf("attributedTo (moderators) = %q", a.AttributedTo)
	}
	if a.Following != "" || a.URL != "" || a.Fields != nil {
		t.Errorf("following, url, fields = %q, %q, %v; want none", a.Following, a.URL, a.Fields)
	}
	if a.Icon == nil || a.Icon.URL != "https://lemmy.example/pictrs/image/waqyZwLAy4.webp" || a.Image == nil {
		t.Errorf("icon, image = %+v, %+v", a.Icon, a.Image)
	}
}

func TestPeerLemmyAnnounceCreatePage(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "lemmy_announce_create_page.json"))
	if err != nil {
		t.Fatal(err)
	}
	group := "https://lemmy.example/c/opendata"
	if a.Type != TypeAnnounce || a.Actor != group {
		t.Errorf("type, actor = %q, %q", a.Type, a.Actor)
	}
	if got := VisibilityOf(a.To, a.CC, group+"/followers"); got != Public {
		t.Errorf("announce visibility = %q", got)
	}
	create := a.Object.Activity
	if create == nil || a.Object.Type != TypeCreate || a.Object.IRI != create.ID {
		t.Fatalf("object = %+v", a.Object)
	}
	if create.Actor != "https://lemmy.example/u/ronja" {
		t.Errorf("create actor = %q", create.Actor)
	}
	if create.Object.Note == nil {
		t.Fatalf("create object = %+v", create.Object)
	}
	n := *create.Object.Note
	if n.Type != TypePage || n.ID != "https://lemmy.example/post/4821" || n.AttributedTo != create.Actor {
		t.Errorf("type, id, attributedTo = %q, %q, %q", n.Type, n.ID, n.AttributedTo)
	}
	if n.Name != "Our street-works dataset is now updated daily" || !strings.HasPrefix(n.Content, "<p>After two years") {
		t.Errorf("name, content = %q, %q", n.Name, n.Content)
	}
	sameValue(t, n.To, []string{group, PublicIRI})
	if n.CC != nil || n.Language != "en" {
		t.Errorf("cc, language = %v, %q", n.CC, n.Language)
	}
	sameValue(t, n.Attachments, []Attachment{{Type: "Link", MediaType: "text/html; charset=utf-8", URL: "https://data.example/datasets/street-works"}})
}

func checkActorBasics(t *testing.T, a Actor, id, typ, username, sharedInbox string) {
	t.Helper()
	if a.ID != id || a.Type != typ || a.PreferredUsername != username {
		t.Errorf("id, type, preferredUsername = %q, %q, %q; want %q, %q, %q", a.ID, a.Type, a.PreferredUsername, id, typ, username)
	}
	if a.Inbox != id+"/inbox" || a.Outbox != id+"/outbox" || a.Followers != id+"/followers" {
		t.Errorf("inbox, outbox, followers = %q, %q, %q", a.Inbox, a.Outbox, a.Followers)
	}
	if a.SharedInbox != sharedInbox {
		t.Errorf("sharedInbox = %q; want %q", a.SharedInbox, sharedInbox)
	}
	if a.PublicKey.Owner != id || !strings.HasPrefix(a.PublicKey.PEM, "-----BEGIN PUBLIC KEY-----\n") || a.PublicKey.ID == "" {
		t.Errorf("publicKey = %+v", a.PublicKey)
	}
}
