package storage

import (
	"context"
	"reflect"
	"testing"
)

// The home feed's page comes with the statuses its reblogs boost, read in
// the same query: each must be what StatusByID reads, extras and all, in
// both directions of paging.
func TestHomeTimelineWithBoostedMatchesOneByOne(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "remote.example"), mustAccount(t, s, "carol", "")
	root := storeStatus(t, s, bob, func(st *Status) {
		st.Tags = []string{"archive"}
		st.Mentions = []ID{carol.ID}
		st.SpoilerText = "records"
		st.Attachments = []Attachment{{MediaType: "image/png", URL: "https://remote.example/a.png"}}
	})
	other := storeStatus(t, s, bob, nil) // boosted, and not itself in alice's feed
	plain := storeStatus(t, s, carol, func(st *Status) { st.Tags = []string{"zebra"} })
	boostRoot := storeStatus(t, s, carol, func(st *Status) { st.ReblogOfID = root.ID })
	boostOther := storeStatus(t, s, carol, func(st *Status) { st.ReblogOfID = other.ID })
	boostAgain := storeStatus(t, s, alice, func(st *Status) { st.ReblogOfID = root.ID })
	feed := []Status{root, plain, boostRoot, boostOther, boostAgain} // oldest first
	inTx(t, s, func(tx *Tx) error {
		for _, st := range feed {
			if err := tx.AddToHomeFeeds(ctx, st.ID, []ID{alice.ID}); err != nil {
				return err
			}
		}
		return nil
	})

	tests := []struct {
		name string
		page Page
		want []Status // newest first
	}{
		{"newest", Page{Limit: 20}, []Status{boostAgain, boostOther, boostRoot, plain, root}},
		{"max_id", Page{MaxID: boostOther.ID, Limit: 2}, []Status{boostRoot, plain}},
		{"min_id", Page{MinID: root.ID, Limit: 2}, []Status{boostRoot, plain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.HomeTimelineWithBoosted(ctx, alice.ID, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Statuses) != len(tt.want) {
				t.Fatalf("%d statuses, want %d", len(got.Statuses), len(tt.want))
			}
			wantBoosted := map[ID]bool{}
			for i, w := range tt.want {
				one, err := s.StatusByID(ctx, w.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Statuses[i], one) {
					t.Errorf("status %d: page has %+v, StatusByID %+v", i, got.Statuses[i], one)
				}
				if w.ReblogOfID != 0 {
					wantBoosted[w.ReblogOfID] = true
				}
			}
			if len(got.Boosted) != len(wantBoosted) {
				t.Errorf("%d boosted statuses, want %d", len(got.Boosted), len(wantBoosted))
			}
			for id := range wantBoosted {
				one, err := s.StatusByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Boosted[id], one) {
					t.Errorf("boosted %d: page has %+v, StatusByID %+v", id, got.Boosted[id], one)
				}
			}
			sts, err := s.HomeTimelinePage(ctx, alice.ID, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sts, got.Statuses) {
				t.Errorf("HomeTimelinePage differs from HomeTimelineWithBoosted")
			}
		})
	}
}

// StatusFlagsOf decides muted threads from the statuses in hand, not their
// rows: it must agree with StatusFlags, status by status, whatever the
// thread's shape, and an IRI needing JSON escapes must not break it.
func TestStatusFlagsOfMatchesOneByOne(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "remote.example"), mustAccount(t, s, "carol", "")
	reply := func(parent Status) func(*Status) {
		return func(st *Status) {
			st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID = parent.ID, parent.URI, parent.AccountID
		}
	}
	root := storeStatus(t, s, bob, nil)
	child := storeStatus(t, s, carol, reply(root))
	grandchild := storeStatus(t, s, bob, reply(child))
	unmuted := storeStatus(t, s, carol, nil)
	unmutedReply := storeStatus(t, s, bob, reply(unmuted))
	// A reply whose parent never arrived: its thread is the IRI it answers.
	orphan := storeStatus(t, s, bob, func(st *Status) { st.InReplyToURI = "https://remote.example/statuses/never-came" })
	// A reply whose parent was deleted here: the same.
	gone := storeStatus(t, s, carol, nil)
	afterGone := storeStatus(t, s, bob, reply(gone))
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, gone.ID) })
	afterGone.InReplyToID = 0 // as its row now says
	odd := storeStatus(t, s, bob, func(st *Status) { st.URI = `https://remote.example/s/"quoted"\back\slash/é/` + "\u2028" })
	oddReply := storeStatus(t, s, carol, reply(odd))
	boost := storeStatus(t, s, carol, func(st *Status) { st.ReblogOfID = root.ID })

	all := []Status{root, child, grandchild, unmuted, unmutedReply, orphan, afterGone, odd, oddReply, boost}
	compare := func(step string, muted map[ID]bool) {
		t.Helper()
		got, err := s.StatusFlagsOf(ctx, all, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(all) {
			t.Errorf("%s: flags for %d statuses, want %d", step, len(got), len(all))
		}
		for _, st := range all {
			one, err := s.StatusFlags(ctx, st.ID, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got[st.ID] != one {
				t.Errorf("%s: flags of %s: StatusFlagsOf %+v, StatusFlags %+v", step, st.URI, got[st.ID], one)
			}
			if got[st.ID].Muted != muted[st.ID] {
				t.Errorf("%s: %s muted = %v, want %v", step, st.URI, got[st.ID].Muted, muted[st.ID])
			}
		}
	}
	compare("nothing muted", nil)
	inTx(t, s, func(tx *Tx) error {
		for _, id := range []ID{grandchild.ID, orphan.ID, afterGone.ID, oddReply.ID} {
			if err := tx.MuteConversation(ctx, alice.ID, id); err != nil {
				return err
			}
		}
		return tx.Bookmark(ctx, alice.ID, child.ID)
	})
	compare("four threads muted", map[ID]bool{root.ID: true, child.ID: true, grandchild.ID: true,
		orphan.ID: true, afterGone.ID: true, odd.ID: true, oddReply.ID: true})
}
