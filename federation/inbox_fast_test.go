package federation

import (
	"context"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestApplyCreateActorLookup: a note mentioning alice is applied, and
// alice notified, whatever the node knows of its author: an author stored
// and fresh is not fetched again; one unknown, or stored longer ago than
// actorRefresh, is fetched from its origin first (and stored anew); a
// stale one whose origin is down is still applied with what is stored.
func TestApplyCreateActorLookup(t *testing.T) {
	const uri = "https://mastodon.example/users/hanna"
	tests := []struct {
		name        string
		stored      time.Duration // how long ago the author was fetched; 0: not stored
		originUp    bool
		wantFetches int32
		wantName    string // the author's display name afterwards
	}{
		{"known and fresh", time.Minute, true, 0, "Hanna (stored)"},
		{"unknown", 0, true, 1, "Hanna (origin)"},
		{"stale", actorRefresh + time.Hour, true, 1, "Hanna (origin)"},
		{"stale, origin down", actorRefresh + time.Hour, false, 1, "Hanna (stored)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			origin := &originTransport{}
			e := originEngine(t, origin)
			alice := member(t, e, "alice")
			h := storage.Account{URI: uri, Username: "hanna", Domain: "mastodon.example", ActorType: activitypub.TypePerson,
				DisplayName: "Hanna (stored)", Inbox: uri + "/inbox", SharedInbox: "https://mastodon.example/inbox",
				Followers: uri + "/followers", FetchedAt: e.now().Add(-tt.stored)}
			if tt.stored > 0 {
				if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &h) }); err != nil {
					t.Fatal(err)
				}
			}
			if tt.originUp {
				origin.serve(uri, hannaProfile(h, "Hanna (origin)", time.Time{}))
			}
			note := activitypub.Note{ID: uri + "/statuses/1", Type: activitypub.TypeNote, AttributedTo: uri,
				Content: "<p>@alice the routine is on the shared drive.</p>", To: []string{activitypub.PublicIRI},
				CC: []string{h.Followers, alice.URI}, Published: e.now(),
				Tags: []activitypub.Tag{{Type: activitypub.TagMention, Href: alice.URI, Name: "@alice"}}}
			act := activitypub.Activity{ID: note.ID + "/activity", Type: activitypub.TypeCreate, Actor: uri,
				To: note.To, CC: note.CC, Object: activitypub.Object{IRI: note.ID, Type: note.Type, Note: &note}}
			if err := e.Apply(ctx, act); err != nil {
				t.Fatalf("apply: %v", err)
			}
			if got := origin.fetch.Load(); got != tt.wantFetches {
				t.Errorf("%d fetches of the author, want %d", got, tt.wantFetches)
			}
			author, err := e.store.AccountByURI(ctx, uri)
			if err != nil {
				t.Fatal(err)
			}
			if author.DisplayName != tt.wantName {
				t.Errorf("author's name %q, want %q", author.DisplayName, tt.wantName)
			}
			ns, err := e.store.NotificationPage(ctx, alice.ID, storage.NotificationFilter{Types: []string{storage.NotifyMention}}, storage.Page{Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].FromAccountID != author.ID {
				t.Errorf("alice's mention notifications: %+v; want one from hanna", ns)
			}
		})
	}
}
