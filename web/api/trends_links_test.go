package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type trendLink struct {
	ID             string `json:"id"`
	URL            string `json:"url"`
	Title          string `json:"title"`
	ProviderName   string `json:"provider_name"`
	Type           string `json:"type"`
	Trendable      bool   `json:"trendable"`
	RequiresReview bool   `json:"requires_review"`
	History        []struct {
		Day      string `json:"day"`
		Uses     string `json:"uses"`
		Accounts string `json:"accounts"`
	} `json:"history"`
}

// TestTrendingLinks: a page several members linked to in public posts
// this week trends once a moderator approved it (through Mastodon's
// admin API), as a PreviewCard with a week of history; a page one member
// shared, or shared only in followers-only posts, does not; a rejected
// link never trends.
func TestTrendingLinks(t *testing.T) {
	t.Parallel()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<head><title>Page %s</title><meta property="og:site_name" content="Gov news"></head>`, r.URL.Path)
	}))
	defer site.Close()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	members := map[string]storage.Account{"ann": n.Member("ann", false), "bea": n.Member("bea", false), "cai": n.Member("cai", false)}
	mod := n.Member("mod", false)
	if err := n.Engine.SetPermission(ctx, "mod", federation.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	var sts []*mastodon.Status
	for _, p := range []struct{ who, path, vis string }{
		{"ann", "/retrofit", "public"}, {"ann", "/retrofit", "public"}, {"bea", "/retrofit", "public"}, {"cai", "/retrofit", "private"},
		{"ann", "/grants", "public"}, {"bea", "/grants", "public"}, {"cai", "/grants", "public"},
		{"cai", "/alone", "public"}, {"cai", "/alone", "public"},
		{"ann", "/hidden", "private"}, {"bea", "/hidden", "private"},
	} {
		st, err := acctClient(n, n.Token(members[p.who])).PostStatus(ctx, &mastodon.Toot{Status: "See " + site.URL + p.path, Visibility: p.vis})
		if err != nil {
			t.Fatal(err)
		}
		sts = append(sts, st)
	}
	testrig.Eventually(t, stWait, "every post has its card", func() bool {
		ids := make([]storage.ID, 0, len(sts))
		for _, st := range sts {
			id, _ := storage.ParseID(string(st.ID))
			ids = append(ids, id)
		}
		cards, err := n.Store.CardsOf(ctx, ids)
		return err == nil && len(cards) == len(sts)
	})

	var links []trendLink
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends/links", "", nil, &links); code != http.StatusOK || len(links) != 0 {
		t.Fatalf("trends/links before review = %d %s; want none", code, raw)
	}
	var review []trendLink
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/admin/trends/links", n.Token(mod, "admin:read"), nil, &review); code != http.StatusOK ||
		len(review) != 2 || review[0].URL != site.URL+"/grants" || review[1].URL != site.URL+"/retrofit" ||
		!review[0].RequiresReview || review[0].Trendable || len(review[0].History) != 7 {
		t.Fatalf("admin trends/links = %d %s; want grants (3 people), then retrofit (2), waiting for review", code, raw)
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/admin/trends/links", n.Token(members["ann"], "admin:read"), nil, nil); code != http.StatusForbidden {
		t.Errorf("admin trends/links for a member = %d %s; want 403", code, raw)
	}
	var approved trendLink
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/links/"+review[1].ID+"/approve", n.Token(mod, "admin:write"), nil, &approved); code != http.StatusOK ||
		!approved.Trendable || approved.RequiresReview || approved.Title != "Page /retrofit" {
		t.Fatalf("approve = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/links/"+review[0].ID+"/reject", n.Token(mod, "admin:write"), nil, nil); code != http.StatusOK {
		t.Fatalf("reject = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/admin/trends/links/12345/approve", n.Token(mod, "admin:write"), nil, nil); code != http.StatusNotFound {
		t.Errorf("approve an unknown link = %d %s; want 404", code, raw)
	}
	if _, err := n.Engine.ReviewLink(ctx, members["ann"].ID, 1, true); !errors.Is(err, federation.ErrDenied) {
		t.Errorf("a member reviews a link: %v; want denied", err)
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/trends/links", "", nil, &links); code != http.StatusOK || len(links) != 1 {
		t.Fatalf("trends/links = %d %s; want retrofit alone", code, raw)
	}
	l := links[0]
	if l.URL != site.URL+"/retrofit" || l.Title != "Page /retrofit" || l.ProviderName != "Gov news" || l.Type != "link" ||
		len(l.History) != 7 || l.History[0].Uses != "3" || l.History[0].Accounts != "2" || l.History[1].Uses != "0" {
		t.Errorf("trends/links = %+v; want retrofit, 3 public posts by 2 people today", l)
	}
	// The audit log says who decided.
	entries, err := n.Store.AuditLog(ctx, storage.AuditFilter{Action: federation.AuditApproveTrend}, storage.Page{Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].TargetType != storage.AuditLink || entries[0].AccountID != mod.ID {
		t.Errorf("audit = %+v, %v; want mod's approval of the link", entries, err)
	}
}
