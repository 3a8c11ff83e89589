package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// TestHomeTimelineIsTheListedRule: the home feed shows of its rows
// exactly what activitypub.Listed lets a list show the member (the rule
// every timeline applies), whatever put the rows there.
func TestHomeTimelineIsTheListedRule(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	viewer := mustAccount(t, s, "viewer", "")
	plain := mustAccount(t, s, "plain", "")
	friend := mustAccount(t, s, "friend", "")
	followed := mustAccount(t, s, "followed", "far.example")
	blocked := mustAccount(t, s, "blocked", "")
	blocker := mustAccount(t, s, "blocker", "")
	muted := mustAccount(t, s, "muted", "")
	onceMuted := mustAccount(t, s, "oncemuted", "")
	far := mustAccount(t, s, "far", "far.example")
	suspended := Account{Username: "gone", URI: "https://local.example/users/gone", SuspendedAt: now.Add(-time.Hour)}
	inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(ctx, &suspended) })
	inTx(t, s, func(tx *Tx) error {
		return errors.Join(
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: friend.ID}),
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: followed.ID}),
			tx.InsertBlock(ctx, viewer.ID, blocked.ID, ""),
			tx.InsertBlock(ctx, blocker.ID, viewer.ID, ""),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: muted.ID}),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: onceMuted.ID, ExpiresAt: now.Add(-time.Minute)}),
			tx.InsertDomainBlock(ctx, viewer.ID, "far.example"))
	})
	post := func(a Account, v activitypub.Visibility, mentions ...ID) Status {
		return storeStatus(t, s, a, func(st *Status) { st.Visibility, st.Mentions = v, mentions })
	}
	boost := func(a Account, of Status) Status {
		return storeStatus(t, s, a, func(st *Status) { st.ReblogOfID = of.ID })
	}
	byPlain, byPlainPrivate := post(plain, activitypub.Public), post(plain, activitypub.FollowersOnly)
	byFriendPrivate, byBlocked := post(friend, activitypub.FollowersOnly), post(blocked, activitypub.Public)
	sts := []Status{
		byPlain, byPlainPrivate, byFriendPrivate, byBlocked,
		post(plain, activitypub.Direct), post(plain, activitypub.Direct, viewer.ID),
		post(friend, activitypub.Public), post(friend, activitypub.Direct),
		post(followed, activitypub.FollowersOnly), post(viewer, activitypub.Direct), post(viewer, activitypub.FollowersOnly),
		post(blocker, activitypub.Public), post(blocker, activitypub.Direct, viewer.ID),
		post(muted, activitypub.Public), post(onceMuted, activitypub.Public), post(far, activitypub.Public),
		post(suspended, activitypub.Public), post(suspended, activitypub.Direct, viewer.ID),
		boost(plain, byPlain), boost(viewer, byPlain), boost(plain, byPlainPrivate), boost(plain, byFriendPrivate),
		boost(plain, byBlocked), boost(blocked, byPlain), boost(muted, byPlain), boost(suspended, byPlain),
		boost(far, byPlain), boost(friend, byBlocked),
	}
	want := map[ID]bool{}
	for _, st := range sts {
		inTx(t, s, func(tx *Tx) error { return tx.AddToHomeFeeds(ctx, st.ID, []ID{viewer.ID}) })
		v, err := s.Viewing(ctx, viewer.ID, st)
		if err != nil {
			t.Fatal(err)
		}
		want[st.ID] = activitypub.Listed(v)
	}
	page, err := s.HomeTimelinePage(ctx, viewer.ID, Page{Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	got := map[ID]bool{}
	for _, st := range page {
		got[st.ID] = true
	}
	shown := 0
	for i, st := range sts {
		if got[st.ID] != want[st.ID] {
			t.Errorf("status %d (by %d, %s, boost of %d): in the home feed = %v; the rule lists it: %v",
				i, st.AccountID, st.Visibility, st.ReblogOfID, got[st.ID], want[st.ID])
		}
		if want[st.ID] {
			shown++
		}
	}
	if shown == 0 || shown == len(sts) {
		t.Fatalf("the rule lists %d of %d: the fixture tests nothing", shown, len(sts))
	}
}
