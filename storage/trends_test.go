package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// trendsFixture fills a store over several days: now is noon on the last.
func trendsFixture(t *testing.T) (*Store, time.Time, map[string]Status) {
	t.Helper()
	s := openTest(t)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := now.AddDate(0, -2, 0) // IDs only grow: everything is made in time order
	s.Now = func() time.Time { return clock }
	ann, bea, cai := mustAccount(t, s, "ann", ""), mustAccount(t, s, "bea", "peer.example"), mustAccount(t, s, "cai", "")
	type spec struct {
		name string
		ago  time.Duration
		by   Account
		vis  activitypub.Visibility
		tags []string
	}
	specs := []spec{
		{"ann today", time.Hour, ann, activitypub.Public, []string{"housing", "retrofit"}},
		{"bea today", 2 * time.Hour, bea, activitypub.Public, []string{"Housing"}},
		{"ann today again", 3 * time.Hour, ann, activitypub.Public, []string{"housing"}},
		{"cai private", 4 * time.Hour, cai, activitypub.FollowersOnly, []string{"retrofit", "secret"}},
		{"ann solo this week", 5 * time.Hour, ann, activitypub.Public, []string{"solo"}},
		{"cai yesterday", 26 * time.Hour, cai, activitypub.Unlisted, []string{"housing"}},
		{"ann 3 days ago", 72 * time.Hour, ann, activitypub.Public, []string{"retrofit"}},
		{"bea 3 days ago", 73 * time.Hour, bea, activitypub.Public, []string{"retrofit"}},
		{"ann last month", 30 * 24 * time.Hour, ann, activitypub.Public, []string{"archive"}},
		{"cai last month", 30*24*time.Hour + time.Hour, cai, activitypub.Public, []string{"archive"}},
	}
	slices.SortFunc(specs, func(a, b spec) int { return int(b.ago - a.ago) }) // oldest first
	sts := map[string]Status{}
	for _, sp := range specs {
		clock = now.Add(-sp.ago)
		sts[sp.name] = mustStatus(t, s, sp.by, Status{Visibility: sp.vis, Tags: sp.tags})
	}
	clock = now
	return s, now, sts
}

func TestTagHistory(t *testing.T) {
	t.Parallel()
	s, now, _ := trendsFixture(t)
	hist, err := s.TagHistory(context.Background(), []string{"housing", "Retrofit", "unused"}, now, 7)
	if err != nil {
		t.Fatal(err)
	}
	today := now.Truncate(24 * time.Hour)
	tests := []struct {
		name           string
		daysAgo        int
		uses, accounts int
	}{
		{"housing", 0, 3, 2}, // ann twice and bea (its tag in another case); public only
		{"housing", 1, 1, 1}, // cai's unlisted post counts
		{"housing", 2, 0, 0},
		{"Retrofit", 0, 1, 1}, // ann; cai's followers-only post does not count
		{"Retrofit", 3, 2, 2},
		{"unused", 0, 0, 0},
	}
	for _, tt := range tests {
		h := hist[tt.name]
		if len(h) != 7 {
			t.Fatalf("%s: %d days; want 7", tt.name, len(h))
		}
		d := h[tt.daysAgo]
		if !d.Day.Equal(today.AddDate(0, 0, -tt.daysAgo)) || d.Uses != tt.uses || d.Accounts != tt.accounts {
			t.Errorf("%s %d days ago = %+v; want %d uses by %d accounts", tt.name, tt.daysAgo, d, tt.uses, tt.accounts)
		}
	}
}

func TestTrendingTags(t *testing.T) {
	t.Parallel()
	s, now, _ := trendsFixture(t)
	tests := []struct {
		name          string
		window        time.Duration
		min, lim, off int
		want          []string
	}{
		// housing: ann, bea (cai's unlisted post does not count); retrofit:
		// ann, bea; solo and secret: one account each.
		{"this week", 7 * 24 * time.Hour, 2, 10, 0, []string{"housing", "retrofit"}},
		{"most uses first among equals", 7 * 24 * time.Hour, 1, 2, 0, []string{"housing", "retrofit"}},
		{"offset", 7 * 24 * time.Hour, 2, 10, 1, []string{"retrofit"}},
		{"today", 24 * time.Hour, 2, 10, 0, []string{"housing"}},
		{"one account enough", 24 * time.Hour, 1, 10, 0, []string{"housing", "retrofit", "solo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tags, err := s.TrendingTags(context.Background(), 0, now.Add(-tt.window), tt.min, tt.lim, tt.off, false)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tag := range tags {
				got = append(got, tag.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
	// Members see only what moderators approved; moderators see each
	// with where its review stands.
	ctx := context.Background()
	week := now.Add(-7 * 24 * time.Hour)
	review := func(name string, approve bool) {
		t.Helper()
		inTx(t, s, func(tx *Tx) error { _, err := tx.ReviewTag(ctx, name, approve); return err })
	}
	if tags, err := s.TrendingTags(ctx, 0, week, 2, 10, 0, true); err != nil || len(tags) != 0 {
		t.Errorf("approved trends before any review: %v %v", tags, err)
	}
	review("Housing", false)
	review("retrofit", true)
	if tags, err := s.TrendingTags(ctx, 0, week, 2, 10, 0, true); err != nil || len(tags) != 1 || tags[0].Name != "retrofit" {
		t.Errorf("approved trends: %v %v", tags, err)
	}
	all, err := s.TrendingTags(ctx, 0, week, 1, 10, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, tag := range all {
		states[tag.Name] = tag.Review
	}
	if states["housing"] != TrendRejected || states["retrofit"] != TrendApproved || states["solo"] != TrendPending {
		t.Errorf("review states: %v", states)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.ReviewTag(ctx, "never-used", true); return err }); !errors.Is(err, ErrNotFound) {
		t.Errorf("reviewing a tag no status carries: %v; want not found", err)
	}
}

func TestTrendingStatuses(t *testing.T) {
	t.Parallel()
	s, now, sts := trendsFixture(t)
	ctx := context.Background()
	fans := []Account{mustAccount(t, s, "fan1", ""), mustAccount(t, s, "fan2", ""), mustAccount(t, s, "fan3", "")}
	like := func(st Status, by ...Account) {
		for _, a := range by {
			inTx(t, s, func(tx *Tx) error { return tx.InsertFavourite(ctx, &Favourite{AccountID: a.ID, StatusID: st.ID}) })
		}
	}
	like(sts["bea today"], fans[0])
	like(sts["ann today"], fans...)
	like(sts["cai private"], fans...)    // not public
	like(sts["ann 3 days ago"], fans...) // too old
	mustStatus(t, s, fans[0], Status{ReblogOfID: sts["bea today"].ID, Visibility: activitypub.Public})
	mustStatus(t, s, fans[1], Status{ReblogOfID: sts["bea today"].ID, Visibility: activitypub.Public})
	mustStatus(t, s, fans[2], Status{ReblogOfID: sts["bea today"].ID, Visibility: activitypub.Public})

	ids := func(list []Status) []ID {
		var out []ID
		for _, st := range list {
			out = append(out, st.ID)
		}
		return out
	}
	got, err := s.TrendingStatuses(ctx, now.Add(-48*time.Hour), TimelineFilter{}, 10, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	// bea today: 1 favourite and 3 boosts; ann today: 3 favourites.
	if want := []ID{sts["bea today"].ID, sts["ann today"].ID}; !slices.Equal(ids(got), want) {
		t.Errorf("trending = %v; want %v", ids(got), want)
	}
	// A viewer who blocks ann does not see hers.
	viewer := mustAccount(t, s, "viewer", "")
	inTx(t, s, func(tx *Tx) error { return tx.InsertBlock(ctx, viewer.ID, sts["ann today"].AccountID, "") })
	got, err = s.TrendingStatuses(ctx, now.Add(-48*time.Hour), TimelineFilter{Viewer: viewer.ID}, 10, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []ID{sts["bea today"].ID}; !slices.Equal(ids(got), want) {
		t.Errorf("trending for a viewer blocking ann = %v; want %v", ids(got), want)
	}

	// Approved only: bea's once approved, ann's not once rejected; a
	// private or boosting status cannot be reviewed.
	inTx(t, s, func(tx *Tx) error {
		if err := tx.ReviewStatusTrend(ctx, sts["bea today"].ID, true); err != nil {
			return err
		}
		return tx.ReviewStatusTrend(ctx, sts["ann today"].ID, false)
	})
	if got, err = s.TrendingStatuses(ctx, now.Add(-48*time.Hour), TimelineFilter{}, 10, 0, true); err != nil ||
		!slices.Equal(ids(got), []ID{sts["bea today"].ID}) {
		t.Errorf("approved trending = %v, %v; want bea's", ids(got), err)
	}
	reviews, err := s.StatusTrendReviews(ctx, []ID{sts["bea today"].ID, sts["ann today"].ID, sts["cai private"].ID})
	if err != nil || reviews[sts["bea today"].ID] != TrendApproved || reviews[sts["ann today"].ID] != TrendRejected ||
		reviews[sts["cai private"].ID] != TrendPending {
		t.Errorf("reviews = %v, %v", reviews, err)
	}
	err = s.InTx(ctx, func(tx *Tx) error { return tx.ReviewStatusTrend(ctx, sts["cai private"].ID, true) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("reviewing a private post: %v; want ErrNotFound", err)
	}
}
