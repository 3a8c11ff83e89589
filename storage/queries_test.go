package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// storeStatus stores a status by author; tweak adjusts it first.
func storeStatus(t *testing.T, s *Store, author Account, tweak func(*Status)) Status {
	t.Helper()
	ctx := context.Background()
	st := Status{AccountID: author.ID, Content: "<p>hello</p>", Visibility: activitypub.Public, Local: author.Local()}
	if tweak != nil {
		tweak(&st)
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if st.ID == 0 {
			st.ID = tx.NewID()
		}
		if st.URI == "" {
			st.URI = fmt.Sprintf("https://%s/statuses/%d", hostOr(author.Domain), st.ID)
		}
		return tx.InsertStatus(ctx, &st)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func replyTo(parent Status) func(*Status) {
	return func(st *Status) {
		st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID = parent.ID, parent.URI, parent.AccountID
	}
}

func statusIDs(sts []Status) []ID {
	out := make([]ID, 0, len(sts))
	for _, s := range sts {
		out = append(out, s.ID)
	}
	return out
}

func sameIDs(a, b []ID) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func TestEditsKeepHistory(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	st := storeStatus(t, s, alice, func(st *Status) { st.Content = "<p>first</p>"; st.SpoilerText = "cw" })

	edit := func(content string, at time.Time) {
		t.Helper()
		st.Content, st.SpoilerText, st.EditedAt = content, "", at
		if err := s.InTx(ctx, func(tx *Tx) error { return tx.UpdateStatus(ctx, &st) }); err != nil {
			t.Fatal(err)
		}
	}
	published := st.CreatedAt.Truncate(time.Millisecond) // as stored
	second := published.Add(time.Minute)
	edit("<p>second</p>", second)
	edit("<p>third</p>", second.Add(time.Minute))
	edit("<p>third</p>", second.Add(time.Minute)) // a repeated Update records nothing

	edits, err := s.StatusEdits(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 2 {
		t.Fatalf("got %d earlier versions, want 2: %+v", len(edits), edits)
	}
	if edits[0].Content != "<p>first</p>" || edits[0].SpoilerText != "cw" || !edits[0].CreatedAt.Equal(published) {
		t.Errorf("first version = %+v; want the original, published at %v", edits[0], published)
	}
	if edits[1].Content != "<p>second</p>" || !edits[1].CreatedAt.Equal(second) {
		t.Errorf("second version = %+v; want the first edit, published at %v", edits[1], second)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DeleteStatus(ctx, st.ID) }); err != nil {
		t.Fatal(err)
	}
	if edits, _ := s.StatusEdits(ctx, st.ID); len(edits) != 0 {
		t.Errorf("history outlived its status: %+v", edits)
	}
}

func TestThread(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	// root ─ a ─ a1 ─ a1x
	//      │   └ a2
	//      └ b
	root := storeStatus(t, s, alice, nil)
	a := storeStatus(t, s, alice, replyTo(root))
	b := storeStatus(t, s, alice, replyTo(root))
	a1 := storeStatus(t, s, alice, replyTo(a))
	a2 := storeStatus(t, s, alice, replyTo(a))
	a1x := storeStatus(t, s, alice, replyTo(a1))

	tests := []struct {
		name string
		got  func() ([]Status, error)
		want []ID
	}{
		{"ancestors, root first", func() ([]Status, error) { return s.Ancestors(ctx, a1x.ID, 40) }, []ID{root.ID, a.ID, a1.ID}},
		{"ancestors, limited to the nearest", func() ([]Status, error) { return s.Ancestors(ctx, a1x.ID, 2) }, []ID{a.ID, a1.ID}},
		{"ancestors of the root", func() ([]Status, error) { return s.Ancestors(ctx, root.ID, 40) }, []ID{}},
		{"descendants, depth first", func() ([]Status, error) { return s.Descendants(ctx, root.ID, 60, 0) }, []ID{a.ID, a1.ID, a1x.ID, a2.ID, b.ID}},
		{"descendants, two levels", func() ([]Status, error) { return s.Descendants(ctx, root.ID, 60, 2) }, []ID{a.ID, a1.ID, a2.ID, b.ID}},
		{"descendants, the nearest win", func() ([]Status, error) { return s.Descendants(ctx, root.ID, 3, 0) }, []ID{a.ID, a1.ID, b.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatal(err)
			}
			if !sameIDs(statusIDs(got), tt.want) {
				t.Errorf("got %v, want %v", statusIDs(got), tt.want)
			}
		})
	}

	// The thread is named by its root, wherever one starts.
	for _, st := range []Status{root, a, a1x, b} {
		uri, err := s.ThreadURI(ctx, st.ID)
		if err != nil || uri != root.URI {
			t.Errorf("ThreadURI(%d) = %q, %v; want %q", st.ID, uri, err, root.URI)
		}
	}
	orphan := storeStatus(t, s, alice, func(st *Status) { st.InReplyToURI = "https://elsewhere.example/notes/1" })
	if uri, _ := s.ThreadURI(ctx, orphan.ID); uri != orphan.InReplyToURI {
		t.Errorf("thread of a reply to an unknown status = %q; want the IRI it answers", uri)
	}
}

func TestPublicAndTagTimelines(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "remote.example")
	carol := mustAccount(t, s, "carol", "")

	tagged := func(tags ...string) func(*Status) { return func(st *Status) { st.Tags = tags } }
	local := storeStatus(t, s, alice, tagged("libraries", "routines"))
	remote := storeStatus(t, s, bob, tagged("libraries"))
	storeStatus(t, s, alice, func(st *Status) { st.Visibility = activitypub.Unlisted; st.Tags = []string{"libraries"} })
	storeStatus(t, s, alice, func(st *Status) { st.Visibility = activitypub.FollowersOnly; st.Tags = []string{"libraries"} })
	reply := storeStatus(t, s, bob, func(st *Status) { replyTo(local)(st); st.Tags = []string{"libraries"} })
	selfReply := storeStatus(t, s, alice, replyTo(local))
	storeStatus(t, s, bob, func(st *Status) { st.ReblogOfID = local.ID; st.Content = "" })
	media := storeStatus(t, s, carol, func(st *Status) {
		st.Attachments = []Attachment{{MediaType: "image/png", URL: "https://local.example/m.png"}}
		st.Tags = []string{"Routines"}
	})

	public := []struct {
		name string
		f    TimelineFilter
		want []ID
	}{
		{"everything public, no replies to others, no reblogs", TimelineFilter{}, []ID{media.ID, selfReply.ID, remote.ID, local.ID}},
		{"local", TimelineFilter{Local: true}, []ID{media.ID, selfReply.ID, local.ID}},
		{"remote", TimelineFilter{Remote: true}, []ID{remote.ID}},
		{"only media", TimelineFilter{OnlyMedia: true}, []ID{media.ID}},
	}
	for _, tt := range public {
		t.Run("public/"+tt.name, func(t *testing.T) {
			got, err := s.PublicTimeline(ctx, tt.f, Page{})
			if err != nil {
				t.Fatal(err)
			}
			if !sameIDs(statusIDs(got), tt.want) {
				t.Errorf("got %v, want %v", statusIDs(got), tt.want)
			}
		})
	}

	tags := []struct {
		name string
		q    TagQuery
		want []ID
	}{
		{"one tag, replies included", TagQuery{Any: []string{"LIBRARIES"}}, []ID{reply.ID, remote.ID, local.ID}},
		{"any", TagQuery{Any: []string{"libraries", "routines"}}, []ID{media.ID, reply.ID, remote.ID, local.ID}},
		{"all", TagQuery{Any: []string{"libraries"}, All: []string{"routines"}}, []ID{local.ID}},
		{"none", TagQuery{Any: []string{"libraries"}, None: []string{"routines"}}, []ID{reply.ID, remote.ID}},
		{"unknown tag", TagQuery{Any: []string{"nobody"}}, []ID{}},
	}
	for _, tt := range tags {
		t.Run("tag/"+tt.name, func(t *testing.T) {
			got, err := s.TagTimeline(ctx, tt.q, TimelineFilter{}, Page{})
			if err != nil {
				t.Fatal(err)
			}
			if !sameIDs(statusIDs(got), tt.want) {
				t.Errorf("got %v, want %v", statusIDs(got), tt.want)
			}
		})
	}

	// A block either way hides the other's statuses.
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertBlock(ctx, bob.ID, carol.ID, "") }); err != nil {
		t.Fatal(err)
	}
	for _, viewer := range []Account{bob, carol} {
		got, err := s.PublicTimeline(ctx, TimelineFilter{Viewer: viewer.ID}, Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range got {
			if (viewer.ID == carol.ID && st.AccountID == bob.ID) || (viewer.ID == bob.ID && st.AccountID == carol.ID) {
				t.Errorf("%s sees status %d across a block", viewer.Username, st.ID)
			}
		}
	}
}

func TestPublicTimelineReadsThePartialIndex(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	plan := queryPlan(t, s.q, qPublicTimeline+` AND s.id < ? ORDER BY s.id DESC LIMIT ?`, 1<<62, 20)
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "statuses_public") || strings.Contains(joined, "TEMP B-TREE") {
		t.Errorf("public timeline plan = %s; want a walk of statuses_public with no sort", joined)
	}
}

func TestHomeTimelinePageHidesBlocked(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	mallory := mustAccount(t, s, "mallory", "remote.example")
	byBob := storeStatus(t, s, bob, nil)
	byMallory := storeStatus(t, s, mallory, nil)
	boost := storeStatus(t, s, bob, func(st *Status) { st.ReblogOfID = byMallory.ID; st.Content = "" })
	err := s.InTx(ctx, func(tx *Tx) error {
		return tx.AddToHomeFeeds(ctx, byBob.ID, []ID{alice.ID})
	})
	if err == nil {
		err = s.InTx(ctx, func(tx *Tx) error { return tx.AddToHomeFeeds(ctx, byMallory.ID, []ID{alice.ID}) })
	}
	if err == nil {
		err = s.InTx(ctx, func(tx *Tx) error { return tx.AddToHomeFeeds(ctx, boost.ID, []ID{alice.ID}) })
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.HomeTimelinePage(ctx, alice.ID, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []ID{boost.ID, byMallory.ID, byBob.ID}; !sameIDs(statusIDs(got), want) {
		t.Fatalf("before the block: %v, want %v", statusIDs(got), want)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertBlock(ctx, alice.ID, mallory.ID, "") }); err != nil {
		t.Fatal(err)
	}
	got, err = s.HomeTimelinePage(ctx, alice.ID, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []ID{byBob.ID}; !sameIDs(statusIDs(got), want) {
		t.Errorf("after blocking mallory: %v, want %v (no post by her, no boost of one)", statusIDs(got), want)
	}
}

func TestBookmarksPinsAndMutes(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	var sts []Status
	for range 7 {
		sts = append(sts, storeStatus(t, s, alice, nil))
	}
	reply := storeStatus(t, s, bob, replyTo(sts[0]))

	for _, st := range sts[:5] {
		if err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.Pin(ctx, alice.ID, st.ID, 5); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.Pin(ctx, alice.ID, sts[0].ID, 5); return err }); err != nil {
		t.Errorf("pinning a pinned status again: %v", err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.Pin(ctx, alice.ID, sts[5].ID, 5); return err }); !errors.Is(err, ErrLimit) {
		t.Errorf("a sixth pin: err = %v, want ErrLimit", err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.Unpin(ctx, alice.ID, sts[1].ID); return err }); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountPins(ctx, alice.ID); n != 4 {
		t.Errorf("pins after one unpin = %d, want 4", n)
	}
	pinned, err := s.PinnedStatuses(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []ID{sts[4].ID, sts[3].ID, sts[2].ID, sts[0].ID}; !sameIDs(statusIDs(pinned), want) {
		t.Errorf("pinned = %v, want %v (latest pin first)", statusIDs(pinned), want)
	}

	for _, st := range sts {
		if err := s.InTx(ctx, func(tx *Tx) error { return tx.Bookmark(ctx, bob.ID, st.ID) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.Bookmark(ctx, bob.ID, sts[0].ID) }); err != nil {
		t.Errorf("bookmarking twice: %v", err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.Unbookmark(ctx, bob.ID, sts[6].ID) }); err != nil {
		t.Fatal(err)
	}
	// Page through bob's bookmarks two at a time, newest bookmark first.
	var seen []ID
	p := Page{Limit: 2}
	for {
		page, err := s.Bookmarks(ctx, bob.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, b := range page {
			seen = append(seen, b.Status.ID)
		}
		p.MaxID = page[len(page)-1].RowID
	}
	if want := []ID{sts[5].ID, sts[4].ID, sts[3].ID, sts[2].ID, sts[1].ID, sts[0].ID}; !sameIDs(seen, want) {
		t.Errorf("bookmarks = %v, want %v", seen, want)
	}

	if err := s.InTx(ctx, func(tx *Tx) error { return tx.MuteConversation(ctx, bob.ID, reply.ID) }); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		status ID
		viewer ID
		want   StatusFlags
	}{
		{sts[0].ID, alice.ID, StatusFlags{Pinned: true}},
		{sts[0].ID, bob.ID, StatusFlags{Bookmarked: true, Muted: true}}, // the thread bob muted from a reply
		{reply.ID, bob.ID, StatusFlags{Muted: true}},
		{sts[6].ID, bob.ID, StatusFlags{}},
	} {
		got, err := s.StatusFlags(ctx, tt.status, tt.viewer)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("StatusFlags(%d, %d) = %+v, want %+v", tt.status, tt.viewer, got, tt.want)
		}
	}
	if muted, err := s.ConversationMuted(ctx, bob.ID, sts[0].ID); err != nil || !muted {
		t.Errorf("ConversationMuted of the root = %v, %v; want true", muted, err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.UnmuteConversation(ctx, bob.ID, sts[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.StatusFlags(ctx, reply.ID, bob.ID); f.Muted {
		t.Error("the conversation is still muted after unmuting it from its root")
	}
}

func TestRebloggedAndFavouritedBy(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	st := storeStatus(t, s, alice, nil)
	var fans []Account
	for i := range 5 {
		a := mustAccount(t, s, fmt.Sprintf("fan%d", i), "")
		fans = append(fans, a)
		storeStatus(t, s, a, func(rb *Status) { rb.ReblogOfID = st.ID; rb.Content = "" })
		if err := s.InTx(ctx, func(tx *Tx) error {
			return tx.InsertFavourite(ctx, &Favourite{AccountID: a.ID, StatusID: st.ID})
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertBlock(ctx, fans[2].ID, alice.ID, "") }); err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func(context.Context, ID, ID, Page) ([]ListedAccount, error){
		"reblogged by": s.RebloggedBy, "favourited by": s.FavouritedBy,
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			p := Page{Limit: 2}
			for {
				page, err := load(ctx, st.ID, alice.ID, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				for _, l := range page {
					got = append(got, l.Account.Username)
				}
				p.MaxID = page[len(page)-1].RowID
			}
			if want := "[fan4 fan3 fan1 fan0]"; fmt.Sprint(got) != want {
				t.Errorf("got %v, want %v (newest first, fan2 blocks the viewer)", got, want)
			}
		})
	}
}

func TestNotificationPage(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	carol := mustAccount(t, s, "carol", "")
	st := storeStatus(t, s, alice, nil)
	add := func(from Account, typ string) Notification {
		n := Notification{AccountID: alice.ID, FromAccountID: from.ID, Type: typ, StatusID: st.ID}
		if typ == NotifyFollow {
			n.StatusID = 0
		}
		if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertNotification(ctx, &n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	fav := add(bob, NotifyFavourite)
	follow := add(bob, NotifyFollow)
	mention := add(carol, NotifyMention)

	nids := func(ns []Notification) []ID {
		var out []ID
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    NotificationFilter
		p    Page
		want []ID
	}{
		{"all", NotificationFilter{}, Page{}, []ID{mention.ID, follow.ID, fav.ID}},
		{"types", NotificationFilter{Types: []string{NotifyFavourite, NotifyMention}}, Page{}, []ID{mention.ID, fav.ID}},
		{"exclude types", NotificationFilter{ExcludeTypes: []string{NotifyFollow}}, Page{}, []ID{mention.ID, fav.ID}},
		{"from", NotificationFilter{From: bob.ID}, Page{}, []ID{follow.ID, fav.ID}},
		{"min_id: the oldest above, newest first", NotificationFilter{}, Page{MinID: fav.ID, Limit: 1}, []ID{follow.ID}},
		{"since_id: the newest above", NotificationFilter{}, Page{SinceID: fav.ID, Limit: 1}, []ID{mention.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.NotificationPage(ctx, alice.ID, tt.f, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if !sameIDs(nids(got), tt.want) {
				t.Errorf("got %v, want %v", nids(got), tt.want)
			}
		})
	}

	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertBlock(ctx, alice.ID, carol.ID, "") }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.NotificationPage(ctx, alice.ID, NotificationFilter{}, Page{}); !sameIDs(nids(got), []ID{follow.ID, fav.ID}) {
		t.Errorf("after blocking carol: %v", nids(got))
	}
	if _, err := s.NotificationByID(ctx, bob.ID, fav.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads alice's notification: err = %v", err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DismissNotification(ctx, bob.ID, fav.ID) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob dismisses alice's notification: err = %v", err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DismissNotification(ctx, alice.ID, fav.ID) }); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.ClearNotifications(ctx, alice.ID) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notifications(ctx, alice.ID, Page{}); len(got) != 0 {
		t.Errorf("notifications after clearing: %v", nids(got))
	}
}
