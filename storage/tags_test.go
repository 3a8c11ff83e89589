package storage

import (
	"context"
	"slices"
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

func TestSearchTags(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	viewer := mustAccount(t, s, "viewer", "")
	tagged := func(vis activitypub.Visibility, tags ...string) {
		storeStatus(t, s, alice, func(st *Status) { st.Visibility, st.Tags = vis, tags })
	}
	tagged(activitypub.Public, "Libraries", "library", "lib")
	tagged(activitypub.Unlisted, "librarians")
	tagged(activitypub.FollowersOnly, "libsecret")
	tagged(activitypub.Direct, "libdirect", "libfollowed")
	inTx(t, s, func(tx *Tx) error { return tx.FollowTag(ctx, viewer.ID, "LibFollowed") })

	for _, tc := range []struct {
		name string
		q    TagSearch
		want []TagInfo
	}{
		{"exact first, then shorter names", TagSearch{Query: "#lib", Viewer: viewer.ID}, []TagInfo{
			{Name: "lib"}, {Name: "library"}, {Name: "libraries"}, {Name: "librarians"}, {Name: "libfollowed", Following: true}}},
		{"case does not matter", TagSearch{Query: "LIBRAR"}, []TagInfo{{Name: "library"}, {Name: "libraries"}, {Name: "librarians"}}},
		{"only private statuses carry it", TagSearch{Query: "libsecret"}, nil},
		{"a followed tag shows to its follower only", TagSearch{Query: "libfol"}, nil},
		{"limit and offset", TagSearch{Query: "lib", Limit: 2, Offset: 1}, []TagInfo{{Name: "library"}, {Name: "libraries"}}},
		{"LIKE wildcards are literal", TagSearch{Query: "l_b"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SearchTags(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchTags(%+v) = %v; want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestFollowedTags(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	carol := mustAccount(t, s, "carol", "")
	storeStatus(t, s, carol, func(st *Status) { st.Tags = []string{"gardening"} })
	inTx(t, s, func(tx *Tx) error {
		for _, name := range []string{"Gardening", "#compost", "gardening", "seeds"} {
			if err := tx.FollowTag(ctx, alice.ID, name); err != nil {
				return err
			}
		}
		if err := tx.FollowTag(ctx, bob.ID, "compost"); err != nil {
			return err
		}
		return tx.InsertFollow(ctx, &Follow{AccountID: bob.ID, TargetID: carol.ID})
	})
	names := func(p Page) []string {
		t.Helper()
		tags, err := s.FollowedTags(ctx, alice.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tg := range tags {
			out = append(out, tg.Name)
		}
		return out
	}
	if got, want := names(Page{}), []string{"seeds", "compost", "gardening"}; !slices.Equal(got, want) {
		t.Errorf("followed tags = %v; want %v (latest first, once each)", got, want)
	}
	all, _ := s.FollowedTags(ctx, alice.ID, Page{})
	if got, want := names(Page{MaxID: all[0].ID, Limit: 1}), []string{"compost"}; !slices.Equal(got, want) {
		t.Errorf("next page = %v; want %v", got, want)
	}
	if ok, err := s.FollowsTag(ctx, alice.ID, "#GARDENING"); err != nil || !ok {
		t.Errorf("FollowsTag = %v, %v; want true", ok, err)
	}

	for _, tc := range []struct {
		name   string
		tags   []string
		author ID
		want   []ID
	}{
		{"followers of any of the tags", []string{"Compost", "seeds"}, carol.ID, []ID{alice.ID}},
		{"not those who follow the author", []string{"compost"}, carol.ID, []ID{alice.ID}},
		{"anyone else who follows it", []string{"compost"}, mustAccount(t, s, "dave", "").ID, []ID{alice.ID, bob.ID}},
		{"not the author", []string{"seeds"}, alice.ID, nil},
		{"no tags", nil, carol.ID, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.TagFollowerIDs(ctx, tc.tags, tc.author)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("TagFollowerIDs(%v) = %v; want %v", tc.tags, got, tc.want)
			}
		})
	}

	inTx(t, s, func(tx *Tx) error { return tx.UnfollowTag(ctx, alice.ID, "Gardening") })
	inTx(t, s, func(tx *Tx) error { return tx.UnfollowTag(ctx, alice.ID, "never-followed") })
	if got, want := names(Page{}), []string{"seeds", "compost"}; !slices.Equal(got, want) {
		t.Errorf("after unfollowing: %v; want %v", got, want)
	}
}
