package federation

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// shapeOf names what one queued Announce or Undo body carries: "boost"
// (Announce{id}), "Announce{Type}" for an embedded activity, or
// "Undo{Announce <id>}".
func shapeOf(t *testing.T, body []byte) string {
	t.Helper()
	var m struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	var id string
	if json.Unmarshal(m.Object, &id) == nil {
		if m.Type == "Announce" {
			return "boost"
		}
		return m.Type + "{" + id + "}"
	}
	var inner struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(m.Object, &inner); err != nil {
		t.Fatal(err)
	}
	if m.Type == "Undo" {
		return "Undo{" + inner.Type + " " + inner.ID + "}"
	}
	return m.Type + "{" + inner.Type + "}"
}

// followersBySoftware has three remote people follow g, from a Mastodon
// node, a Lemmy node and a node whose NodeInfo could not be read
// (unknown), and returns a function that drains what each node was sent
// since its last call, by the node's name.
func followersBySoftware(t *testing.T, e *Engine, g storage.Account) func() map[string][][]byte {
	t.Helper()
	ctx := context.Background()
	masto, lemmy, unknown := remotePerson(t, e, "m", "masto.example"), remotePerson(t, e, "l", "lemmy.example"),
		remotePerson(t, e, "u", "unknown.example")
	for _, p := range []storage.Account{masto, lemmy, unknown} {
		joins(t, e, p, g)
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		for host, sw := range map[string]string{"masto.example": "mastodon", "lemmy.example": "lemmy"} {
			if err := tx.PutInstance(ctx, storage.Instance{Host: host, Software: sw, FetchedAt: e.now()}); err != nil {
				return err
			}
		}
		return tx.PutInstance(ctx, storage.Instance{Host: "unknown.example", Failed: true, FetchedAt: e.now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	inboxes := map[string]string{"mastodon": masto.DeliveryInbox(), "lemmy": lemmy.DeliveryInbox(), "unknown": unknown.DeliveryInbox()}
	return func() map[string][][]byte {
		out := map[string][][]byte{}
		for name, in := range inboxes {
			out[name] = sentRaw(t, e, in)
		}
		return out
	}
}

// shapesOf is shapeOf of each body each node was sent.
func shapesOf(t *testing.T, sent map[string][][]byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, bodies := range sent {
		for _, b := range bodies {
			out[name] = append(out[name], shapeOf(t, b))
		}
	}
	return out
}

// checkShapes fails t unless each of the three nodes got exactly the
// shapes want names for it, in any order.
func checkShapes(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for _, name := range []string{"mastodon", "lemmy", "unknown"} {
		g, w := slices.Clone(got[name]), slices.Clone(want[name])
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("%s got %q; want %q", name, got[name], want[name])
		}
	}
}

// TestCommunityRelayByNodeSoftware: likes, deletions and moderators'
// removals of a community's content go as received to group-aware and
// unknown follower nodes and to no Mastodon-like one; when a thread the
// Group boosted is deleted or removed, the nodes that were sent the
// boost (Mastodon-like and unknown) get Undo{Announce} embedding the
// boost's own id, and group-aware ones no Undo.
func TestCommunityRelayByNodeSoftware(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, carol := member(t, e, "alice"), member(t, e, "carol")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	drain := followersBySoftware(t, e, g)
	sent := func() map[string][]string { return shapesOf(t, drain()) }
	boostID := func(thread storage.Status) string {
		rb, err := e.store.ReblogOf(ctx, g.ID, thread.ID)
		if err != nil {
			t.Fatalf("the Group's boost of %s: %v", thread.URI, err)
		}
		return announceOf(rb, thread, g, alice).ID
	}
	post := func(text string, reply storage.ID) storage.Status {
		st, err := e.Post(ctx, alice.ID, Draft{Text: text, InReplyTo: reply})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	removed, deleted := post("@libraries Opening hours", 0), post("@libraries Loans", 0)
	reply := post("On the door.", removed.ID)
	removedBoost, deletedBoost := boostID(removed), boostID(deleted)
	sent() // the threads' and the reply's announces, tested elsewhere

	tests := []struct {
		name string
		do   func() error
		want map[string][]string
	}{
		{"a like of a thread", func() error { return e.Favourite(ctx, carol.ID, removed.ID) },
			map[string][]string{"lemmy": {"Announce{Like}"}, "unknown": {"Announce{Like}"}}},
		{"a like by someone banned from the community", func() error {
			dave := member(t, e, "dave")
			if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: dave.ID, Reason: "spam", ExpiresIn: time.Hour}); err != nil {
				return err
			}
			sent() // the ban's Block
			return e.Favourite(ctx, dave.ID, removed.ID)
		}, map[string][]string{}},
		{"a reply removed by a moderator", func() error { return e.RemoveCommunityPost(ctx, alice, g.ID, reply.ID, "off topic") },
			map[string][]string{"lemmy": {"Announce{Delete}"}, "unknown": {"Announce{Delete}"}}},
		{"a thread removed by a moderator", func() error { return e.RemoveCommunityPost(ctx, alice, g.ID, removed.ID, "spam") },
			map[string][]string{"lemmy": {"Announce{Delete}"}, "unknown": {"Announce{Delete}", "Undo{Announce " + removedBoost + "}"},
				"mastodon": {"Undo{Announce " + removedBoost + "}"}}},
		{"a thread deleted by its author", func() error { _, err := e.DeleteStatus(ctx, alice.ID, deleted.ID); return err },
			map[string][]string{"lemmy": {"Announce{Delete}"}, "unknown": {"Announce{Delete}", "Undo{Announce " + deletedBoost + "}"},
				"mastodon": {"Undo{Announce " + deletedBoost + "}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			checkShapes(t, sent(), tt.want)
		})
	}

	// A ban that removes the member's posts takes back the Group's
	// boosts of their threads on the nodes that got them.
	t.Run("a thread removed by a ban with removeData", func(t *testing.T) {
		joins(t, e, carol, g)
		thread, err := e.Post(ctx, carol.ID, Draft{Text: "@libraries Late returns"})
		if err != nil {
			t.Fatal(err)
		}
		boost := boostID(thread)
		sent()
		if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: carol.ID, Reason: "spam", RemoveData: true}); err != nil {
			t.Fatal(err)
		}
		if got, want := sent()["mastodon"], []string{"Undo{Announce " + boost + "}"}; !slices.Equal(got, want) {
			t.Errorf("mastodon got %q; want %q", got, want)
		}
	})
}

// TestBannedFollowerGetsNoAnnounces: a ban with an end keeps the
// membership (the follow) but not the community's content: while it
// runs, the banned member's node, where no other member follows, is sent
// the ban's Block and none of the Group's posts; a node whose other
// followers are not banned still gets them; what takes content back (a
// moderator's removal) still reaches the banned member's node, so it
// drops what it holds; once the ban has ended, the member's node gets
// the posts again.
func TestBannedFollowerGetsNoAnnounces(t *testing.T) {
	ctx := context.Background()
	e, now := pollEngine(t)
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	banned, other := remotePerson(t, e, "ben", "lemmy-b.example"), remotePerson(t, e, "lou", "lemmy-l.example")
	for _, p := range []storage.Account{banned, other} {
		joins(t, e, p, g)
	}
	shapes := func(bodies [][]byte) []string {
		var out []string
		for _, b := range bodies {
			out = append(out, shapeOf(t, b))
		}
		return out
	}
	thread := func(text string) storage.Status {
		t.Helper()
		st, err := e.Post(ctx, alice.ID, Draft{Text: "@libraries " + text})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	before := thread("Rules")
	sentRaw(t, e, banned.DeliveryInbox())
	sentRaw(t, e, other.DeliveryInbox())
	if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: banned.ID, Reason: "spam", ExpiresIn: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := shapes(sentRaw(t, e, banned.DeliveryInbox())); len(got) != 1 || got[0] != "Announce{Block}" {
		t.Fatalf("the banned member's node got %q; want only the ban's Announce{Block}", got)
	}
	sentRaw(t, e, other.DeliveryInbox())

	thread("Opening hours")
	if got := sentRaw(t, e, banned.DeliveryInbox()); len(got) != 0 {
		t.Errorf("during the ban the banned member's node got %q; want nothing", shapes(got))
	}
	if got := sentRaw(t, e, other.DeliveryInbox()); len(got) == 0 {
		t.Error("during the ban the other member's node got nothing; want the thread")
	}
	if err := e.RemoveCommunityPost(ctx, alice, g.ID, before.ID, "out of date"); err != nil {
		t.Fatal(err)
	}
	if got := shapes(sentRaw(t, e, banned.DeliveryInbox())); !slices.Contains(got, "Announce{Delete}") {
		t.Errorf("during the ban a removal reached the banned member's node as %q; want Announce{Delete}", got)
	}

	*now = now.Add(2 * time.Hour)
	thread("Loans")
	if got := sentRaw(t, e, banned.DeliveryInbox()); len(got) == 0 {
		t.Error("after the ban the member's node got nothing; want the thread")
	}
}
