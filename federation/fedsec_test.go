package federation

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// sentTo returns the activities queued for any of inboxes, oldest first,
// and takes them off the queue.
func sentTo(t *testing.T, e *Engine, inboxes ...string) []activitypub.Activity {
	t.Helper()
	var out []activitypub.Activity
	for _, in := range inboxes {
		out = append(out, sent(t, e, in)...)
	}
	return out
}

// ofType keeps the activities of type typ.
func ofType(acts []activitypub.Activity, typ string) []activitypub.Activity {
	var out []activitypub.Activity
	for _, a := range acts {
		if a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// hannaVotes applies hanna's vote for option in the poll of st, as her
// server sends it.
func hannaVotes(t *testing.T, e *Engine, h storage.Account, author storage.Account, st storage.Status, slug, option string) {
	t.Helper()
	n := activitypub.Note{ID: h.URI + "#votes/" + slug, Type: activitypub.TypeNote, AttributedTo: h.URI,
		Name: option, InReplyTo: st.URI, To: []string{author.URI}}
	act := activitypub.Activity{ID: n.ID + "/activity", Type: activitypub.TypeCreate, Actor: h.URI, To: n.To,
		Object: activitypub.Object{IRI: n.ID, Type: n.Type, Note: &n}}
	if err := e.Apply(context.Background(), act); err != nil {
		t.Fatalf("apply vote: %v", err)
	}
}

// TestRemoteVoteVisibility: a peer's vote passes the rule a member's vote
// through the API does. A voter who may not see the poll is not counted
// and is sent nothing about it (issue 10, item 1).
func TestRemoteVoteVisibility(t *testing.T) {
	tests := []struct {
		name    string
		vis     activitypub.Visibility
		follows bool // hanna follows alice
		blocked bool // alice blocks hanna
		counted bool // the vote counts, and hanna is sent the new counts
	}{
		{name: "non-follower, followers-only poll", vis: activitypub.FollowersOnly},
		{name: "follower, followers-only poll", vis: activitypub.FollowersOnly, follows: true, counted: true},
		{name: "non-follower, public poll", vis: activitypub.Public, counted: true},
		{name: "blocked, public poll", vis: activitypub.Public, blocked: true},
		{name: "non-follower, direct poll", vis: activitypub.Direct},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, now := pollEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			h := hanna(t, e)
			if tt.follows {
				follows(t, e, h, alice)
			}
			if tt.blocked {
				if err := e.Block(ctx, alice.ID, h.ID); err != nil {
					t.Fatal(err)
				}
			}
			st, err := e.Post(ctx, alice.ID, Draft{Text: "Which routine next?", Visibility: tt.vis,
				Poll: &PollDraft{Options: []string{"audits", "enquiries"}, ExpiresIn: time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			sentTo(t, e, h.SharedInbox, h.Inbox) // the Create (to a follower) and the Block

			hannaVotes(t, e, h, alice, st, "1", "audits")

			counts, voters := pollCounts(t, e, st.ID)
			if got := voters == 1 && slices.Equal(counts, []int{1, 0}); got != tt.counted {
				t.Errorf("counts %v, %d voters; counted = %v, want %v", counts, voters, got, tt.counted)
			}
			*now = now.Add(pollUpdateDelay) // the counts of those minutes go together
			if _, err := e.SendPollUpdates(ctx); err != nil {
				t.Fatal(err)
			}
			updates := ofType(sentTo(t, e, h.SharedInbox, h.Inbox), activitypub.TypeUpdate)
			if tt.counted != (len(updates) == 1) {
				t.Errorf("sent hanna %d Update{Question}; want one: %v", len(updates), tt.counted)
			}
		})
	}
}

// TestPollUpdatesOnlyToVotersWhoSee: a voter who stops following the
// author of a followers-only poll is sent no more counts, and a member
// who did is not notified when it ends.
func TestPollUpdatesOnlyToVotersWhoSee(t *testing.T) {
	e, now := pollEngine(t)
	ctx := context.Background()
	alice, bob, carol := member(t, e, "alice"), member(t, e, "bob"), member(t, e, "carol")
	h := hanna(t, e)
	follows(t, e, h, alice)
	follows(t, e, bob, alice)
	follows(t, e, carol, alice)
	st, err := e.Post(ctx, alice.ID, Draft{Text: "Which routine next?", Visibility: activitypub.FollowersOnly,
		Poll: &PollDraft{Options: []string{"audits", "enquiries"}, ExpiresIn: time.Hour, Multiple: true}})
	if err != nil {
		t.Fatal(err)
	}
	hannaVotes(t, e, h, alice, st, "1", "audits")
	if _, err := e.Vote(ctx, bob.ID, st.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	if got := ofType(sentTo(t, e, h.SharedInbox), activitypub.TypeUpdate); len(got) != 0 {
		t.Fatalf("hanna was sent %d Updates at once; want the counts of those minutes together, later", len(got))
	}
	*now = now.Add(pollUpdateDelay)
	if n, err := e.SendPollUpdates(ctx); err != nil || n != 1 {
		t.Fatalf("SendPollUpdates = %d, %v; want the one poll", n, err)
	}
	if got := ofType(sentTo(t, e, h.SharedInbox), activitypub.TypeUpdate); len(got) != 1 {
		t.Fatalf("hanna, a follower, was sent %d Updates for two votes; want one", len(got))
	}

	// hanna and bob unfollow; carol votes, and the poll ends.
	undo := activitypub.Activity{ID: h.URI + "#undo-follow", Type: activitypub.TypeUndo, Actor: h.URI,
		Object: activitypub.Object{Type: activitypub.TypeFollow, IRI: h.URI + "#follows/alice",
			Activity: &activitypub.Activity{ID: h.URI + "#follows/alice", Type: activitypub.TypeFollow, Actor: h.URI, Object: activitypub.Object{IRI: alice.URI}}}}
	if err := e.Apply(ctx, undo); err != nil {
		t.Fatal(err)
	}
	if err := e.Unfollow(ctx, bob.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Vote(ctx, carol.ID, st.ID, []int{0}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Hour)
	if n, err := e.EndPolls(ctx); err != nil || n != 1 {
		t.Fatalf("EndPolls = %d, %v", n, err)
	}
	if got := sentTo(t, e, h.SharedInbox, h.Inbox); len(got) != 0 {
		t.Errorf("hanna, no longer a follower, was sent %d activities: %+v", len(got), got)
	}
	if notified(t, e, bob, st.ID) {
		t.Error("bob, no longer a follower, was notified of the poll's end")
	}
	if !notified(t, e, carol, st.ID) {
		t.Error("carol, a follower who voted, was not notified of the poll's end")
	}
}

// TestFollowersOnlyReplyAudience: a followers-only reply goes to the
// author it answers only if they may see it, as on Mastodon.
func TestFollowersOnlyReplyAudience(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		follows bool // hanna follows alice
		want    bool // hanna is sent the reply
	}{
		{name: "not following, not mentioned", text: "Agreed."},
		{name: "mentioned", text: "@hanna@mastodon.example agreed.", want: true},
		{name: "following", text: "Agreed.", follows: true, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := pollEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			h := hanna(t, e)
			if tt.follows {
				follows(t, e, h, alice)
			}
			parent := storage.Status{URI: h.URI + "/statuses/9", AccountID: h.ID, Content: "<p>A routine?</p>",
				Visibility: activitypub.Public}
			if err := e.store.InTx(ctx, func(tx *storage.Tx) error {
				parent.ID = tx.NewID()
				return tx.InsertStatus(ctx, &parent)
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Post(ctx, alice.ID, Draft{Text: tt.text, Visibility: activitypub.FollowersOnly, InReplyTo: parent.ID}); err != nil {
				t.Fatal(err)
			}
			creates := ofType(sentTo(t, e, h.SharedInbox, h.Inbox), activitypub.TypeCreate)
			if got := len(creates) == 1; got != tt.want {
				t.Errorf("hanna was sent %d Creates; want the reply: %v", len(creates), tt.want)
			}
		})
	}
}

// TestUndoEmbedsOriginal: every Undo, Delete and Remove the engine sends
// names the activity or object that was sent before, by its id (issue 10,
// item 6). Doing a thing twice sends nothing new, so there is one to name.
func TestUndoEmbedsOriginal(t *testing.T) {
	tests := []struct {
		name     string
		do, undo func(e *Engine, alice, h storage.Account, st storage.Status) error
		first    string // type of what do sends
		second   string // type of what undo sends
		// objectOf is the id undo must name, given what do sent.
		objectOf func(first activitypub.Activity) string
	}{
		{
			name: "unfollow", first: activitypub.TypeFollow, second: activitypub.TypeUndo,
			do: func(e *Engine, alice, h storage.Account, _ storage.Status) error {
				if err := e.Follow(context.Background(), alice.ID, h.ID, FollowOptions{}); err != nil {
					return err
				}
				// Asked again while pending: the request stands, nothing is sent.
				return e.Follow(context.Background(), alice.ID, h.ID, FollowOptions{ShowReblogs: true})
			},
			undo: func(e *Engine, alice, h storage.Account, _ storage.Status) error {
				return e.Unfollow(context.Background(), alice.ID, h.ID)
			},
			objectOf: func(a activitypub.Activity) string { return a.ID },
		},
		{
			name: "unblock", first: activitypub.TypeBlock, second: activitypub.TypeUndo,
			do: func(e *Engine, alice, h storage.Account, _ storage.Status) error {
				if err := e.Block(context.Background(), alice.ID, h.ID); err != nil {
					return err
				}
				return e.Block(context.Background(), alice.ID, h.ID)
			},
			undo: func(e *Engine, alice, h storage.Account, _ storage.Status) error {
				return e.Unblock(context.Background(), alice.ID, h.ID)
			},
			objectOf: func(a activitypub.Activity) string { return a.ID },
		},
		{
			name: "unfavourite", first: activitypub.TypeLike, second: activitypub.TypeUndo,
			do: func(e *Engine, alice, _ storage.Account, st storage.Status) error {
				if err := e.Favourite(context.Background(), alice.ID, st.ID); err != nil {
					return err
				}
				return e.Favourite(context.Background(), alice.ID, st.ID)
			},
			undo: func(e *Engine, alice, _ storage.Account, st storage.Status) error {
				return e.Unfavourite(context.Background(), alice.ID, st.ID)
			},
			objectOf: func(a activitypub.Activity) string { return a.ID },
		},
		{
			name: "unreblog", first: activitypub.TypeAnnounce, second: activitypub.TypeUndo,
			do: func(e *Engine, alice, _ storage.Account, st storage.Status) error {
				if _, err := e.Reblog(context.Background(), alice.ID, st.ID, ""); err != nil {
					return err
				}
				_, err := e.Reblog(context.Background(), alice.ID, st.ID, "")
				return err
			},
			undo: func(e *Engine, alice, _ storage.Account, st storage.Status) error {
				return e.Unreblog(context.Background(), alice.ID, st.ID)
			},
			objectOf: func(a activitypub.Activity) string { return a.ID },
		},
		{
			name: "delete a reblog", first: activitypub.TypeAnnounce, second: activitypub.TypeUndo,
			do: func(e *Engine, alice, _ storage.Account, st storage.Status) error {
				_, err := e.Reblog(context.Background(), alice.ID, st.ID, "")
				return err
			},
			undo: func(e *Engine, alice, _ storage.Account, st storage.Status) error {
				rb, err := e.store.ReblogOf(context.Background(), alice.ID, st.ID)
				if err != nil {
					return err
				}
				_, err = e.DeleteStatus(context.Background(), alice.ID, rb.ID)
				return err
			},
			objectOf: func(a activitypub.Activity) string { return a.ID },
		},
		{
			name: "delete a status", first: activitypub.TypeCreate, second: activitypub.TypeDelete,
			do: func(e *Engine, alice, _ storage.Account, _ storage.Status) error {
				_, err := e.Post(context.Background(), alice.ID, Draft{Text: "@hanna@mastodon.example the routine"})
				return err
			},
			undo: func(e *Engine, alice, _ storage.Account, _ storage.Status) error {
				sts, err := e.store.AccountStatusPage(context.Background(), alice.ID, storage.AccountStatusFilter{Visibilities: []activitypub.Visibility{activitypub.Public}}, storage.Page{Limit: 1})
				if err != nil || len(sts) != 1 {
					return errors.Join(err, errors.New("no status of alice"))
				}
				_, err = e.DeleteStatus(context.Background(), alice.ID, sts[0].ID)
				return err
			},
			objectOf: func(a activitypub.Activity) string { return a.Object.IRI },
		},
		{
			name: "unpin", first: "Add", second: "Remove",
			do: func(e *Engine, alice, _ storage.Account, _ storage.Status) error {
				st, err := e.Post(context.Background(), alice.ID, Draft{Text: "Our routine"})
				if err != nil {
					return err
				}
				if err := e.Pin(context.Background(), alice.ID, st.ID); err != nil {
					return err
				}
				return e.Pin(context.Background(), alice.ID, st.ID)
			},
			undo: func(e *Engine, alice, _ storage.Account, _ storage.Status) error {
				sts, err := e.store.AccountStatusPage(context.Background(), alice.ID, storage.AccountStatusFilter{Visibilities: []activitypub.Visibility{activitypub.Public}}, storage.Page{Limit: 1})
				if err != nil || len(sts) != 1 {
					return errors.Join(err, errors.New("no status of alice"))
				}
				return e.Unpin(context.Background(), alice.ID, sts[0].ID)
			},
			objectOf: func(a activitypub.Activity) string { return a.Object.IRI },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := pollEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			h := hanna(t, e)
			follows(t, e, h, alice) // so Add and Remove reach hanna
			st := storage.Status{URI: h.URI + "/statuses/7", AccountID: h.ID, Content: "<p>A routine</p>",
				Visibility: activitypub.Public}
			if err := e.store.InTx(ctx, func(tx *storage.Tx) error {
				st.ID = tx.NewID()
				return tx.InsertStatus(ctx, &st)
			}); err != nil {
				t.Fatal(err)
			}

			if err := tt.do(e, alice, h, st); err != nil {
				t.Fatalf("do: %v", err)
			}
			firsts := ofType(sentTo(t, e, h.SharedInbox, h.Inbox), tt.first)
			if len(firsts) != 1 {
				t.Fatalf("hanna was sent %d %s; want 1", len(firsts), tt.first)
			}
			if err := tt.undo(e, alice, h, st); err != nil {
				t.Fatalf("undo: %v", err)
			}
			seconds := ofType(sentTo(t, e, h.SharedInbox, h.Inbox), tt.second)
			if len(seconds) != 1 {
				t.Fatalf("hanna was sent %d %s; want 1", len(seconds), tt.second)
			}
			want, got := tt.objectOf(firsts[0]), seconds[0].Object.IRI
			if got != want || got == "" {
				t.Errorf("%s names %q; want %q, what was sent first", tt.second, got, want)
			}
			if inner := seconds[0].Object.Activity; inner != nil && (inner.ID != want || inner.Type != tt.first) {
				t.Errorf("%s embeds %s %q; want %s %q", tt.second, inner.Type, inner.ID, tt.first, want)
			}
		})
	}
}

// TestCanSeeStorageError: a failed query is an error, not "not visible"
// (issue 10, item 16).
func TestCanSeeStorageError(t *testing.T) {
	e, _ := pollEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	follows(t, e, bob, alice)
	st, err := e.Post(ctx, alice.ID, Draft{Text: "For followers", Visibility: activitypub.FollowersOnly})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.CanSee(ctx, bob, st); err != nil || !ok {
		t.Fatalf("follower: CanSee = %v, %v; want true", ok, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if ok, err := e.CanSee(cancelled, bob, st); err == nil || ok {
		t.Errorf("CanSee with a failing store = %v, %v; want an error", ok, err)
	}
}

// TestFanOutStorageErrorRollsBack: a query that fails while a post fans
// out fails the post, and nothing of it commits; before, the follower
// was quietly left out of the feed and the post committed.
func TestFanOutStorageErrorRollsBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "copse.db")
	store, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}})
	ctx := context.Background()
	if err := e.Init(ctx); err != nil {
		t.Fatal(err)
	}
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	follows(t, e, bob, alice)

	// Break the blocks table under the store, as a corrupt or locked
	// database would break a query: fanOut asks it of every reader.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `ALTER TABLE blocks RENAME TO blocks_away`); err != nil {
		t.Fatal(err)
	}

	_, err = e.Post(ctx, alice.ID, Draft{Text: "Reaches all followers or none"})
	if err == nil {
		t.Fatal("Post succeeded while its fan-out could not read blocks")
	}
	n, err := store.CountStatuses(ctx, alice.ID, []activitypub.Visibility{activitypub.Public})
	if err != nil || n != 0 {
		t.Errorf("alice has %d statuses (%v) after a failed post; want 0", n, err)
	}
	if ds, err := store.DueDeliveries(ctx, time.Now().Add(time.Hour), 10); err != nil || len(ds) != 0 {
		t.Errorf("deliveries queued after a failed post: %d (%v)", len(ds), err)
	}
}
