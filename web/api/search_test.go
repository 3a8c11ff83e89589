package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// searchFound is what a search answered, reduced to what the tests
// compare.
type searchFound struct {
	Accounts []string // acct
	Statuses []string // URI
	Hashtags []string // name
	Tags     []struct {
		Name      string `json:"name"`
		URL       string `json:"url"`
		History   []any  `json:"history"`
		Following *bool  `json:"following"`
	}
}

// searchOn runs GET path (default /api/v2/search) on n with q and
// returns the status and what was found.
func searchOn(t *testing.T, n *testrig.Node, token string, q url.Values) (int, searchFound) {
	t.Helper()
	var raw struct {
		Accounts []struct{ Acct string } `json:"accounts"`
		Statuses []struct{ URI string }  `json:"statuses"`
		Hashtags []struct {
			Name      string `json:"name"`
			URL       string `json:"url"`
			History   []any  `json:"history"`
			Following *bool  `json:"following"`
		} `json:"hashtags"`
	}
	code, _, _ := call(t, "GET", n.URL+"/api/v2/search", token, q, &raw)
	var f searchFound
	for _, a := range raw.Accounts {
		f.Accounts = append(f.Accounts, a.Acct)
	}
	for _, s := range raw.Statuses {
		f.Statuses = append(f.Statuses, s.URI)
	}
	for _, h := range raw.Hashtags {
		f.Hashtags = append(f.Hashtags, h.Name)
	}
	f.Tags = raw.Hashtags
	return code, f
}

func searchPost(t *testing.T, n *testrig.Node, author storage.Account, d federation.Draft) storage.Status {
	t.Helper()
	st, err := n.Engine.Post(context.Background(), author.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Full-text search finds what each viewer may see, and nothing else.
func TestSearchStatusesVisibility(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	bob := n.Member("bob", false) // follows alice
	carol := n.Member("carol", false)
	dave := n.Member("dave", false)
	erin := n.Member("erin", false)
	frank := n.Member("frank", false)
	stFollow(t, n, bob, alice)
	if err := n.Engine.Mute(ctx, bob.ID, erin.ID, true, 0); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Block(ctx, carol.ID, erin.ID); err != nil {
		t.Fatal(err)
	}

	public := searchPost(t, n, alice, federation.Draft{Text: "Un café au lait at the library"})
	private := searchPost(t, n, alice, federation.Draft{Text: "secret minutes of the board", Visibility: "private"})
	direct := searchPost(t, n, alice, federation.Draft{Text: "@dave the budget draft", Visibility: "direct"})
	erins := searchPost(t, n, erin, federation.Draft{Text: "the quarterly budget report"})

	tokens := map[string]string{"alice": n.Token(alice), "bob": n.Token(bob), "carol": n.Token(carol),
		"dave": n.Token(dave), "frank": n.Token(frank), "anonymous": ""}
	for _, tc := range []struct {
		name string
		who  string
		q    string
		want []string
	}{
		{"a word inside a post", "frank", "library", []string{public.URI}},
		{"diacritics folded", "frank", "cafe", []string{public.URI}},
		{"diacritics in the query folded", "frank", "CAFÉ", []string{public.URI}},
		{"anonymous finds public posts", "anonymous", "cafe", []string{public.URI}},
		{"the author finds followers-only", "alice", "minutes", []string{private.URI}},
		{"a follower finds followers-only", "bob", "minutes", []string{private.URI}},
		{"a non-follower does not", "carol", "minutes", nil},
		{"nor does anonymous", "anonymous", "minutes", nil},
		{"the mentioned finds the direct post", "dave", "draft", []string{direct.URI}},
		{"its author too", "alice", "draft", []string{direct.URI}},
		{"a follower does not", "bob", "draft", nil},
		{"a muter does not find the muted", "bob", "budget", nil},
		{"a blocker does not find the blocked", "carol", "budget", nil},
		{"others do", "dave", "budget", []string{erins.URI, direct.URI}},
		{"a stranger finds the public one only", "frank", "budget", []string{erins.URI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, got := searchOn(t, n, tokens[tc.who], url.Values{"q": {tc.q}, "type": {"statuses"}})
			if code != http.StatusOK {
				t.Fatalf("search: %d", code)
			}
			if !slices.Equal(got.Statuses, tc.want) {
				t.Errorf("%s searching %q found %v; want %v", tc.who, tc.q, got.Statuses, tc.want)
			}
		})
	}

	// An erin who blocks frank: frank finds nothing of erin's.
	if err := n.Engine.Block(ctx, erin.ID, frank.ID); err != nil {
		t.Fatal(err)
	}
	if _, got := searchOn(t, n, tokens["frank"], url.Values{"q": {"budget"}}); len(got.Statuses) != 0 {
		t.Errorf("frank, blocked by erin, found %v", got.Statuses)
	}

	// go-mastodon's client reads the v2 answer.
	res, err := stClient(n, tokens["bob"]).Search(ctx, "secret minutes", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Statuses) != 1 || res.Statuses[0].URI != private.URI {
		t.Errorf("go-mastodon Search = %+v", res.Statuses)
	}
}

func TestSearchParameters(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	n.Member("alicia", false)
	var posts []string // oldest first
	for i, a := range []storage.Account{alice, bob, alice} {
		posts = append(posts, searchPost(t, n, a, federation.Draft{
			Text: "the library #Libraries opening hours " + string(rune('a'+i))}).URI)
	}
	searchPost(t, n, bob, federation.Draft{Text: "#LibraryCards and #library"})
	ta := n.Token(alice)
	ids := map[string]string{}
	for _, uri := range posts {
		st, err := n.Store.StatusByURI(context.Background(), uri)
		if err != nil {
			t.Fatal(err)
		}
		ids[uri] = st.ID.String()
	}

	for _, tc := range []struct {
		name  string
		token string
		q     url.Values
		want  searchFound
	}{
		{"accounts, statuses and hashtags at once", ta, url.Values{"q": {"ali"}},
			searchFound{Accounts: []string{"alice", "alicia"}, Hashtags: []string{"ali"}}},
		{"accounts only", ta, url.Values{"q": {"library"}, "type": {"accounts"}}, searchFound{}},
		{"statuses newest first", ta, url.Values{"q": {"opening hours"}, "type": {"statuses"}},
			searchFound{Statuses: []string{posts[2], posts[1], posts[0]}}},
		{"limit", ta, url.Values{"q": {"opening"}, "type": {"statuses"}, "limit": {"1"}},
			searchFound{Statuses: []string{posts[2]}}},
		{"offset", ta, url.Values{"q": {"opening"}, "type": {"statuses"}, "offset": {"1"}},
			searchFound{Statuses: []string{posts[1], posts[0]}}},
		{"max_id", ta, url.Values{"q": {"opening"}, "type": {"statuses"}, "max_id": {ids[posts[2]]}},
			searchFound{Statuses: []string{posts[1], posts[0]}}},
		{"min_id", ta, url.Values{"q": {"opening"}, "type": {"statuses"}, "min_id": {ids[posts[0]]}, "limit": {"1"}},
			searchFound{Statuses: []string{posts[1]}}},
		{"account_id", ta, url.Values{"q": {"opening"}, "type": {"statuses"}, "account_id": {bob.ID.String()}},
			searchFound{Statuses: []string{posts[1]}}},
		{"an unknown account_id", ta, url.Values{"q": {"opening"}, "type": {"statuses"}, "account_id": {"nope"}},
			searchFound{}},
		{"hashtags by prefix, the exact name first", ta, url.Values{"q": {"#library"}, "type": {"hashtags"}},
			searchFound{Hashtags: []string{"library", "librarycards"}}},
		{"a hashtag nobody used leads", "", url.Values{"q": {"#libr"}, "type": {"hashtags"}},
			searchFound{Hashtags: []string{"libr", "library", "libraries", "librarycards"}}},
		{"following accounts only", ta, url.Values{"q": {"ali"}, "type": {"accounts"}, "following": {"true"}},
			searchFound{}},
		{"anonymous finds accounts", "", url.Values{"q": {"bob"}, "type": {"accounts"}},
			searchFound{Accounts: []string{"bob"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, got := searchOn(t, n, tc.token, tc.q)
			if code != http.StatusOK {
				t.Fatalf("search: %d", code)
			}
			if !slices.Equal(got.Accounts, tc.want.Accounts) || !slices.Equal(got.Statuses, tc.want.Statuses) ||
				!slices.Equal(got.Hashtags, tc.want.Hashtags) {
				t.Errorf("found %v %v %v; want %v %v %v", got.Accounts, got.Statuses, got.Hashtags,
					tc.want.Accounts, tc.want.Statuses, tc.want.Hashtags)
			}
		})
	}

	_, got := searchOn(t, n, ta, url.Values{"q": {"#libraries"}, "type": {"hashtags"}})
	if len(got.Tags) == 0 || got.Tags[0].URL != n.URL+"/tags/libraries" || got.Tags[0].History == nil ||
		got.Tags[0].Following == nil || *got.Tags[0].Following {
		t.Errorf("the Tag entity = %+v", got.Tags)
	}
	if code, _ := searchOn(t, n, ta, url.Values{"q": {" "}}); code != http.StatusBadRequest {
		t.Errorf("an empty q: %d; want 400", code)
	}
	for _, tc := range []struct {
		name  string
		token string
		q     url.Values
		code  int
	}{
		{"an anonymous second page", "", url.Values{"q": {"opening"}, "offset": {"20"}}, http.StatusUnauthorized},
		{"a member beyond the 400th result", ta, url.Values{"q": {"opening"}, "offset": {"401"}}, http.StatusUnprocessableEntity},
		{"a member at the 400th result", ta, url.Values{"q": {"opening"}, "offset": {"400"}}, http.StatusOK},
		{"a q of 501 characters", ta, url.Values{"q": {strings.Repeat("é", 501)}}, http.StatusUnprocessableEntity},
		{"a q of 500 characters", "", url.Values{"q": {strings.Repeat("é", 500)}}, http.StatusOK},
	} {
		if code, _ := searchOn(t, n, tc.token, tc.q); code != tc.code {
			t.Errorf("%s: %d; want %d", tc.name, code, tc.code)
		}
	}
	if code, _ := searchOn(t, n, n.Token(alice, "write"), url.Values{"q": {"x"}}); code != http.StatusForbidden {
		t.Errorf("a token without read:search: %d; want 403", code)
	}
	var v1 struct{ Hashtags []string }
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/search", ta, url.Values{"q": {"#libraries"}}, &v1); code != http.StatusOK ||
		!slices.Equal(v1.Hashtags, []string{"libraries"}) {
		t.Errorf("v1 search: %d %v; want the names of hashtags", code, v1.Hashtags)
	}
}

// resolve=true fetches an account or a status from its node; without a
// member behind the request, it fetches nothing.
func TestSearchResolve(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	b.Member("carol", false)
	bobs := searchPost(t, b, bob, federation.Draft{Text: "A routine for enquiries"})
	private := searchPost(t, b, bob, federation.Draft{Text: "only for followers", Visibility: "private"})
	local := searchPost(t, a, alice, federation.Draft{Text: "a local post"})
	ta := a.Token(alice)

	// Neither an anonymous search with resolve nor a member's without it
	// makes A fetch carol.
	for _, token := range []string{"", ta} {
		q := url.Values{"q": {b.Acct("carol")}}
		if token == "" {
			q.Set("resolve", "true")
		}
		if code, got := searchOn(t, a, token, q); code != http.StatusOK || len(got.Accounts) != 0 {
			t.Errorf("search %v: %d %v; want nothing", q, code, got.Accounts)
		}
	}
	if _, err := a.Store.AccountByAcct(ctx, "carol", b.Host); err == nil {
		t.Error("A fetched carol")
	}

	for _, tc := range []struct {
		name  string
		token string
		q     url.Values
		want  searchFound
	}{
		{"user@host", ta, url.Values{"q": {b.Acct("bob")}, "resolve": {"true"}},
			searchFound{Accounts: []string{b.Acct("bob")}}},
		{"@user@host, now known", ta, url.Values{"q": {"@" + b.Acct("bob")}}, searchFound{Accounts: []string{b.Acct("bob")}}},
		{"anonymous does not fetch a status", "", url.Values{"q": {bobs.URI}, "resolve": {"true"}}, searchFound{}},
		{"a status by its URL", ta, url.Values{"q": {bobs.URI}, "resolve": {"true"}},
			searchFound{Statuses: []string{bobs.URI}}},
		{"a known status by its URL, anonymously", "", url.Values{"q": {bobs.URI}},
			searchFound{Statuses: []string{bobs.URI}}},
		{"a status of the wrong type", ta, url.Values{"q": {bobs.URI}, "resolve": {"true"}, "type": {"accounts"}},
			searchFound{}},
		{"an actor by its URL", ta, url.Values{"q": {b.URL + "/users/carol"}, "resolve": {"true"}},
			searchFound{Accounts: []string{b.Acct("carol")}}},
		{"a followers-only status is not fetched", ta, url.Values{"q": {private.URI}, "resolve": {"true"}}, searchFound{}},
		{"a local status page", "", url.Values{"q": {a.URL + "/@alice/" + local.ID.String()}},
			searchFound{Statuses: []string{local.URI}}},
		{"a local profile", "", url.Values{"q": {a.URL + "/@alice"}}, searchFound{Accounts: []string{"alice"}}},
		{"a URL that names nothing", ta, url.Values{"q": {b.URL + "/users/nobody/statuses/1"}, "resolve": {"true"}}, searchFound{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, got := searchOn(t, a, tc.token, tc.q)
			if code != http.StatusOK {
				t.Fatalf("search: %d", code)
			}
			if !slices.Equal(got.Accounts, tc.want.Accounts) || !slices.Equal(got.Statuses, tc.want.Statuses) {
				t.Errorf("found %v %v; want %v %v", got.Accounts, got.Statuses, tc.want.Accounts, tc.want.Statuses)
			}
		})
	}
}

// A member who follows a hashtag gets public posts with it in their home
// feed, from accounts they do not follow; the tag shows as followed.
func TestTagFollow(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	carol := n.Member("carol", false) // alice does not follow her
	ta := n.Token(alice)
	c := stClient(n, ta)

	var tag struct {
		Name      string `json:"name"`
		URL       string `json:"url"`
		History   []any  `json:"history"`
		Following *bool  `json:"following"`
	}
	for _, tc := range []struct {
		name, method, path, token string
		code                      int
		following                 *bool
	}{
		{"an unused tag", "GET", "/api/v1/tags/Gardening", ta, http.StatusOK, new(false)},
		{"anonymous", "GET", "/api/v1/tags/gardening", "", http.StatusOK, nil},
		{"no hashtag name", "GET", "/api/v1/tags/no-such", ta, http.StatusNotFound, nil},
		{"follow", "POST", "/api/v1/tags/Gardening/follow", ta, http.StatusOK, new(true)},
		{"follow again", "POST", "/api/v1/tags/gardening/follow", ta, http.StatusOK, new(true)},
		{"now followed", "GET", "/api/v1/tags/GARDENING", ta, http.StatusOK, new(true)},
		{"follow anonymously", "POST", "/api/v1/tags/gardening/follow", "", http.StatusUnauthorized, nil},
		{"follow without write:follows", "POST", "/api/v1/tags/gardening/follow", n.Token(alice, "read"), http.StatusForbidden, nil},
		{"follow a tag in another script", "POST", "/api/v1/tags/" + url.PathEscape("園芸") + "/follow", ta, http.StatusOK, new(true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag.Following = nil
			code, _, _ := call(t, tc.method, n.URL+tc.path, tc.token, nil, &tag)
			if code != tc.code {
				t.Fatalf("%s %s: %d; want %d", tc.method, tc.path, code, tc.code)
			}
			if code != http.StatusOK {
				return
			}
			if (tag.Following == nil) != (tc.following == nil) || tag.Following != nil && *tag.Following != *tc.following ||
				tag.History == nil || tag.URL == "" {
				t.Errorf("tag = %+v; want following %v", tag, tc.following)
			}
		})
	}

	var followed []struct{ Name string }
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/followed_tags", ta, nil, &followed); code != http.StatusOK ||
		len(followed) != 2 || followed[0].Name != "園芸" || followed[1].Name != "gardening" {
		t.Errorf("followed tags: %d %+v", code, followed)
	}

	tagged := searchPost(t, n, carol, federation.Draft{Text: "Spring #gardening tips"})
	hidden := searchPost(t, n, carol, federation.Draft{Text: "#gardening for followers", Visibility: "private"})
	untagged := searchPost(t, n, carol, federation.Draft{Text: "no tag here"})
	home := func() []string {
		t.Helper()
		sts, err := c.GetTimelineHome(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range sts {
			out = append(out, s.URI)
		}
		return out
	}
	if got := home(); !slices.Equal(got, []string{tagged.URI}) {
		t.Errorf("alice's home = %v; want carol's tagged public post only (not %s, %s)", got, hidden.URI, untagged.URI)
	}

	if code, _, _ := call(t, "POST", n.URL+"/api/v1/tags/gardening/unfollow", ta, nil, &tag); code != http.StatusOK ||
		tag.Following == nil || *tag.Following {
		t.Errorf("unfollow: %d %+v", code, tag)
	}
	later := searchPost(t, n, carol, federation.Draft{Text: "More #gardening"})
	if got := home(); slices.Contains(got, later.URI) {
		t.Errorf("a post after unfollowing reached alice's home: %v", got)
	}
	ok, err := n.Store.FollowsTag(ctx, alice.ID, "gardening")
	if err != nil || ok {
		t.Errorf("FollowsTag after unfollow = %v, %v", ok, err)
	}
}
