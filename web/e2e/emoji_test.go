package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/web/testrig"
)

// withEmoji adds a Mastodon Emoji tag to the object of a marshalled
// activity, as a peer's post carries one.
func withEmoji(t *testing.T, body []byte, shortcode, image string) []byte {
	t.Helper()
	var act map[string]any
	if err := json.Unmarshal(body, &act); err != nil {
		t.Fatal(err)
	}
	obj := act["object"].(map[string]any)
	tags, _ := obj["tag"].([]any)
	obj["tag"] = append(tags, map[string]any{"type": "Emoji", "name": ":" + shortcode + ":", "id": image + "#emoji",
		"icon": map[string]any{"type": "Image", "mediaType": "image/png", "url": image}})
	out, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRemoteCustomEmojis: the custom emojis a peer's post and profile use
// reach the apps of members here as the emojis of the status and account.
func TestRemoteCustomEmojis(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)
	secFollow(t, a, alice, b, "bob")
	asBob := secSigner(t, bob)
	heron := b.URL + "/emoji/heron.png"

	doc := federation.ActorOf(bob)
	doc.Name, doc.Updated = "Bob :heron:", time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	update := activitypub.Activity{ID: bob.URI + "#updates/emoji", Type: activitypub.TypeUpdate, Actor: bob.URI,
		To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: bob.URI, Type: activitypub.TypePerson, Actor: &doc}}
	note := activitypub.Note{ID: bob.URI + "/statuses/emoji", Type: activitypub.TypeNote, AttributedTo: bob.URI,
		Content: "<p>:heron: spotted by the archive</p>", To: []string{activitypub.PublicIRI}, CC: []string{bob.Followers},
		Published: time.Now().UTC()}
	create := activitypub.Activity{ID: note.ID + "/activity", Type: activitypub.TypeCreate, Actor: bob.URI,
		To: note.To, CC: note.CC, Published: note.Published, Object: activitypub.Object{IRI: note.ID, Type: note.Type, Note: &note}}
	for _, act := range []activitypub.Activity{update, create} {
		if got := secPostTo(t, a.URL+"/inbox", withEmoji(t, secMarshal(t, act), "heron", heron), asBob); got.code != http.StatusAccepted {
			t.Fatalf("%s: status = %d %s; want 202", act.Type, got.code, got.body)
		}
	}
	testrig.Eventually(t, securityWait, "A applied both", func() bool { return secDrained(t, a) && secHasStatus(t, a, note.ID) })

	type emoji struct {
		Shortcode       string  `json:"shortcode"`
		URL             string  `json:"url"`
		StaticURL       string  `json:"static_url"`
		VisibleInPicker *bool   `json:"visible_in_picker"`
		Category        *string `json:"category"`
	}
	req, _ := http.NewRequest("GET", a.URL+"/api/v1/timelines/home", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token(alice))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var home []struct {
		URI     string  `json:"uri"`
		Emojis  []emoji `json:"emojis"`
		Account struct {
			DisplayName string  `json:"display_name"`
			Emojis      []emoji `json:"emojis"`
		} `json:"account"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&home); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("home: %d, %v", resp.StatusCode, err)
	}
	if len(home) == 0 || home[0].URI != note.ID {
		t.Fatalf("home = %+v; want bob's note first", home)
	}
	want := emoji{Shortcode: "heron", URL: heron, StaticURL: heron}
	check := func(what string, got []emoji) {
		t.Helper()
		if len(got) != 1 || got[0].Shortcode != want.Shortcode || got[0].URL != want.URL || got[0].StaticURL != want.StaticURL ||
			got[0].VisibleInPicker == nil || *got[0].VisibleInPicker || got[0].Category != nil {
			t.Errorf("%s emojis = %+v; want %+v, not in the picker", what, got, want)
		}
	}
	check("status", home[0].Emojis)
	if home[0].Account.DisplayName != "Bob :heron:" {
		t.Errorf("display name = %q", home[0].Account.DisplayName)
	}
	check("account", home[0].Account.Emojis)
}

// TestOwnCustomEmojis: an emoji the admin of A adds is listed for the
// apps, drawn in a post and a display name of a member of A (through a
// third-party client library), served as an image and as an Emoji
// document, and reaches B with A's image in the Note and the actor.
func TestOwnCustomEmojis(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)
	ctx := context.Background()
	follow(t, b, bob, a, "alice")
	heron, err := a.Engine.AddCustomEmoji(ctx, 0, federation.NewEmoji{Shortcode: "heron", Category: "Birds"},
		bytes.NewReader(imagingtest.PNG(t, imagingtest.Halves(300, 200))))
	if err != nil {
		t.Fatal(err)
	}

	var listed []struct {
		Shortcode       string  `json:"shortcode"`
		URL             string  `json:"url"`
		VisibleInPicker bool    `json:"visible_in_picker"`
		Category        *string `json:"category"`
	}
	resp, err := http.Get(a.URL + "/api/v1/custom_emojis")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil || len(listed) != 1 || listed[0].Shortcode != "heron" || !listed[0].VisibleInPicker ||
		listed[0].Category == nil || *listed[0].Category != "Birds" || !strings.HasPrefix(listed[0].URL, a.URL+"/media/") {
		t.Fatalf("custom emojis = %+v, %v", listed, err)
	}
	image := listed[0].URL
	resp, err = http.Get(image)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("GET %s: %d %s; want a PNG", image, resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	asAlice := mastodon.NewClient(&mastodon.Config{Server: a.URL, AccessToken: a.Token(alice)})
	st, err := asAlice.PostStatus(ctx, &mastodon.Toot{Status: "A :heron: on the archive roof"})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Emojis) != 1 || st.Emojis[0].ShortCode != "heron" || st.Emojis[0].URL != image {
		t.Errorf("posted status emojis = %+v; want heron at %s", st.Emojis, image)
	}
	name := "Alice :heron:"
	me, err := asAlice.AccountUpdate(ctx, &mastodon.Profile{DisplayName: &name})
	if err != nil || len(me.Emojis) != 1 || me.Emojis[0].URL != image {
		t.Fatalf("updated account emojis = %+v, %v", me, err)
	}

	req, _ := http.NewRequest("GET", a.Engine.URLs().Emoji(heron.ID), nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID, Type, Name string
		Icon           struct{ URL, MediaType string }
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || doc.Type != "Emoji" || doc.Name != ":heron:" || doc.ID != a.Engine.URLs().Emoji(heron.ID) ||
		doc.Icon.URL != image || doc.Icon.MediaType != "image/png" {
		t.Errorf("emoji document = %+v, %v", doc, err)
	}

	// B keeps A's emoji with the post and, after Update{Person}, with the
	// display name; bob's app shows both.
	asBob := mastodon.NewClient(&mastodon.Config{Server: b.URL, AccessToken: b.Token(bob)})
	testrig.Eventually(t, wait, "B shows the post and alice's new name with A's emoji", func() bool {
		home, err := asBob.GetTimelineHome(ctx, nil)
		if err != nil || len(home) == 0 || home[0].URI != st.URI {
			return false
		}
		acct, err := asBob.GetAccount(ctx, home[0].Account.ID)
		return err == nil && len(home[0].Emojis) == 1 && home[0].Emojis[0].URL == image &&
			acct.DisplayName == name && len(acct.Emojis) == 1 && acct.Emojis[0].URL == image
	})
}
