package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestReceiveAppliesAtOnce: a note from an author the node knows, fresh,
// is applied before Receive returns (so before the inbox answers 202):
// the post is stored, alice notified, and nothing is left in the queue.
// Sent twice, it is applied once. An author that must be fetched first
// (unknown, or stored too long ago) leaves the note queued for a worker,
// as before; no worker runs here.
func TestReceiveAppliesAtOnce(t *testing.T) {
	const uri = "https://mastodon.example/users/hanna"
	tests := []struct {
		name        string
		stored      time.Duration // how long ago the author was fetched; 0: not stored
		sends       int
		wantApplied bool
		wantQueued  int
	}{
		{"known and fresh", time.Minute, 1, true, 0},
		{"known and fresh, sent twice", time.Minute, 2, true, 0},
		{"unknown", 0, 1, false, 1},
		{"stale", actorRefresh + time.Hour, 1, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := originEngine(t, &originTransport{})
			alice := member(t, e, "alice")
			h := storage.Account{URI: uri, Username: "hanna", Domain: "mastodon.example", ActorType: activitypub.TypePerson,
				Inbox: uri + "/inbox", SharedInbox: "https://mastodon.example/inbox",
				Followers: uri + "/followers", FetchedAt: e.now().Add(-tt.stored)}
			if tt.stored > 0 {
				if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &h) }); err != nil {
					t.Fatal(err)
				}
			}
			note := activitypub.Note{ID: uri + "/statuses/1", Type: activitypub.TypeNote, AttributedTo: uri,
				Content: "<p>@alice the rota is in the shared folder.</p>", To: []string{activitypub.PublicIRI},
				CC: []string{h.Followers, alice.URI}, Published: e.now(),
				Tags: []activitypub.Tag{{Type: activitypub.TagMention, Href: alice.URI, Name: "@alice"}}}
			act := activitypub.Activity{ID: note.ID + "/activity", Type: activitypub.TypeCreate, Actor: uri,
				To: note.To, CC: note.CC, Object: activitypub.Object{IRI: note.ID, Type: note.Type, Note: &note}}
			body, err := activitypub.MarshalActivity(act)
			if err != nil {
				t.Fatal(err)
			}
			for range tt.sends {
				if err := e.Receive(ctx, body, uri); err != nil {
					t.Fatalf("receive: %v", err)
				}
			}

			_, err = e.store.StatusByURI(ctx, note.ID)
			if applied := err == nil; applied != tt.wantApplied {
				t.Errorf("note stored when Receive returned: %v (%v), want %v", applied, err, tt.wantApplied)
			}
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatal(err)
			}
			ns, err := e.store.NotificationPage(ctx, alice.ID, storage.NotificationFilter{Types: []string{storage.NotifyMention}}, storage.Page{Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1}[tt.wantApplied]; len(ns) != want {
				t.Errorf("alice has %d mention notifications, want %d", len(ns), want)
			}
			items, err := e.store.DueInboxItems(ctx, e.now().Add(48*time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.wantQueued {
				t.Errorf("%d activities queued, want %d", len(items), tt.wantQueued)
			}
		})
	}
}

// TestReceiveNotifiesOnceAMember: a post that names one member
// thousands of times (her IRI with a different fragment each time, in
// cc and in its Mention tags) gives her one notification, and one that
// names hundreds of members notifies no more than maxAddressees.
func TestReceiveNotifiesOnceAMember(t *testing.T) {
	const uri = "https://mastodon.example/users/mallory"
	tests := []struct {
		name    string
		members int // named, each many times
		times   int
		want    int // notifications in all
	}{
		{"one member named 1,500 times", 1, 1500, 1},
		{"300 members named twice", 300, 2, maxAddressees},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := testEngine(t)
			remotePerson(t, e, "mallory", "mastodon.example")
			members := bareMembers(t, e, "m", tt.members)
			note := activitypub.Note{ID: uri + "/statuses/1", Type: activitypub.TypeNote, AttributedTo: uri,
				Content: "<p>hello</p>", To: []string{activitypub.PublicIRI}, Published: e.now()}
			for i := range tt.times {
				for _, a := range members {
					iri := fmt.Sprintf("%s#%d", a.URI, i)
					note.CC = append(note.CC, iri)
					note.Tags = append(note.Tags, activitypub.Tag{Type: activitypub.TagMention, Href: iri, Name: "@" + a.Username})
				}
			}
			act := activitypub.Activity{ID: note.ID + "/activity", Type: activitypub.TypeCreate, Actor: uri,
				To: note.To, CC: note.CC, Object: activitypub.Object{IRI: note.ID, Type: note.Type, Note: &note}}
			body, err := activitypub.MarshalActivity(act)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Receive(ctx, body, uri); err != nil {
				t.Fatalf("receive: %v", err)
			}
			got := 0
			for _, a := range members {
				ns, err := e.store.Notifications(ctx, a.ID, storage.Page{Limit: 40})
				if err != nil {
					t.Fatal(err)
				}
				if len(ns) > 1 {
					t.Errorf("%s has %d notifications; want at most 1", a.Username, len(ns))
				}
				got += len(ns)
			}
			if got != tt.want {
				t.Errorf("%d notifications in all; want %d", got, tt.want)
			}
		})
	}
}

// TestPostResolvesBoundedMentions: a member's post naming 120 members
// resolves the first activitypub.MaxNoteMentions of them (each could be
// a lookup on another node); the rest stay plain text.
func TestPostResolvesBoundedMentions(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	var text strings.Builder
	for _, m := range bareMembers(t, e, "m", 120) {
		fmt.Fprintf(&text, "@%s @%s ", m.Username, m.Username) // each twice
	}
	st, err := e.Post(ctx, alice.ID, Draft{Text: text.String(), Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Mentions) != activitypub.MaxNoteMentions {
		t.Errorf("the post mentions %d accounts; want %d", len(st.Mentions), activitypub.MaxNoteMentions)
	}
}

// bareMembers stores n members named prefix0, prefix1, ... without
// passwords or keys: quicker than CreateMember, for tests that need
// hundreds of them.
func bareMembers(t *testing.T, e *Engine, prefix string, n int) []storage.Account {
	t.Helper()
	ctx := context.Background()
	out := make([]storage.Account, 0, n)
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range n {
			name := fmt.Sprintf("%s%d", prefix, i)
			a := storage.Account{URI: e.urls.Base + "/users/" + name, Username: name, ActorType: activitypub.TypePerson}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
