package api_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type trendTag struct {
	Name    string `json:"name"`
	URL     string `json:"url"`
	History []struct {
		Day      string `json:"day"`
		Uses     string `json:"uses"`
		Accounts string `json:"accounts"`
	} `json:"history"`
	Following *bool `json:"following"`
}

// TestTrends: hashtags that several members used this week trend once a
// moderator approved them, with a week of history; the public posts most favourited and boosted trend,
// but not for a member who blocks their author.
func TestTrends(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	ann, bea, cai := n.Member("ann", false), n.Member("bea", false), n.Member("cai", false)
	ta, tb, tc := n.Token(ann), n.Token(bea), n.Token(cai)
	post := func(token, text, visibility string) *mastodon.Status {
		t.Helper()
		st, err := acctClient(n, token).PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	post(ta, "our #retrofit pilot: first results", "public")
	post(tb, "a #Retrofit checklist for older housing", "public")
	post(tb, "#retrofit grants open in January", "public")
	post(tc, "my own #notes", "public")
	post(tc, "#planning meeting moved", "private") // followers-only: never a trend
	popular := post(ta, "the #housing strategy, draft two", "public")
	for _, tok := range []string{tb, tc} {
		if _, err := acctClient(n, tok).Favourite(ctx, popular.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acctClient(n, tc).Reblog(ctx, popular.ID); err != nil {
		t.Fatal(err)
	}
	quiet := post(tb, "a small update", "public")
	if _, err := acctClient(n, tc).Favourite(ctx, quiet.ID); err != nil {
		t.Fatal(err)
	}

	var tags []trendTag
	// Nothing trends before a moderator approves it; a rejected hashtag
	// never does.
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends/tags", "", nil, &tags); code != http.StatusOK || len(tags) != 0 {
		t.Fatalf("trends/tags before review = %d %s; want none", code, raw)
	}
	if err := n.Engine.ReviewTrend(ctx, ann.ID, "retrofit", true); !errors.Is(err, federation.ErrDenied) {
		t.Fatalf("a member reviews a trend: %v; want denied", err)
	}
	// A moderator reviews through Mastodon's admin API: the hashtags that
	// would trend, waiting for review; approving one returns it trendable.
	mod := n.Member("mod", false)
	if err := n.Engine.SetPermission(ctx, "mod", federation.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	var review []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Trendable      bool   `json:"trendable"`
		RequiresReview bool   `json:"requires_review"`
		History        []any  `json:"history"`
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/admin/trends/tags", n.Token(mod, "admin:read"), nil, &review); code != http.StatusOK ||
		len(review) != 1 || review[0].Name != "retrofit" || !review[0].RequiresReview || review[0].Trendable || len(review[0].History) != 7 {
		t.Fatalf("admin trends = %d %s", code, raw)
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/admin/trends/tags", n.Token(ann, "admin:read"), nil, nil); code != http.StatusForbidden {
		t.Errorf("admin trends for a member = %d %s; want 403", code, raw)
	}
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/tags/"+review[0].ID+"/approve", n.Token(mod, "admin:read"), nil, nil); code != http.StatusForbidden {
		t.Errorf("approve without admin:write = %d %s; want 403", code, raw)
	}
	var approved struct {
		Name           string `json:"name"`
		Trendable      bool   `json:"trendable"`
		RequiresReview bool   `json:"requires_review"`
	}
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/tags/"+review[0].ID+"/approve", n.Token(mod, "admin:write"), nil, &approved); code != http.StatusOK ||
		approved.Name != "retrofit" || !approved.Trendable || approved.RequiresReview {
		t.Fatalf("approve = %d %s", code, raw)
	}
	if err := n.Engine.ReviewTrend(ctx, 0, "notes", false); err != nil {
		t.Fatal(err)
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends/tags", "", nil, &tags); code != http.StatusOK {
		t.Fatalf("trends/tags = %d %s", code, raw)
	}
	if len(tags) != 1 || tags[0].Name != "retrofit" || tags[0].URL != n.URL+"/tags/retrofit" || len(tags[0].History) != 7 ||
		tags[0].History[0].Uses != "3" || tags[0].History[0].Accounts != "2" || tags[0].History[1].Uses != "0" || tags[0].Following != nil {
		t.Errorf("trends/tags = %+v; want retrofit, used 3 times by 2 accounts today", tags)
	}
	// A member sees whether they follow it; the old route answers the same.
	if _, err := acctClient(n, tc).TagFollow(ctx, "retrofit"); err != nil {
		t.Fatal(err)
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends", tc, nil, &tags); code != http.StatusOK ||
		len(tags) != 1 || tags[0].Following == nil || !*tags[0].Following {
		t.Errorf("trends for a follower of the tag = %d %s", code, raw)
	}
	// GET /api/v1/tags/:name carries the same history.
	var one trendTag
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/tags/housing", "", nil, &one); code != http.StatusOK ||
		len(one.History) != 7 || one.History[0].Uses != "1" || one.History[0].Accounts != "1" {
		t.Errorf("tags/housing = %d %s", code, raw)
	}

	ids := func(token string) []string {
		t.Helper()
		var sts []struct {
			ID string `json:"id"`
		}
		if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends/statuses", token, nil, &sts); code != http.StatusOK {
			t.Fatalf("trends/statuses = %d %s", code, raw)
		}
		var out []string
		for _, st := range sts {
			out = append(out, st.ID)
		}
		return out
	}
	// Posts trend once a moderator approved them, as hashtags do.
	if got := ids(""); len(got) != 0 {
		t.Errorf("trends/statuses before review = %v; want none", got)
	}
	var pending []struct {
		ID             string `json:"id"`
		Content        string `json:"content"`
		Trendable      bool   `json:"trendable"`
		RequiresReview bool   `json:"requires_review"`
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/admin/trends/statuses", n.Token(mod, "admin:read"), nil, &pending); code != http.StatusOK ||
		len(pending) != 2 || pending[0].ID != string(popular.ID) || !pending[0].RequiresReview || pending[0].Trendable ||
		!strings.Contains(pending[0].Content, "strategy") {
		t.Fatalf("admin trends/statuses = %d %s; want the two posts waiting for review, most favourited first", code, raw)
	}
	for _, st := range pending {
		var reviewed struct {
			Trendable bool `json:"trendable"`
		}
		if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/statuses/"+st.ID+"/approve", n.Token(mod, "admin:write"), nil, &reviewed); code != http.StatusOK || !reviewed.Trendable {
			t.Fatalf("approve post %s = %d %s", st.ID, code, raw)
		}
	}
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/statuses/"+pending[0].ID+"/approve", n.Token(ann, "admin:write"), nil, nil); code != http.StatusForbidden {
		t.Errorf("a member approves a post = %d %s; want 403", code, raw)
	}
	if got, want := ids(""), []string{string(popular.ID), string(quiet.ID)}; !slices.Equal(got, want) {
		t.Errorf("trends/statuses = %v; want %v (most favourites and boosts first)", got, want)
	}
	if _, err := acctClient(n, tb).AccountBlock(ctx, mastodon.ID(ann.ID.String())); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(tb), []string{string(quiet.ID)}; !slices.Equal(got, want) {
		t.Errorf("trends/statuses for a member blocking ann = %v; want %v", got, want)
	}
	if err := n.Engine.ReviewStatusTrend(ctx, 0, mustID(t, string(quiet.ID)), false); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(""), []string{string(popular.ID)}; !slices.Equal(got, want) {
		t.Errorf("trends/statuses once the quiet post was rejected = %v; want %v", got, want)
	}
	var links []any
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends/links", "", nil, &links); code != http.StatusOK || links == nil || len(links) != 0 {
		t.Errorf("trends/links = %d %s; want []", code, raw)
	}
}

// mustID parses an entity's ID.
func mustID(t *testing.T, s string) storage.ID {
	t.Helper()
	id, err := storage.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
