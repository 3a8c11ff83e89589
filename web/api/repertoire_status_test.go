package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// repertoireFixture is a node with a public community ("roads") holding
// an artefact and a glossary term about gritting, a members-only one
// ("hidden") holding another, a post about gritting, its moderator
// alice and a stranger.
type repertoireFixture struct {
	n                    *testrig.Node
	alice, stranger      storage.Account
	roads, hidden        storage.Account // the Groups
	post                 storage.Status
	plan, budget         storage.Artefact
	gritter              storage.Term
	aliceTok, strangeTok string
}

func newRepertoireFixture(t *testing.T) repertoireFixture {
	t.Helper()
	ctx := context.Background()
	f := repertoireFixture{n: testrig.StartOne(t, nil)}
	f.alice, f.stranger = f.n.Member("alice", false), f.n.Member("stranger", false)
	f.aliceTok, f.strangeTok = f.n.Token(f.alice), f.n.Token(f.stranger)
	community := func(handle, visibility string) storage.Account {
		c, err := f.n.Engine.CreateCommunity(ctx, f.alice, federation.NewCommunity{Handle: handle, Name: handle, Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		g, err := f.n.Store.AccountByID(ctx, c.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	f.roads, f.hidden = community("roads", ""), community("hidden", storage.CommunityMembersOnly)
	var err error
	if f.plan, err = f.n.Engine.CreateArtefact(ctx, f.alice, f.roads.ID, federation.NewArtefact{Title: "Winter gritting plan",
		Summary: "Which roads come first <when> it snows", Tags: []string{"highways"}}); err != nil {
		t.Fatal(err)
	}
	if f.gritter, err = f.n.Engine.CreateTerm(ctx, f.alice, f.roads.ID, federation.NewTerm{Term: "Gritter",
		Definition: "A lorry for **gritting**."}); err != nil {
		t.Fatal(err)
	}
	if f.budget, err = f.n.Engine.CreateArtefact(ctx, f.alice, f.hidden.ID, federation.NewArtefact{Title: "Gritting budget"}); err != nil {
		t.Fatal(err)
	}
	f.post = searchPost(t, f.n, f.alice, federation.Draft{Text: "Gritting starts tonight", Visibility: "public"})
	return f
}

// repertoireEntity is the part of a Status the tests read.
type repertoireEntity struct {
	ID         string  `json:"id"`
	URI        string  `json:"uri"`
	URL        *string `json:"url"`
	Content    string  `json:"content"`
	Visibility string  `json:"visibility"`
	Spoiler    string  `json:"spoiler_text"`
	CreatedAt  string  `json:"created_at"`
	Card       any     `json:"card"`
	Favourites int     `json:"favourites_count"`
	Tags       []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Account struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"account"`
}

// Issue 13 item 6: /api/v2/search finds artefacts and glossary terms as
// statuses, after the statuses found, for whoever may read them: the
// best artefact, then the best term, then the second artefact, and so on.
func TestSearchRepertoire(t *testing.T) {
	t.Parallel()
	f := newRepertoireFixture(t)
	post, plan, term, budget := f.post.URI, f.plan.URI, f.gritter.URI, f.budget.URI
	tests := []struct {
		name  string
		token string
		q     url.Values
		want  []string // status URIs, in order
	}{
		{"anonymous: the post, then the artefact and the term", "", url.Values{"q": {"gritting"}}, []string{post, plan, term}},
		{"type=statuses", "", url.Values{"q": {"gritting"}, "type": {"statuses"}}, []string{post, plan, term}},
		{"type=accounts leaves them out", "", url.Values{"q": {"gritting"}, "type": {"accounts"}}, nil},
		{"type=hashtags leaves them out", "", url.Values{"q": {"gritting"}, "type": {"hashtags"}}, nil},
		{"a term by its definition", "", url.Values{"q": {"lorry"}}, []string{term}},
		{"members-only hidden from a stranger", f.strangeTok, url.Values{"q": {"budget"}}, nil},
		{"members-only shown to a member", f.aliceTok, url.Values{"q": {"budget"}}, []string{budget}},
		{"a member finds both communities'", f.aliceTok, url.Values{"q": {"gritting"}, "type": {"statuses"}}, []string{post, budget, term, plan}},
		{"limit cuts the list", "", url.Values{"q": {"gritting"}, "limit": {"2"}}, []string{post, plan}},
		{"offset 1 runs into the repertoire", f.strangeTok, url.Values{"q": {"gritting"}, "limit": {"1"}, "offset": {"1"}}, []string{plan}},
		{"offset 2", f.strangeTok, url.Values{"q": {"gritting"}, "limit": {"1"}, "offset": {"2"}}, []string{term}},
		{"offset past the post", f.strangeTok, url.Values{"q": {"gritting"}, "limit": {"5"}, "offset": {"1"}}, []string{plan, term}},
		{"offset past everything", f.strangeTok, url.Values{"q": {"gritting"}, "offset": {"3"}}, nil},
		{"a page by id is statuses only", "", url.Values{"q": {"gritting"}, "max_id": {"9223372036854775807"}}, []string{post}},
		{"account_id: the community", "", url.Values{"q": {"gritting"}, "account_id": {f.roads.ID.String()}}, []string{plan, term}},
		{"account_id: the author", "", url.Values{"q": {"gritting"}, "account_id": {f.alice.ID.String()}}, []string{post, plan, term}},
		{"account_id: another", "", url.Values{"q": {"gritting"}, "account_id": {f.stranger.ID.String()}}, nil},
		{"account_id: a members-only community, a stranger", f.strangeTok, url.Values{"q": {"gritting"}, "account_id": {f.hidden.ID.String()}}, nil},
		{"an artefact by its id", "", url.Values{"q": {plan}}, []string{plan}},
		{"a term by its id", "", url.Values{"q": {term}}, []string{term}},
		{"an artefact by its page", "", url.Values{"q": {f.n.URL + "/c/roads/artefacts/" + f.plan.ID.String()}}, []string{plan}},
		{"a term's id in an artefact's page", "", url.Values{"q": {f.n.URL + "/c/roads/artefacts/" + f.gritter.ID.String()}}, nil},
		{"an artefact's page under another handle", "", url.Values{"q": {f.n.URL + "/c/hidden/artefacts/" + f.plan.ID.String()}}, nil},
		{"a members-only artefact's id, a stranger", f.strangeTok, url.Values{"q": {budget}, "resolve": {"true"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, got := searchOn(t, f.n, tt.token, tt.q)
			if code != http.StatusOK {
				t.Fatalf("search %v: %d", tt.q, code)
			}
			if !slices.Equal(got.Statuses, tt.want) {
				t.Errorf("search %v found %v; want %v", tt.q, got.Statuses, tt.want)
			}
		})
	}
}

// An artefact and a term found by search come as statuses an app can
// show: the community's account, a link to their page, their
// community's visibility, and nothing to count.
func TestSearchRepertoireEntity(t *testing.T) {
	t.Parallel()
	f := newRepertoireFixture(t)
	var res struct {
		Statuses []repertoireEntity `json:"statuses"`
	}
	if code, _, raw := call(t, "GET", f.n.URL+"/api/v2/search", f.aliceTok, url.Values{"q": {"gritting"}, "type": {"statuses"}}, &res); code != 200 {
		t.Fatalf("search: %d %s", code, raw)
	}
	byURI := map[string]repertoireEntity{}
	for _, s := range res.Statuses {
		byURI[s.URI] = s
	}
	plan, term, budget := byURI[f.plan.URI], byURI[f.gritter.URI], byURI[f.budget.URI]
	planPage := f.n.URL + "/c/roads/artefacts/" + f.plan.ID.String()
	checks := []struct {
		name      string
		got, want any
	}{
		{"artefact id", plan.ID, f.plan.ID.String()},
		{"artefact url", deref(plan.URL), planPage},
		{"artefact account", plan.Account.Acct, "roads"},
		{"artefact account id", plan.Account.ID, f.roads.ID.String()},
		{"artefact visibility", plan.Visibility, "public"},
		{"artefact spoiler", plan.Spoiler, ""},
		{"artefact card", plan.Card, nil},
		{"artefact favourites", plan.Favourites, 0},
		{"artefact link", strings.Contains(plan.Content, `<a href="`+planPage+`">Winter gritting plan</a>`), true},
		{"artefact summary escaped", strings.Contains(plan.Content, "<p>Which roads come first &lt;when&gt; it snows</p>"), true},
		{"artefact tags", len(plan.Tags) == 1 && plan.Tags[0].Name == "highways", true},
		{"artefact created", plan.CreatedAt != "", true},
		{"term id", term.ID, f.gritter.ID.String()},
		{"term url", deref(term.URL), f.n.URL + "/c/roads/glossary#" + federation.TermAnchor("Gritter")},
		{"term definition", strings.Contains(term.Content, "<strong>gritting</strong>"), true},
		{"term account", term.Account.Acct, "roads"},
		{"members-only visibility", budget.Visibility, "private"},
		{"members-only account", budget.Account.Acct, "hidden"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v; want %v", c.name, c.got, c.want)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// An artefact's or term's id opens as a status for whoever may read it;
// acting on it as on a post answers 422 with a reason; to anyone who may
// not read it, it does not exist.
func TestRepertoireStatusByID(t *testing.T) {
	t.Parallel()
	f := newRepertoireFixture(t)
	base := f.n.URL + "/api/v1/statuses/"
	plan, term, budget := f.plan.ID.String(), f.gritter.ID.String(), f.budget.ID.String()
	tests := []struct {
		name, method, path, token string
		code                      int
		contains                  string
	}{
		{"open an artefact", "GET", plan, "", 200, `"uri":"` + f.plan.URI + `"`},
		{"open a term", "GET", term, f.strangeTok, 200, `"uri":"` + f.gritter.URI + `"`},
		{"open a members-only artefact, a member", "GET", budget, f.aliceTok, 200, `"visibility":"private"`},
		{"open a members-only artefact, a stranger", "GET", budget, f.strangeTok, 404, ""},
		{"open a members-only artefact, anonymous", "GET", budget, "", 404, ""},
		{"favourite", "POST", plan + "/favourite", f.strangeTok, 422, "artefact, not a post"},
		{"reblog", "POST", plan + "/reblog", f.strangeTok, 422, "cannot be replied to"},
		{"bookmark a term", "POST", term + "/bookmark", f.strangeTok, 422, "glossary term, not a post"},
		{"reply context", "GET", plan + "/context", "", 422, "artefact"},
		{"edit", "PUT", plan, f.aliceTok, 422, "artefact"},
		{"delete", "DELETE", plan, f.aliceTok, 422, "artefact"},
		{"history", "GET", term + "/history", "", 422, "glossary term"},
		{"favourite a members-only artefact, a stranger", "POST", budget + "/favourite", f.strangeTok, 404, ""},
		{"a status still opens", "GET", f.post.ID.String(), "", 200, `"uri":"` + f.post.URI + `"`},
		{"nothing by that id", "GET", "12345", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, raw := call(t, tt.method, base+tt.path, tt.token, nil, nil)
			if code != tt.code {
				t.Fatalf("%s %s: %d %s; want %d", tt.method, tt.path, code, raw, tt.code)
			}
			if !strings.Contains(raw, tt.contains) {
				t.Errorf("%s %s: %s lacks %q", tt.method, tt.path, raw, tt.contains)
			}
			if code == 422 && !strings.HasPrefix(raw, `{"error":`) {
				t.Errorf("%s %s: %s is no error entity", tt.method, tt.path, raw)
			}
		})
	}
}

// A suspended community's artefacts and terms are found by nobody, and
// their ids open nothing: the community rule that the copse API's search
// asks (federation.Engine.ArtefactReadable).
func TestSearchRepertoireSuspendedCommunity(t *testing.T) {
	t.Parallel()
	f := newRepertoireFixture(t)
	if err := f.n.Engine.ActOnAccount(context.Background(), federation.AccountAction{Target: f.roads.ID, Type: federation.ActionSuspend}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"", f.aliceTok} {
		if code, got := searchOn(t, f.n, tok, url.Values{"q": {"gritting"}}); code != 200 || slices.Contains(got.Statuses, f.plan.URI) ||
			slices.Contains(got.Statuses, f.gritter.URI) {
			t.Errorf("search after the suspension: %d %v", code, got.Statuses)
		}
		if code, _, raw := call(t, "GET", f.n.URL+"/api/v1/statuses/"+f.plan.ID.String(), tok, nil, nil); code != 404 {
			t.Errorf("open the artefact after the suspension: %d %s; want 404", code, raw)
		}
	}
}

// Events are searched too: /api/v2/search finds them as statuses of their
// community's Group ("Event: " and the name, linked to the events page,
// then when and where, and the description), for whoever may read the
// community; an event's id opens as such a status and is not a post.
func TestSearchRepertoireEvents(t *testing.T) {
	t.Parallel()
	f := newRepertoireFixture(t)
	ctx := context.Background()
	start := time.Date(2031, 3, 4, 10, 0, 0, 0, time.UTC)
	briefing, err := f.n.Engine.CreateEvent(ctx, f.alice, f.roads.ID, federation.NewEvent{Name: "Depot briefing", Description: "Bring **boots**.",
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Winchester depot", PlaceAddress: "Bar End Road"})
	if err != nil {
		t.Fatal(err)
	}
	review, err := f.n.Engine.CreateEvent(ctx, f.alice, f.hidden.ID, federation.NewEvent{Name: "Depot budget review",
		Start: start, End: start.Add(time.Hour), TimeZone: "UTC", OnlineURL: "https://meet.example/review"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		q     url.Values
		want  []string // status URIs, in any order
	}{
		{"anonymous: the public community's event", "", url.Values{"q": {"depot"}}, []string{briefing.URI}},
		{"by its place's address", "", url.Values{"q": {"bar end road"}}, []string{briefing.URI}},
		{"by its description", "", url.Values{"q": {"boots"}, "type": {"statuses"}}, []string{briefing.URI}},
		{"a stranger: not the members-only one", f.strangeTok, url.Values{"q": {"depot"}}, []string{briefing.URI}},
		{"a member: both", f.aliceTok, url.Values{"q": {"depot"}}, []string{briefing.URI, review.URI}},
		{"account_id: the community", "", url.Values{"q": {"depot"}, "account_id": {f.roads.ID.String()}}, []string{briefing.URI}},
		{"account_id: the organiser", f.aliceTok, url.Values{"q": {"depot"}, "account_id": {f.alice.ID.String()}}, []string{briefing.URI, review.URI}},
		{"type=accounts leaves them out", "", url.Values{"q": {"depot"}, "type": {"accounts"}}, nil},
		{"an event by its id", "", url.Values{"q": {briefing.URI}}, []string{briefing.URI}},
		{"a members-only event's id, a stranger", f.strangeTok, url.Values{"q": {review.URI}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, got := searchOn(t, f.n, tt.token, tt.q)
			if code != http.StatusOK {
				t.Fatalf("search %v: %d", tt.q, code)
			}
			slices.Sort(got.Statuses)
			slices.Sort(tt.want)
			if !slices.Equal(got.Statuses, tt.want) {
				t.Errorf("search %v found %v; want %v", tt.q, got.Statuses, tt.want)
			}
		})
	}

	var res struct {
		Statuses []repertoireEntity `json:"statuses"`
	}
	if code, _, raw := call(t, "GET", f.n.URL+"/api/v2/search", f.aliceTok, url.Values{"q": {"depot"}}, &res); code != 200 || len(res.Statuses) != 2 {
		t.Fatalf("search: %d %s", code, raw)
	}
	byURI := map[string]repertoireEntity{}
	for _, s := range res.Statuses {
		byURI[s.URI] = s
	}
	ev, hidden := byURI[briefing.URI], byURI[review.URI]
	page := f.n.URL + "/c/roads/events/" + briefing.ID.String()
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", ev.ID, briefing.ID.String()},
		{"url", deref(ev.URL), page},
		{"account", ev.Account.Acct, "roads"},
		{"visibility", ev.Visibility, "public"},
		{"name linked", strings.Contains(ev.Content, `<p>Event: <a href="`+page+`">Depot briefing</a></p>`), true},
		{"start and place", strings.Contains(ev.Content,
			`<p><time datetime="2031-03-04T10:00:00.000Z">Tuesday 4 March 2031, 10:00 GMT</time> · Winchester depot, Bar End Road</p>`), true},
		{"description", strings.Contains(ev.Content, "<strong>boots</strong>"), true},
		{"members-only visibility", hidden.Visibility, "private"},
		{"members-only account", hidden.Account.Acct, "hidden"},
		{"online only", strings.Contains(hidden.Content, "</time> · Online</p>"), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v; want %v (%s)", c.name, c.got, c.want, ev.Content)
		}
	}

	base := f.n.URL + "/api/v1/statuses/"
	for _, tt := range []struct {
		name, method, path, token string
		code                      int
		contains                  string
	}{
		{"open an event", "GET", briefing.ID.String(), "", 200, `"uri":"` + briefing.URI + `"`},
		{"favourite an event", "POST", briefing.ID.String() + "/favourite", f.strangeTok, 422, "event, not a post"},
		{"open a members-only event, a member", "GET", review.ID.String(), f.aliceTok, 200, `"visibility":"private"`},
		{"open a members-only event, a stranger", "GET", review.ID.String(), f.strangeTok, 404, ""},
	} {
		code, _, raw := call(t, tt.method, base+tt.path, tt.token, nil, nil)
		if code != tt.code || !strings.Contains(raw, tt.contains) {
			t.Errorf("%s: %s %s: %d %s; want %d with %q", tt.name, tt.method, tt.path, code, raw, tt.code, tt.contains)
		}
	}
}
