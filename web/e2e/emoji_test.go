package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// withEmoji adds a Mastodon Emoji tag to the object of a marshalled
// activity (copse sends none of its own, so the test writes it in).
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
