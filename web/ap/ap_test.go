package ap_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

const wait = 10 * time.Second

const ldJSON = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

type response struct {
	code        int
	contentType string
	vary        string
	body        []byte
}

func get(t *testing.T, u, accept string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	client := &http.Client{Timeout: wait}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", u, err)
	}
	return response{code: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), vary: resp.Header.Get("Vary"), body: b}
}

// getAP GETs an ActivityPub document and fails unless it is served as one.
func getAP(t *testing.T, u string) response {
	t.Helper()
	r := get(t, u, "application/activity+json")
	if r.code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, r.code, r.body)
	}
	if !strings.HasPrefix(r.contentType, "application/activity+json") {
		t.Fatalf("GET %s: Content-Type %q", u, r.contentType)
	}
	return r
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// collection is an OrderedCollection or one of its pages.
type collection struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	TotalItems   int               `json:"totalItems"`
	First        string            `json:"first"`
	PartOf       string            `json:"partOf"`
	Next         string            `json:"next"`
	OrderedItems []json.RawMessage `json:"orderedItems"`
}

func getCollection(t *testing.T, u string) collection {
	t.Helper()
	var c collection
	decode(t, getAP(t, u).body, &c)
	return c
}

func TestActorDocument(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", true)
	key, err := federation.ParsePrivateKey(alice.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}

	for _, accept := range []string{
		"application/activity+json",
		ldJSON,
		"application/ld+json",
		`application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`,
		"text/html;q=0.5, application/activity+json",
	} {
		t.Run(accept, func(t *testing.T) {
			r := get(t, alice.URI, accept)
			if r.code != http.StatusOK || !strings.HasPrefix(r.contentType, "application/activity+json") {
				t.Fatalf("status %d, Content-Type %q: %s", r.code, r.contentType, r.body)
			}
			if !strings.Contains(r.vary, "Accept") {
				t.Errorf("Vary = %q; caches would serve this JSON to browsers", r.vary)
			}
			actor, err := activitypub.ParseActor(r.body)
			if err != nil {
				t.Fatalf("parse actor: %v\n%s", err, r.body)
			}
			if actor.ID != alice.URI || actor.Type != activitypub.TypePerson || actor.PreferredUsername != "alice" {
				t.Errorf("actor %s %s %s", actor.ID, actor.Type, actor.PreferredUsername)
			}
			if actor.Inbox != alice.URI+"/inbox" || actor.Outbox != alice.URI+"/outbox" ||
				actor.Followers != alice.URI+"/followers" || actor.Following != alice.URI+"/following" {
				t.Errorf("collections: inbox %s outbox %s followers %s following %s", actor.Inbox, actor.Outbox, actor.Followers, actor.Following)
			}
			if actor.SharedInbox != n.URL+"/inbox" {
				t.Errorf("sharedInbox = %q; want %s", actor.SharedInbox, n.URL+"/inbox")
			}
			if !actor.ManuallyApprovesFollowers {
				t.Error("manuallyApprovesFollowers is false for a locked member")
			}
			if actor.PublicKey.ID != alice.PublicKeyID || actor.PublicKey.Owner != alice.URI {
				t.Errorf("publicKey %+v", actor.PublicKey)
			}
			pub, err := federation.ParsePublicKey(actor.PublicKey.PEM)
			if err != nil {
				t.Fatalf("publicKeyPem: %v", err)
			}
			if rk, ok := pub.(*rsa.PublicKey); !ok || !rk.Equal(&key.PublicKey) {
				t.Error("publicKeyPem is not alice's key")
			}
			if strings.Contains(string(r.body), "PRIVATE KEY") {
				t.Fatal("the actor document leaks the private key")
			}
			fields := map[string]string{}
			for _, f := range actor.Fields {
				fields[f.Name] = f.Value
			}
			for name, want := range map[string]string{
				activitypub.FieldOrganisation: "Hampshire County Council",
				activitypub.FieldDepartment:   "Libraries",
				activitypub.FieldRole:         "Information officer",
			} {
				if fields[name] != want {
					t.Errorf("field %s = %q; want %q (fields %v)", name, fields[name], want, actor.Fields)
				}
			}
			// On the wire the fields are schema.org PropertyValues, as
			// Mastodon reads them.
			var raw struct {
				Attachment []struct {
					Type  string `json:"type"`
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"attachment"`
			}
			decode(t, r.body, &raw)
			if len(raw.Attachment) != 3 {
				t.Fatalf("attachment = %+v; want 3 PropertyValues", raw.Attachment)
			}
			for _, a := range raw.Attachment {
				if a.Type != "PropertyValue" {
					t.Errorf("attachment %+v is not a PropertyValue", a)
				}
			}
		})
	}
}

func TestUnknownUser(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	for _, path := range []string{"/users/nobody", "/users/nobody/outbox", "/users/nobody/followers",
		"/users/nobody/following", "/users/nobody/statuses/1", "/users/alice/statuses/1", "/users/alice/statuses/nonsense"} {
		t.Run(path, func(t *testing.T) {
			r := get(t, n.URL+path, "application/activity+json")
			if r.code != http.StatusNotFound || !strings.HasPrefix(r.contentType, "application/json") {
				t.Fatalf("status %d, Content-Type %q: %s", r.code, r.contentType, r.body)
			}
			var e struct {
				Error string `json:"error"`
			}
			decode(t, r.body, &e)
			if e.Error == "" {
				t.Errorf("no error message in %s", r.body)
			}
		})
	}
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	n.Member("bob", false)
	ctx := context.Background()
	post := func(text string, vis activitypub.Visibility) storage.Status {
		t.Helper()
		st, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: text, Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// More listed posts than fit on a page, and some that are not listed.
	listed := map[string]bool{}
	for i := range 22 {
		vis := activitypub.Public
		if i == 5 {
			vis = activitypub.Unlisted
		}
		listed[post("Practice note "+string(rune('A'+i)), vis).URI] = true
	}
	hidden := map[string]bool{
		post("Followers only", activitypub.FollowersOnly).URI: true,
		post("@bob just between us", activitypub.Direct).URI:  true,
	}

	box := getCollection(t, alice.Outbox)
	if box.Type != "OrderedCollection" || box.ID != alice.Outbox {
		t.Errorf("outbox is %s %s", box.Type, box.ID)
	}
	if box.TotalItems != len(listed) {
		t.Errorf("totalItems = %d; want %d public and unlisted posts", box.TotalItems, len(listed))
	}
	if box.First == "" {
		t.Fatal("outbox has no first page")
	}

	seen := map[string]bool{}
	var newest []time.Time
	pages := 0
	for next := box.First; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("outbox pages do not end")
		}
		page := getCollection(t, next)
		if page.Type != "OrderedCollectionPage" || page.PartOf != alice.Outbox {
			t.Errorf("page %s is %s, part of %q", next, page.Type, page.PartOf)
		}
		if len(page.OrderedItems) > 20 {
			t.Errorf("page %s holds %d items", next, len(page.OrderedItems))
		}
		for _, raw := range page.OrderedItems {
			act, err := activitypub.ParseActivity(raw)
			if err != nil {
				t.Fatalf("outbox item %s: %v", raw, err)
			}
			if act.Type != activitypub.TypeCreate || act.Actor != alice.URI || act.Object.Note == nil {
				t.Fatalf("outbox item is not alice's Create{Note}: %s", raw)
			}
			uri := act.Object.Note.ID
			if hidden[uri] {
				t.Errorf("outbox shows the followers-only or direct post %s", uri)
			}
			if seen[uri] {
				t.Errorf("post %s on two pages", uri)
			}
			seen[uri] = true
			newest = append(newest, act.Published)
		}
		next = page.Next
	}
	if pages != 2 {
		t.Errorf("%d pages for %d posts; want 2", pages, len(listed))
	}
	for uri := range listed {
		if !seen[uri] {
			t.Errorf("post %s missing from the outbox", uri)
		}
	}
	if !slices.IsSortedFunc(newest, func(a, b time.Time) int { return b.Compare(a) }) {
		t.Error("outbox is not newest first")
	}
}

// TestOutboxOfSuspendedMember: a suspended member's actor is still
// served, so peers can check signatures made in their name, but their
// outbox lists nothing; and lists it all again once they are reinstated.
func TestOutboxOfSuspendedMember(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ctx := context.Background()
	st, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "A public practice note"})
	if err != nil {
		t.Fatal(err)
	}
	setSuspended := func(at time.Time) {
		t.Helper()
		a, err := n.Store.AccountByID(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		a.SuspendedAt = at
		if err := n.Store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &a) }); err != nil {
			t.Fatal(err)
		}
	}
	firstPage := func() collection {
		t.Helper()
		box := getCollection(t, alice.Outbox)
		if box.ID != alice.Outbox || box.First == "" {
			t.Fatalf("outbox %s, first page %q", box.ID, box.First)
		}
		c := getCollection(t, box.First)
		c.TotalItems = box.TotalItems
		return c
	}
	tests := []struct {
		name      string
		suspended time.Time
		want      []string // note ids on the first page
	}{
		{"active", time.Time{}, []string{st.URI}},
		{"suspended", time.Now(), nil},
		{"reinstated", time.Time{}, []string{st.URI}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setSuspended(tt.suspended)
			getAP(t, alice.URI) // the actor stays
			c := firstPage()
			var got []string
			for _, raw := range c.OrderedItems {
				act, err := activitypub.ParseActivity(raw)
				if err != nil || act.Object.Note == nil {
					t.Fatalf("outbox item %s: %v", raw, err)
				}
				got = append(got, act.Object.Note.ID)
			}
			if !slices.Equal(got, tt.want) || c.TotalItems != len(tt.want) {
				t.Errorf("outbox lists %v (totalItems %d); want %v", got, c.TotalItems, tt.want)
			}
		})
	}
}

func TestFollowersCollection(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	carol := a.Member("carol", false) // follows alice from the same node
	bob := b.Member("bob", false)     // follows alice from another node
	ctx := context.Background()

	if c := getCollection(t, alice.Followers); c.TotalItems != 0 || c.Type != "OrderedCollection" {
		t.Errorf("followers before any follow: %+v", c)
	}
	if err := a.Engine.Follow(ctx, carol.ID, alice.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	aliceOnB := b.Resolve(a.Acct("alice"))
	if err := b.Engine.Follow(ctx, bob.ID, aliceOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "bob's follow accepted", func() bool {
		_, err := b.Store.FollowOf(ctx, bob.ID, aliceOnB.ID)
		return err == nil
	})

	followers := getCollection(t, alice.Followers)
	if followers.TotalItems != 2 || followers.ID != alice.Followers {
		t.Errorf("alice's followers: totalItems %d, id %s; want 2", followers.TotalItems, followers.ID)
	}
	page := getCollection(t, followers.First)
	var items []string
	for _, raw := range page.OrderedItems {
		var s string
		decode(t, raw, &s)
		items = append(items, s)
	}
	slices.Sort(items)
	want := []string{bob.URI, carol.URI}
	slices.Sort(want)
	if !slices.Equal(items, want) {
		t.Errorf("alice's followers page = %v; want %v", items, want)
	}

	if c := getCollection(t, carol.Following); c.TotalItems != 1 {
		t.Errorf("carol's following: totalItems %d; want 1", c.TotalItems)
	}
	if c := getCollection(t, alice.Following); c.TotalItems != 0 {
		t.Errorf("alice's following: totalItems %d; want 0", c.TotalItems)
	}
	// A follow is not a public activity: it stays out of the outbox.
	if c := getCollection(t, carol.Outbox); c.TotalItems != 0 {
		t.Errorf("carol's outbox: totalItems %d; want 0", c.TotalItems)
	}
}

func TestFeaturedListsPublicPins(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ctx := context.Background()
	var pins []storage.Status
	for _, vis := range []activitypub.Visibility{activitypub.Public, activitypub.FollowersOnly} {
		st, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "pinned " + string(vis), Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Engine.Pin(ctx, alice.ID, st.ID); err != nil {
			t.Fatal(err)
		}
		pins = append(pins, st)
	}
	req, _ := http.NewRequest(http.MethodGet, n.URL+"/users/alice/collections/featured", nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		TotalItems   int      `json:"totalItems"`
		OrderedItems []string `json:"orderedItems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.TotalItems != 1 || len(doc.OrderedItems) != 1 || doc.OrderedItems[0] != pins[0].URI {
		t.Fatalf("featured = %+v; want only the public pin %s", doc, pins[0].URI)
	}
}
