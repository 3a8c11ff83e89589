package federation

import (
	"context"
	"errors"
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
