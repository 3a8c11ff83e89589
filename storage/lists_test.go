package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

func follow(t *testing.T, s *Store, follower, target Account) {
	t.Helper()
	inTx(t, s, func(tx *Tx) error {
		return tx.InsertFollow(context.Background(), &Follow{AccountID: follower.ID, TargetID: target.ID})
	})
}

func newList(t *testing.T, s *Store, owner Account, title, policy string, members ...Account) List {
	t.Helper()
	l := List{AccountID: owner.ID, Title: title, RepliesPolicy: policy}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertList(context.Background(), &l); err != nil {
			return err
		}
		var ids []ID
		for _, m := range members {
			ids = append(ids, m.ID)
		}
		return tx.AddListAccounts(context.Background(), l.ID, ids)
	})
	return l
}

func TestListsBelongToTheirOwner(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", ""), mustAccount(t, s, "carol", "")
	follow(t, s, alice, bob)
	follow(t, s, alice, carol)
	work := newList(t, s, alice, "Work", RepliesList, bob, carol)
	newList(t, s, alice, "Friends", RepliesNone, carol)
	newList(t, s, bob, "Bob's", RepliesFollowed)

	if _, err := s.ListByID(ctx, bob.ID, work.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads alice's list: %v; want not found", err)
	}
	ls, err := s.Lists(ctx, alice.ID)
	if err != nil || len(ls) != 2 || ls[0].Title != "Work" || ls[1].RepliesPolicy != RepliesNone {
		t.Fatalf("alice's lists = %+v, %v", ls, err)
	}
	with, err := s.ListsWithAccount(ctx, alice.ID, bob.ID)
	if err != nil || len(with) != 1 || with[0].ID != work.ID {
		t.Errorf("alice's lists with bob = %+v, %v", with, err)
	}
	members, err := s.ListAccountPage(ctx, work.ID, Page{Limit: -1})
	if err != nil || len(members) != 2 {
		t.Fatalf("members = %v, %v", usernames(members), err)
	}

	// Ending the follow takes bob out of alice's lists, not out of others'.
	inTx(t, s, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx, alice.ID, bob.ID); return err })
	members, err = s.ListAccountPage(ctx, work.ID, Page{})
	if err != nil || len(members) != 1 || members[0].Account.ID != carol.ID {
		t.Errorf("after the unfollow, members = %v, %v; want carol", usernames(members), err)
	}

	work.Title, work.Exclusive = "Colleagues", true
	inTx(t, s, func(tx *Tx) error { return tx.UpdateList(ctx, work) })
	if got, _ := s.ListByID(ctx, alice.ID, work.ID); got.Title != "Colleagues" || !got.Exclusive {
		t.Errorf("updated list = %+v", got)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DeleteList(ctx, bob.ID, work.ID) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob deletes alice's list: %v", err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteList(ctx, alice.ID, work.ID) })
	if _, err := s.ListByID(ctx, alice.ID, work.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted list: %v", err)
	}
}

func TestListTimeline(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	carol := mustAccount(t, s, "carol", "remote.example")
	dave := mustAccount(t, s, "dave", "") // followed, not in the list
	erin := mustAccount(t, s, "erin", "") // neither
	for _, a := range []Account{bob, carol, dave} {
		follow(t, s, alice, a)
	}
	l := newList(t, s, alice, "Team", RepliesList, bob, carol)

	var want []ID
	post := func(author Account, shown bool, tweak func(*Status)) Status {
		st := storeStatus(t, s, author, tweak)
		if shown {
			want = append([]ID{st.ID}, want...)
		}
		return st
	}
	root := post(bob, true, nil)
	post(carol, true, func(st *Status) { st.Visibility = activitypub.FollowersOnly })
	post(bob, false, func(st *Status) { st.Visibility = activitypub.Direct })
	post(dave, false, nil)
	post(carol, true, replyTo(root))                            // to a member
	post(bob, true, replyTo(root))                              // to himself
	toDave := post(bob, false, replyTo(post(dave, false, nil))) // to a non-member
	post(carol, true, func(st *Status) { st.ReblogOfID = toDave.ID; st.Content = "" })
	post(bob, false, replyTo(storeStatus(t, s, erin, nil)))

	got, err := s.ListTimeline(ctx, l, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameIDs(statusIDs(got), want) {
		t.Fatalf("list timeline = %v, want %v", statusIDs(got), want)
	}
	// Paging: two at a time, newest first, and from below with min_id.
	first, _ := s.ListTimeline(ctx, l, Page{Limit: 2})
	next, _ := s.ListTimeline(ctx, l, Page{Limit: 2, MaxID: first[1].ID})
	if !sameIDs(statusIDs(first), want[:2]) || !sameIDs(statusIDs(next), want[2:4]) {
		t.Errorf("pages = %v %v, want %v %v", statusIDs(first), statusIDs(next), want[:2], want[2:4])
	}
	oldest, _ := s.ListTimeline(ctx, l, Page{Limit: 2, MinID: want[len(want)-1]})
	if !sameIDs(statusIDs(oldest), want[len(want)-3:len(want)-1]) {
		t.Errorf("min_id page = %v, want %v", statusIDs(oldest), want[len(want)-3:len(want)-1])
	}

	// The replies policy decides about the reply to dave, whom alice follows.
	l.RepliesPolicy = RepliesFollowed
	inTx(t, s, func(tx *Tx) error { return tx.UpdateList(ctx, l) })
	if shows, err := s.ListShows(ctx, alice.ID, l.ID, toDave.ID); err != nil || !shows {
		t.Errorf("followed policy shows the reply to dave: %v, %v", shows, err)
	}
	if shows, _ := s.ListShows(ctx, bob.ID, l.ID, toDave.ID); shows {
		t.Error("a list shows something to a member who does not own it")
	}
	l.RepliesPolicy = RepliesNone
	inTx(t, s, func(tx *Tx) error { return tx.UpdateList(ctx, l) })
	if shows, _ := s.ListShows(ctx, alice.ID, l.ID, toDave.ID); shows {
		t.Error("none policy shows the reply to dave")
	}
	if shows, _ := s.ListShows(ctx, alice.ID, l.ID, root.ID); !shows {
		t.Error("none policy hides a status that is no reply")
	}

	// A muted member's statuses leave the list.
	inTx(t, s, func(tx *Tx) error { return tx.InsertMute(ctx, &Mute{AccountID: alice.ID, TargetID: bob.ID}) })
	got, _ = s.ListTimeline(ctx, l, Page{})
	for _, st := range got {
		if st.AccountID == bob.ID {
			t.Errorf("muted bob's status %d in the list", st.ID)
		}
	}
}

func TestListTimelineReadsTheAccountIndex(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	plan := queryPlan(t, s.q, qListMemberStatuses+` AND s.id < ? ORDER BY s.id DESC LIMIT ?`, 1, 1, 1<<62, 20)
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "statuses_account") || strings.Contains(joined, "TEMP B-TREE") {
		t.Errorf("member statuses plan = %s; want a walk of statuses_account with no sort", joined)
	}
}

func TestExclusiveListLeavesHome(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", ""), mustAccount(t, s, "carol", "")
	follow(t, s, alice, bob)
	follow(t, s, alice, carol)
	byBob, byCarol := storeStatus(t, s, bob, nil), storeStatus(t, s, carol, nil)
	inTx(t, s, func(tx *Tx) error {
		if err := tx.AddToHomeFeeds(ctx, byBob.ID, []ID{alice.ID}); err != nil {
			return err
		}
		return tx.AddToHomeFeeds(ctx, byCarol.ID, []ID{alice.ID})
	})
	l := newList(t, s, alice, "Bob only", RepliesList, bob)
	home := func() []ID {
		got, err := s.HomeTimelinePage(ctx, alice.ID, Page{})
		if err != nil {
			t.Fatal(err)
		}
		return statusIDs(got)
	}
	if want := []ID{byCarol.ID, byBob.ID}; !sameIDs(home(), want) {
		t.Fatalf("home = %v, want %v", home(), want)
	}
	l.Exclusive = true
	inTx(t, s, func(tx *Tx) error { return tx.UpdateList(ctx, l) })
	if want := []ID{byCarol.ID}; !sameIDs(home(), want) {
		t.Errorf("home with an exclusive list of bob = %v, want %v", home(), want)
	}
	if in, err := s.InExclusiveList(ctx, alice.ID, byBob.ID); err != nil || !in {
		t.Errorf("bob's status in an exclusive list: %v, %v", in, err)
	}
	if in, _ := s.InExclusiveList(ctx, alice.ID, byCarol.ID); in {
		t.Error("carol's status in an exclusive list")
	}
}

func TestMarkers(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	save := func(timeline string, id ID) Marker {
		t.Helper()
		var m Marker
		inTx(t, s, func(tx *Tx) error {
			var err error
			m, err = tx.SaveMarker(ctx, alice.ID, timeline, id)
			return err
		})
		return m
	}
	s.Now = func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }
	if m := save("home", 10); m.Version != 0 || m.LastReadID != 10 || !m.UpdatedAt.Equal(s.Now()) {
		t.Errorf("new marker = %+v", m)
	}
	if m := save("home", 12); m.Version != 1 || m.LastReadID != 12 {
		t.Errorf("moved marker = %+v", m)
	}
	if m := save("home", 12); m.Version != 1 {
		t.Errorf("marker saved at the same place = %+v; want version 1 still", m)
	}
	save("notifications", 7)
	ms, err := s.Markers(ctx, alice.ID, []string{"home", "notifications"})
	if err != nil || len(ms) != 2 || ms[0].Timeline != "home" || ms[1].LastReadID != 7 {
		t.Errorf("markers = %+v, %v", ms, err)
	}
}
