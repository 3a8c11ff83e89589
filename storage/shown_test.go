package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// TestStatusShownIsThePublicTimelineRule: StatusShown, which the streams
// ask, answers for each status what the public timeline's query decides.
func TestStatusShownIsThePublicTimelineRule(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	viewer := mustAccount(t, s, "viewer", "")
	plain := mustAccount(t, s, "plain", "")
	blocked := mustAccount(t, s, "blocked", "")
	blocker := mustAccount(t, s, "blocker", "")
	muted := mustAccount(t, s, "muted", "")
	onceMuted := mustAccount(t, s, "oncemuted", "")
	far := mustAccount(t, s, "far", "far.example")
	suspended := Account{Username: "gone", URI: "https://local.example/users/gone", SuspendedAt: now.Add(-time.Hour)}
	inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(ctx, &suspended) })
	inTx(t, s, func(tx *Tx) error {
		return errors.Join(
			tx.InsertBlock(ctx, viewer.ID, blocked.ID, ""),
			tx.InsertBlock(ctx, blocker.ID, viewer.ID, ""),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: muted.ID}),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: onceMuted.ID, ExpiresAt: now.Add(-time.Minute)}),
			tx.InsertDomainBlock(ctx, viewer.ID, "far.example"))
	})
	boostOf := func(st Status) func(*Status) { return func(b *Status) { b.ReblogOfID = st.ID } }

	byPlain := storeStatus(t, s, plain, nil)
	byBlocked := storeStatus(t, s, blocked, nil)
	byBlocker := storeStatus(t, s, blocker, nil)
	byMuted := storeStatus(t, s, muted, nil)
	byOnceMuted := storeStatus(t, s, onceMuted, nil)
	byFar := storeStatus(t, s, far, nil)
	bySuspended := storeStatus(t, s, suspended, nil)
	tests := []struct {
		name      string
		st        Status
		want      bool
		anonymous bool // what an anonymous viewer is shown
	}{
		{"a stranger's post", byPlain, true, true},
		{"the viewer's own", storeStatus(t, s, viewer, nil), true, true},
		{"by an account the viewer blocks", byBlocked, false, true},
		{"by an account that blocks the viewer", byBlocker, false, true},
		{"by an account the viewer mutes", byMuted, false, true},
		{"by an account whose mute expired", byOnceMuted, true, true},
		{"from a domain the viewer blocks", byFar, false, true},
		{"by a suspended account", bySuspended, false, false},
		{"a boost of a stranger's post", storeStatus(t, s, plain, boostOf(byPlain)), true, true},
		{"a boost of a blocked account's post", storeStatus(t, s, plain, boostOf(byBlocked)), false, true},
		{"a boost of a blocker's post", storeStatus(t, s, plain, boostOf(byBlocker)), false, true},
		{"a boost of a muted account's post", storeStatus(t, s, plain, boostOf(byMuted)), false, true},
		{"a boost of a post from a blocked domain", storeStatus(t, s, plain, boostOf(byFar)), false, true},
		{"a boost by a muted account", storeStatus(t, s, muted, boostOf(byPlain)), false, true},
	}
	timeline, err := s.PublicTimeline(ctx, TimelineFilter{Viewer: viewer.ID, Now: now}, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.StatusShown(ctx, viewer.ID, tt.st.ID)
			if err != nil || got != tt.want {
				t.Errorf("StatusShown = %v, %v; want %v", got, err, tt.want)
			}
			if got, err := s.StatusShown(ctx, 0, tt.st.ID); err != nil || got != tt.anonymous {
				t.Errorf("StatusShown to no one in particular = %v, %v; want %v", got, err, tt.anonymous)
			}
			if tt.st.ReblogOfID != 0 {
				return // the public timeline has no boosts
			}
			if in := slices.Contains(statusIDs(timeline), tt.st.ID); in != tt.want {
				t.Errorf("in the public timeline: %v; want %v", in, tt.want)
			}
		})
	}
	if _, err := s.StatusShown(ctx, viewer.ID, 12345); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown status: %v; want ErrNotFound", err)
	}
}
