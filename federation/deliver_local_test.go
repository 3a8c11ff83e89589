package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// TestDeliverLocalMembersAlike: a post and a boost reach the members here
// the same way whether a member here or a peer made them (deliverLocal):
// the author's follower gets them in her home feed, the member mentioned
// (or boosted) is notified, and the streams hear of both.
func TestDeliverLocalMembersAlike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		local bool
	}{
		{"local author", true},
		{"remote author", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := testEngine(t)
			ctx := context.Background()
			alice, dave := member(t, e, "alice"), member(t, e, "dave")
			var author storage.Account
			if tt.local {
				author = member(t, e, "bob")
			} else {
				author = remotePerson(t, e, "bob", "mastodon.example")
			}
			// alice follows the author, boosts shown.
			f := storage.Follow{AccountID: alice.ID, TargetID: author.ID, URI: alice.URI + "#follows/bob", ShowReblogs: true}
			if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertFollow(ctx, &f) }); err != nil {
				t.Fatal(err)
			}
			davesPost, err := e.Post(ctx, dave.ID, Draft{Text: "Our enquiry routine", Visibility: activitypub.Public})
			if err != nil {
				t.Fatal(err)
			}
			sub := e.Subscribe()
			defer sub.Close()

			// A post that mentions dave.
			var st storage.Status
			if tt.local {
				st, err = e.Post(ctx, author.ID, Draft{Text: "@dave how do you keep it?", Visibility: activitypub.Public})
			} else {
				note := map[string]any{"id": author.URI + "/notes/1", "type": "Note", "attributedTo": author.URI,
					"content": "<p>@dave how do you keep it?</p>", "to": []string{activitypub.PublicIRI},
					"cc":  []string{author.Followers, dave.URI},
					"tag": []any{map[string]any{"type": "Mention", "href": dave.URI, "name": "@dave@council-a.example"}}}
				apply(t, e, map[string]any{"id": author.URI + "/activities/1", "type": "Create", "actor": author.URI,
					"to": note["to"], "cc": note["cc"], "object": note})
				st, err = e.store.StatusByURI(ctx, author.URI+"/notes/1")
			}
			if err != nil {
				t.Fatal(err)
			}
			got := events(t, sub, 2)
			if up := got[EventUpdate]; up.StatusID != st.ID || !slices.Contains(up.Home, alice.ID) || up.Local != tt.local {
				t.Errorf("update event %+v; want status %d in alice's home, local %v", up, st.ID, tt.local)
			}
			if n := got[EventNotification]; !slices.Equal(n.Home, []storage.ID{dave.ID}) {
				t.Errorf("notification event %+v; want dave's", n)
			}
			if !inHome(t, e, alice.ID, st) {
				t.Error("the post is not in alice's home feed")
			}
			if !notifiedOf(t, e, dave.ID, storage.NotifyMention, st.ID) {
				t.Error("dave is not notified of the mention")
			}

			// A boost of dave's post.
			var rb storage.Status
			if tt.local {
				rb, err = e.Reblog(ctx, author.ID, davesPost.ID, activitypub.Public)
			} else {
				apply(t, e, map[string]any{"id": author.URI + "/activities/2", "type": "Announce", "actor": author.URI,
					"to": []string{activitypub.PublicIRI}, "cc": []string{author.Followers, dave.URI}, "object": davesPost.URI})
				rb, err = e.store.StatusByURI(ctx, author.URI+"/activities/2")
			}
			if err != nil {
				t.Fatal(err)
			}
			got = events(t, sub, 2)
			if up := got[EventUpdate]; up.StatusID != rb.ID || !slices.Contains(up.Home, alice.ID) {
				t.Errorf("update event %+v; want boost %d in alice's home", up, rb.ID)
			}
			if !inHome(t, e, alice.ID, rb) {
				t.Error("the boost is not in alice's home feed")
			}
			if !notifiedOf(t, e, dave.ID, storage.NotifyReblog, davesPost.ID) {
				t.Error("dave is not notified of the boost")
			}
		})
	}
}

// apply applies a peer's activity as the inbox worker does, with its body.
func apply(t *testing.T, e *Engine, doc map[string]any) {
	t.Helper()
	doc["@context"] = "https://www.w3.org/ns/activitystreams"
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	act, err := activitypub.ParseActivity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(withInboxBody(context.Background(), raw), act); err != nil {
		t.Fatalf("apply %s: %v", doc["id"], err)
	}
}

func notifiedOf(t *testing.T, e *Engine, account storage.ID, typ string, status storage.ID) bool {
	t.Helper()
	ns, err := e.store.Notifications(context.Background(), account, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(ns, func(n storage.Notification) bool { return n.Type == typ && n.StatusID == status })
}

// BenchmarkApplyCreate measures the engine's part of the inbox for the
// commonest activity: a peer's Create{Note} by an author a member follows,
// mentioning another member, applied with its body as the inbox worker
// does (stored, fanned out to members, offered to Groups). Signature
// checks and HTTP are left out (BenchmarkInboxCreate in web/e2e has them).
func BenchmarkApplyCreate(b *testing.B) {
	ctx := context.Background()
	store, err := storage.Open(ctx, filepath.Join(b.TempDir(), "copse.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: testkit.Keys()})
	if err := e.Init(ctx); err != nil {
		b.Fatal(err)
	}
	alice, err := e.CreateMember(ctx, NewMember{Username: "alice", Email: "alice@council-a.example", Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	dave, err := e.CreateMember(ctx, NewMember{Username: "dave", Email: "dave@council-a.example", Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	bob := storage.Account{URI: "https://mastodon.example/users/bob", Username: "bob", Domain: "mastodon.example",
		ActorType: activitypub.TypePerson, Inbox: "https://mastodon.example/users/bob/inbox",
		SharedInbox: "https://mastodon.example/inbox", Followers: "https://mastodon.example/users/bob/followers", FetchedAt: e.now()}
	f := storage.Follow{AccountID: alice.ID, URI: alice.URI + "#follows/bob"}
	if err := store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAccount(ctx, &bob); err != nil {
			return err
		}
		f.TargetID = bob.ID
		return tx.InsertFollow(ctx, &f)
	}); err != nil {
		b.Fatal(err)
	}
	type item struct {
		raw []byte
		act activitypub.Activity
	}
	items := make([]item, b.N)
	for i := range items {
		note := map[string]any{"id": fmt.Sprintf("%s/notes/%d", bob.URI, i), "type": "Note", "attributedTo": bob.URI,
			"content": "<p>@dave how do you keep the enquiry routine?</p>", "to": []string{activitypub.PublicIRI},
			"cc":  []string{bob.Followers, dave.URI},
			"tag": []any{map[string]any{"type": "Mention", "href": dave.URI, "name": "@dave@council-a.example"}}}
		raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": fmt.Sprintf("%s/activities/%d", bob.URI, i), "type": "Create", "actor": bob.URI,
			"to": note["to"], "cc": note["cc"], "object": note})
		if err != nil {
			b.Fatal(err)
		}
		act, err := activitypub.ParseActivity(raw)
		if err != nil {
			b.Fatal(err)
		}
		items[i] = item{raw, act}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, it := range items {
		if err := e.Apply(withInboxBody(ctx, it.raw), it.act); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFanOutLeavesOutBlockers: of an author's followers here, one who
// blocks the author does not get the post in her home feed; the others
// do (the blockers of a post's readers are read in one query).
func TestFanOutLeavesOutBlockers(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx := context.Background()
	bob := member(t, e, "bob")
	readers := []storage.Account{member(t, e, "alice"), member(t, e, "carol"), member(t, e, "dave")}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		for _, r := range readers {
			if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: r.ID, TargetID: bob.ID, URI: r.URI + "#follows/bob"}); err != nil {
				return err
			}
		}
		return tx.InsertBlock(ctx, readers[1].ID, bob.ID, readers[1].URI+"#blocks/bob") // carol
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.Post(ctx, bob.ID, Draft{Text: "Opening hours changed", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range readers {
		home, err := e.store.HomeTimeline(ctx, r.ID, storage.Page{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		got := slices.ContainsFunc(home, func(s storage.Status) bool { return s.ID == st.ID })
		if want := i != 1; got != want {
			t.Errorf("%s has the post in her home feed: %v; want %v", r.Username, got, want)
		}
	}
}

// TestFanOutNotifiesMentionedButNotBlockers: of the members a post names,
// those who block its author get no notification and, for a direct post,
// nothing in their home feed; the others get both (the blockers among
// them are read in one query).
func TestFanOutNotifiesMentionedButNotBlockers(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx := context.Background()
	bob := member(t, e, "bob")
	named := []storage.Account{member(t, e, "erin"), member(t, e, "frank"), member(t, e, "gwen")}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.InsertBlock(ctx, named[1].ID, bob.ID, named[1].URI+"#blocks/bob") // frank
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, vis := range []activitypub.Visibility{activitypub.Public, activitypub.Direct} {
		st, err := e.Post(ctx, bob.ID, Draft{Text: "@erin @frank @gwen the rota is up (" + string(vis) + ")", Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range named {
			want := i != 1
			ns, err := e.store.Notifications(ctx, r.ID, storage.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(ns, func(n storage.Notification) bool {
				return n.StatusID == st.ID && n.Type == storage.NotifyMention
			})
			if got != want {
				t.Errorf("%s post: %s notified of the mention: %v; want %v", vis, r.Username, got, want)
			}
			if vis != activitypub.Direct {
				continue
			}
			home, err := e.store.HomeTimeline(ctx, r.ID, storage.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.ContainsFunc(home, func(s storage.Status) bool { return s.ID == st.ID }); got != want {
				t.Errorf("direct post: %s has it in her home feed: %v; want %v", r.Username, got, want)
			}
		}
	}
}
