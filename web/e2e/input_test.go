package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// inputEdit decodes a marshalled activity, lets edit change its object,
// and encodes it again: the test writes what copse itself never emits.
func inputEdit(t *testing.T, body []byte, edit func(obj map[string]any)) []byte {
	t.Helper()
	var act map[string]any
	if err := json.Unmarshal(body, &act); err != nil {
		t.Fatal(err)
	}
	edit(act["object"].(map[string]any))
	out, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileURLsNeverReachApps: a peer's actor whose url and icon are
// javascript: URLs, and a post whose url is one and whose attachment is a
// data: URL, reach the apps of members here with those fields safe (an
// http(s) URL or nothing), and an Update giving the actor a username
// with markup in it is refused.
func TestHostileURLsNeverReachApps(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)
	secFollow(t, a, alice, b, "bob")
	asBob := secSigner(t, bob)
	const js = "javascript:alert(document.cookie)"

	// Updated dates order the Updates, so A stores what is sent rather
	// than fetching bob again; the rename comes last, so only refusing it
	// keeps bob's name.
	doc := federation.ActorOf(bob)
	doc.Updated = time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	update := activitypub.Activity{ID: bob.URI + "#updates/links", Type: activitypub.TypeUpdate, Actor: bob.URI,
		To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: bob.URI, Type: activitypub.TypePerson, Actor: &doc}}
	links := inputEdit(t, secMarshal(t, update), func(obj map[string]any) {
		obj["name"] = "Bob\u202e\x00"
		obj["url"] = js
		obj["icon"] = map[string]any{"type": "Image", "mediaType": "image/png", "url": js}
		obj["image"] = map[string]any{"type": "Image", "mediaType": "image/png", "url": "data:image/png;base64,iVBORw0KGgo="}
	})
	doc.Updated = doc.Updated.Add(time.Minute)
	renamed := activitypub.Activity{ID: bob.URI + "#updates/rename", Type: activitypub.TypeUpdate, Actor: bob.URI,
		To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: bob.URI, Type: activitypub.TypePerson, Actor: &doc}}
	rename := inputEdit(t, secMarshal(t, renamed), func(obj map[string]any) {
		obj["preferredUsername"] = `xss"><script>alert(1)</script>`
	})
	note := activitypub.Note{ID: bob.URI + "/statuses/hostile", Type: activitypub.TypeNote, AttributedTo: bob.URI,
		Content: "<p>Minutes attached</p>", To: []string{activitypub.PublicIRI}, CC: []string{bob.Followers},
		Published: time.Now().UTC()}
	create := activitypub.Activity{ID: note.ID + "/activity", Type: activitypub.TypeCreate, Actor: bob.URI,
		To: note.To, CC: note.CC, Published: note.Published, Object: activitypub.Object{IRI: note.ID, Type: note.Type, Note: &note}}
	post := inputEdit(t, secMarshal(t, create), func(obj map[string]any) {
		obj["url"] = js
		obj["attachment"] = []any{
			map[string]any{"type": "Document", "mediaType": "text/html", "url": "data:text/html,<script>alert(1)</script>"},
			map[string]any{"type": "Document", "mediaType": "image/png", "url": b.URL + "/media/minutes.png", "name": "minutes"},
		}
	})
	for i, body := range [][]byte{links, post, rename} {
		if got := secPostTo(t, a.URL+"/inbox", body, asBob); got.code != http.StatusAccepted {
			t.Fatalf("activity %d: status = %d %s; want 202", i, got.code, got.body)
		}
	}
	testrig.Eventually(t, securityWait, "A applied all three", func() bool { return secDrained(t, a) && secHasStatus(t, a, note.ID) })

	req, _ := http.NewRequest(http.MethodGet, a.URL+"/api/v1/timelines/home", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token(alice))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var home []struct {
		URI              string `json:"uri"`
		URL              string `json:"url"`
		MediaAttachments []struct {
			URL        string `json:"url"`
			PreviewURL string `json:"preview_url"`
			RemoteURL  string `json:"remote_url"`
		} `json:"media_attachments"`
		Account struct {
			Username     string `json:"username"`
			Acct         string `json:"acct"`
			DisplayName  string `json:"display_name"`
			URL          string `json:"url"`
			Avatar       string `json:"avatar"`
			AvatarStatic string `json:"avatar_static"`
			Header       string `json:"header"`
		} `json:"account"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&home); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("home: %d, %v", resp.StatusCode, err)
	}
	if len(home) == 0 || home[0].URI != note.ID {
		t.Fatalf("home = %+v; want bob's post first", home)
	}
	st := home[0]
	urls := map[string]string{"status url": st.URL, "account url": st.Account.URL, "avatar": st.Account.Avatar,
		"avatar_static": st.Account.AvatarStatic, "header": st.Account.Header}
	for i, m := range st.MediaAttachments {
		urls["attachment url "+string(rune('0'+i))] = m.URL
		urls["attachment remote_url "+string(rune('0'+i))] = m.RemoteURL
	}
	for what, u := range urls {
		if u != "" && !activitypub.ValidURL(u) {
			t.Errorf("%s = %q reached the app", what, u)
		}
	}
	if st.Account.Acct != "bob@"+b.Host || st.Account.Username != "bob" {
		t.Errorf("account = %s (%s); want bob@%s: the rename should have been refused", st.Account.Acct, st.Account.Username, b.Host)
	}
	if st.Account.URL != bob.URI {
		t.Errorf("account url = %q; want the actor id %s in place of the javascript: url", st.Account.URL, bob.URI)
	}
	if st.Account.DisplayName != "Bob" {
		t.Errorf("display name = %q; want %q, its control characters stripped", st.Account.DisplayName, "Bob")
	}
	if len(st.MediaAttachments) != 1 || !strings.HasSuffix(st.MediaAttachments[0].RemoteURL+st.MediaAttachments[0].URL, "minutes.png") {
		t.Errorf("media = %+v; want only the image, the data: document dropped", st.MediaAttachments)
	}
}
