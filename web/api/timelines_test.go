package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

func TestTimelineHomeAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	stFollow(t, a, alice, a.Resolve(b.Acct("bob")))
	ctx := context.Background()
	ta := a.Token(alice)

	posted, err := stClient(b, b.Token(bob)).PostStatus(ctx, &mastodon.Toot{Status: "New #libraries routine"})
	if err != nil {
		t.Fatal(err)
	}
	var seen *mastodon.Status
	testrig.Eventually(t, stWait, "bob's post in alice's home timeline", func() bool {
		home, err := stClient(a, ta).GetTimelineHome(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range home {
			if st.URI == posted.URI {
				seen = st
				return true
			}
		}
		return false
	})
	if seen.Account.Acct != "bob@"+b.Host || !strings.Contains(seen.Content, "routine") {
		t.Errorf("alice sees %q by %q", seen.Content, seen.Account.Acct)
	}

	// The public timeline of A holds it as remote, and the tag timeline too.
	public := func(local bool, extra url.Values) []string {
		t.Helper()
		q := url.Values{"local": {strconv.FormatBool(local)}}
		for k, v := range extra {
			q[k] = v
		}
		var sts []struct{ URI string }
		if code, _, _ := call(t, "GET", a.URL+"/api/v1/timelines/public", "", q, &sts); code != http.StatusOK {
			t.Fatalf("public timeline: %d", code)
		}
		var out []string
		for _, s := range sts {
			out = append(out, s.URI)
		}
		return out
	}
	if got := public(false, url.Values{"remote": {"true"}}); !slices.Contains(got, posted.URI) {
		t.Errorf("remote public timeline of A = %v; want bob's post", got)
	}
	if got := public(true, nil); slices.Contains(got, posted.URI) {
		t.Errorf("local public timeline of A holds bob's post")
	}
	tagged, err := stClient(a, "").GetTimelineHashtag(ctx, "Libraries", false, nil)
	if err != nil || len(tagged) != 1 || tagged[0].URI != posted.URI {
		t.Errorf("tag timeline on A = %v, %v", tagged, err)
	}
}

func TestTimelineHomePagination(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	stFollow(t, n, alice, bob)
	ctx := context.Background()
	want := make([]string, 0, 100)
	for i := range 100 {
		st, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: fmt.Sprintf("post %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, st.ID.String())
	}
	slices.Reverse(want) // newest first
	ta := n.Token(alice)

	// go-mastodon follows rel="next" until a page comes back empty.
	c := stClient(n, ta)
	var got []string
	pg := &mastodon.Pagination{Limit: 7}
	for pages := 0; ; pages++ {
		if pages > 30 {
			t.Fatal("paging does not end")
		}
		sts, err := c.GetTimelineHome(ctx, pg)
		if err != nil {
			t.Fatal(err)
		}
		if len(sts) == 0 {
			break
		}
		for _, s := range sts {
			got = append(got, string(s.ID))
		}
		if pg.MaxID == "" {
			t.Fatal("a full page has no next link")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("walked %d statuses; want the 100, newest first, no gaps or repeats", len(got))
	}

	// The raw Link header, and prev going back to newer statuses.
	var page1, page2, back []struct{ ID string }
	_, h, _ := call(t, "GET", n.URL+"/api/v1/timelines/home", ta, url.Values{"limit": {"10"}}, &page1)
	next, prev := stLinks(h.Get("Link"))
	if !strings.Contains(next, "max_id="+want[9]) || !strings.Contains(prev, "min_id="+want[0]) || !strings.Contains(next, "limit=10") {
		t.Fatalf("Link = %q", h.Get("Link"))
	}
	_, h, _ = call(t, "GET", next, ta, nil, &page2)
	if len(page2) != 10 || page2[0].ID != want[10] {
		t.Fatalf("the next page starts at %v; want %s", page2, want[10])
	}
	_, prev = stLinks(h.Get("Link"))
	call(t, "GET", prev, ta, nil, &back)
	if len(back) != 10 || back[0].ID != want[0] || back[9].ID != want[9] {
		t.Errorf("prev of the second page = %v; want the first page", back)
	}

	// min_id: the statuses just above it, newest first; since_id: the
	// newest ones above it.
	ids := func(form url.Values) []string {
		var sts []struct{ ID string }
		call(t, "GET", n.URL+"/api/v1/timelines/home", ta, form, &sts)
		var out []string
		for _, s := range sts {
			out = append(out, s.ID)
		}
		return out
	}
	if got := ids(url.Values{"min_id": {want[50]}, "limit": {"3"}}); !slices.Equal(got, []string{want[47], want[48], want[49]}) {
		t.Errorf("min_id = %v; want %v", got, want[47:50])
	}
	if got := ids(url.Values{"since_id": {want[50]}, "limit": {"3"}}); !slices.Equal(got, want[:3]) {
		t.Errorf("since_id = %v; want %v", got, want[:3])
	}
	if got := ids(url.Values{"max_id": {want[10]}, "since_id": {want[14]}}); !slices.Equal(got, want[11:14]) {
		t.Errorf("max_id and since_id = %v; want %v", got, want[11:14])
	}
	if got := ids(url.Values{"limit": {"100"}}); len(got) != 40 {
		t.Errorf("limit=100 gave %d statuses; want the maximum, 40", len(got))
	}
	if got := ids(nil); len(got) != 20 {
		t.Errorf("no limit gave %d statuses; want the default, 20", len(got))
	}
}

func TestTimelinePublicTagListsAndConversations(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	ctx := context.Background()
	post := func(a storage.Account, text string, vis activitypub.Visibility) storage.Status {
		t.Helper()
		st, err := n.Engine.Post(ctx, a.ID, federation.Draft{Text: text, Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	both := post(alice, "#Routines for #libraries", activitypub.Public)
	lib := post(bob, "about #libraries", activitypub.Public)
	post(bob, "unlisted #libraries", activitypub.Unlisted)
	post(bob, "private #libraries", activitypub.FollowersOnly)
	cafe := post(alice, "Le #café des bibliothèques", activitypub.Public)

	tag := func(path string, q url.Values) []string {
		t.Helper()
		var sts []struct{ ID string }
		if code, _, _ := call(t, "GET", n.URL+"/api/v1/timelines/tag/"+path, "", q, &sts); code != http.StatusOK {
			t.Fatalf("tag %s: %d", path, code)
		}
		var out []string
		for _, s := range sts {
			out = append(out, s.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		path string
		q    url.Values
		want []storage.ID
	}{
		{"public only", "libraries", nil, []storage.ID{lib.ID, both.ID}},
		{"any case", "LIBRARIES", nil, []storage.ID{lib.ID, both.ID}},
		{"all", "libraries", url.Values{"all[]": {"routines"}}, []storage.ID{both.ID}},
		{"none", "libraries", url.Values{"none[]": {"routines"}}, []storage.ID{lib.ID}},
		{"any", "nothing", url.Values{"any[]": {"routines"}}, []storage.ID{both.ID}},
		{"unknown tag", "nothing", nil, nil},
		{"escaped, in another script", url.PathEscape("café"), nil, []storage.ID{cafe.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, id := range tt.want {
				want = append(want, id.String())
			}
			if got := tag(tt.path, tt.q); !slices.Equal(got, want) {
				t.Errorf("got %v; want %v", got, want)
			}
		})
	}

	public, err := stClient(n, "").GetTimelinePublic(ctx, true, nil)
	if err != nil || len(public) != 3 {
		t.Errorf("public timeline = %d statuses, %v; want the 3 public ones", len(public), err)
	}
	ta := n.Token(alice)
	for _, path := range []string{"/api/v1/timelines/list/123", "/api/v1/conversations"} {
		code, _, raw := call(t, "GET", n.URL+path, ta, nil, nil)
		if strings.Contains(path, "/list/") {
			if code != http.StatusNotFound {
				t.Errorf("%s, a list nobody made: %d; want 404", path, code)
			}
		} else if code != http.StatusOK || strings.TrimSpace(raw) != "[]" {
			t.Errorf("%s: %d %s; want an empty list", path, code, raw)
		}
		if code, _, _ := call(t, "GET", n.URL+path, "", nil, nil); code != http.StatusUnauthorized {
			t.Errorf("%s anonymously: %d; want 401", path, code)
		}
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/timelines/home", "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("home anonymously: %d; want 401", code)
	}
}

// TestHideBoosts: following with reblogs=false keeps the followed
// account's boosts out of the home timeline, those made before as well,
// while its own posts stay; following again with reblogs=true lets new
// boosts in.
func TestHideBoosts(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	ta, tb, tc := n.Token(alice), n.Token(bob), n.Token(carol)
	ac, bc, cc := acctClient(n, ta), acctClient(n, tb), acctClient(n, tc)
	follow := func(body string) {
		t.Helper()
		if code, _, _ := call(t, "POST", n.URL+"/api/v1/accounts/"+bob.ID.String()+"/follow", ta, body, nil); code != http.StatusOK {
			t.Fatalf("follow %s = %d", body, code)
		}
	}
	post := func(c *mastodon.Client, text string) *mastodon.Status {
		t.Helper()
		st, err := c.PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	boost := func(st *mastodon.Status) *mastodon.Status {
		t.Helper()
		rb, err := bc.Reblog(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rb
	}
	home := func() map[mastodon.ID]bool {
		t.Helper()
		sts, err := ac.GetTimelineHome(ctx, &mastodon.Pagination{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[mastodon.ID]bool{}
		for _, st := range sts {
			ids[st.ID] = true
		}
		return ids
	}

	follow(`{}`)
	early := boost(post(cc, "a routine for intake calls"))
	if !home()[early.ID] {
		t.Fatal("a boost by a followed account is not in the home timeline")
	}
	follow(`{"reblogs": false}`)
	own := post(bc, "bob's own post")
	late := boost(post(cc, "a checklist for site visits"))
	got := home()
	if got[early.ID] || got[late.ID] {
		t.Errorf("boosts hidden with reblogs=false still in the home timeline (earlier: %v, later: %v)", got[early.ID], got[late.ID])
	}
	if !got[own.ID] {
		t.Error("bob's own post left the home timeline with his boosts")
	}
	follow(`{"reblogs": true}`)
	again := boost(post(cc, "a glossary of planning terms"))
	if got := home(); !got[again.ID] || !got[early.ID] {
		t.Errorf("with reblogs=true again, boosts are missing (new: %v, earlier: %v)", got[again.ID], got[early.ID])
	}
}

// TestFollowBackfillsHome: following an account brings its latest posts
// into the home timeline at once, followers-only ones included, direct
// ones not.
func TestFollowBackfillsHome(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	n.Member("carol", false)
	ac, bc := acctClient(n, n.Token(alice)), acctClient(n, n.Token(bob))
	post := func(text, visibility string) mastodon.ID {
		t.Helper()
		st, err := bc.PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	public, private := post("the autumn newsletter", "public"), post("for followers: the draft", "private")
	direct := post("@carol only for you", "direct")
	if _, err := ac.AccountFollow(ctx, mastodon.ID(bob.ID.String())); err != nil {
		t.Fatal(err)
	}
	home, err := ac.GetTimelineHome(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[mastodon.ID]bool{}
	for _, st := range home {
		got[st.ID] = true
	}
	if !got[public] || !got[private] || got[direct] {
		t.Errorf("home after following bob: public %v, followers-only %v, direct %v; want true, true, false",
			got[public], got[private], got[direct])
	}
}
