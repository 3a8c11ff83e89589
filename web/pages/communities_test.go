package pages_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

func setWork(t *testing.T, n *testrig.Node, a storage.Account, org, dept, role string) {
	t.Helper()
	_, err := n.Engine.UpdateCredentials(context.Background(), a.ID, federation.Credentials{Profile: federation.Profile{
		DisplayName: strings.ToUpper(a.Username[:1]) + a.Username[1:], Discoverable: true, Organisation: org, Department: dept, JobTitle: role}})
	if err != nil {
		t.Fatal(err)
	}
}

func newCommunity(t *testing.T, n *testrig.Node, creator storage.Account, nc federation.NewCommunity) storage.Account {
	t.Helper()
	c, err := n.Engine.CreateCommunity(context.Background(), creator, nc)
	if err != nil {
		t.Fatal(err)
	}
	g, err := n.Store.AccountByID(context.Background(), c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// desk is the community "Enquiry desk" that mod creates on n and members
// join, as most tests of its forms need.
func desk(t *testing.T, n *testrig.Node, mod storage.Account, members ...storage.Account) storage.Account {
	t.Helper()
	g := newCommunity(t, n, mod, federation.NewCommunity{Handle: "desk", Name: "Enquiry desk"})
	for _, who := range members {
		if err := n.Engine.Follow(context.Background(), who.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// startDesk starts a node with the desk community: mod its moderator,
// bea a member.
func startDesk(t *testing.T) (n *testrig.Node, mod, bea, g storage.Account) {
	t.Helper()
	n = testrig.StartOne(t, nil)
	mod, bea = n.Member("mod", false), n.Member("bea", false)
	return n, mod, bea, desk(t, n, mod, bea)
}

// communityFixture is a node A hosting an open public community with
// members from A and B and a thread with a reply, and a members-only
// community with a thread.
type communityFixture struct {
	a, b           *testrig.Node
	thread, secret storage.Status
}

func startCommunities(t *testing.T) communityFixture {
	t.Helper()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, dan, bea := a.Member("alice", false), a.Member("dan", false), b.Member("bea", false)
	setWork(t, a, alice, "Hampshire County Council", "Libraries", "Information officer")
	setWork(t, a, dan, "Hampshire County Council", "Archives", "Archivist")
	setWork(t, b, bea, "Surrey Council", "Libraries", "Librarian")
	libs := newCommunity(t, a, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice",
		Description: "Where **library** staff meet. " + hostile, Rules: "- Be kind.\n- No residents' data."})
	hidden := newCommunity(t, a, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden room", Visibility: storage.CommunityMembersOnly})
	for _, m := range []storage.Account{alice, dan} {
		for _, g := range []storage.Account{libs, hidden} {
			if err := a.Engine.Follow(ctx, m.ID, g.ID, federation.FollowOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	onB := b.Resolve("libraries@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, onB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "bea joins", func() bool {
		r, err := a.Store.CommunityRoster(ctx, libs.ID, false)
		return err == nil && r.Members == 3
	})
	f := communityFixture{a: a, b: b}
	inCommunity := func(author storage.Account, text string, reply storage.ID) storage.Status {
		st, err := a.Engine.Post(ctx, author.ID, federation.Draft{Text: text, InReplyTo: reply, Visibility: activitypub.Public})
		if err != nil {
			t.Fatal(err)
		}
		testrig.Eventually(t, 15*time.Second, "the post is the community's", func() bool {
			_, err := a.Store.CommunityOfStatus(ctx, st.ID)
			return err == nil
		})
		return st
	}
	f.thread = inCommunity(alice, "@libraries Opening hours on bank holidays?", 0)
	inCommunity(dan, "@libraries We close at four.", f.thread.ID)
	f.secret = inCommunity(dan, "@hidden A secret plan", 0)
	return f
}

func TestCommunityPages(t *testing.T) {
	f := startCommunities(t)
	a, b := f.a, f.b
	threadPath := "/c/libraries/threads/" + f.thread.ID.String()
	tests := []pageCase{
		{name: "the node's communities", path: "/communities", code: http.StatusOK, title: "Communities – " + a.Host,
			contains: []string{`<a href="/c/libraries">Library practice</a>`, `<a href="/c/hidden">Hidden room</a>`, "3 members"}},
		{name: "about, from Markdown, sanitised", path: "/c/libraries", code: http.StatusOK, title: "Library practice – " + a.Host,
			contains: []string{"<h1>Library practice <span class=\"meta\">@libraries@" + a.Host + "</span></h1>", "<strong>library</strong>", "alert(&#34;x&#34;)bold &amp; co"},
			absent:   []string{"<script", "<b>"}},
		{name: "rules", path: "/c/libraries", code: http.StatusOK, contains: []string{"<ol><li>Be kind.</li><li>No residents&#39; data.</li></ol>"}},
		{name: "how to join, with the handle", path: "/c/libraries", code: http.StatusOK,
			contains: []string{"How to join", "<strong>@libraries@" + a.Host + "</strong>", "You become a member at once."}},
		{name: "moderators", path: "/c/libraries", code: http.StatusOK, contains: []string{`<a href="` + a.URL + `/@alice">Alice</a>`}},
		{name: "members by organisation, a remote one too", path: "/c/libraries", code: http.StatusOK,
			contains: []string{"Hampshire County Council <span class=\"meta\">(2)</span>", "Surrey Council <span class=\"meta\">(1)</span>",
				"@bea@" + b.Host + "</span>, Librarian, Libraries", "@dan@" + a.Host + "</span>, Archivist, Archives"}},
		{name: "threads with replies", path: "/c/libraries", code: http.StatusOK,
			contains: []string{`<a href="` + threadPath + `">Opening hours on bank holidays?</a>`, "1 reply"},
			absent:   []string{"We close at four"}},
		{name: "the feed is linked", path: "/c/libraries", code: http.StatusOK, contains: []string{`href="/c/libraries/feed.atom"`}},
		{name: "a thread and its replies", path: threadPath, code: http.StatusOK,
			contains: []string{"<h1>Opening hours on bank holidays?</h1>", "We close at four.", "1 reply"}},
		{name: "members-only: nothing of its posts or members", path: "/c/hidden", code: http.StatusOK,
			contains: []string{"shown only to its members"}, absent: []string{"secret plan", "@dan@"}},
		{name: "members-only: no thread page", path: "/c/hidden/threads/" + f.secret.ID.String(), code: http.StatusNotFound},
		{name: "a thread of another community", path: "/c/libraries/threads/" + f.secret.ID.String(), code: http.StatusNotFound},
		{name: "not a thread number", path: "/c/libraries/threads/x", code: http.StatusNotFound},
		{name: "a member is no community", path: "/c/alice", code: http.StatusNotFound},
		{name: "a broken page address", path: "/c/libraries?max_id=x", code: http.StatusBadRequest},
		{name: "directory by organisation", path: "/directory", code: http.StatusOK, title: "Directory – " + a.Host,
			contains: []string{"Hampshire County Council <span class=\"meta\">(2)</span>", "Surrey Council <span class=\"meta\">(1)</span>",
				`<label for="organisation">Organisation</label>`}},
		{name: "directory filtered by role", path: "/directory?role=archivist", code: http.StatusOK,
			contains: []string{"@dan@", "1 person"}, absent: []string{"@alice@", "@bea@"}},
		{name: "directory: an index of organisations, each linked", path: "/directory", code: http.StatusOK,
			contains: []string{"2 organisations", `<a href="/directory?organisation=Hampshire&#43;County&#43;Council">Hampshire County Council</a>`}},
		{name: "directory: one organisation", path: "/directory?organisation=surrey+council", code: http.StatusOK,
			contains: []string{"@bea@", "1 person", `<a href="/directory">Show everyone</a>`}, absent: []string{"@dan@"}},
		{name: "directory: no page past the last", path: "/directory?page=2", code: http.StatusNotFound},
		{name: "directory: a broken page number", path: "/directory?page=x", code: http.StatusBadRequest},
		{name: "members page by organisation", path: "/c/libraries/members", code: http.StatusOK, title: "Members of Library practice – " + a.Host,
			contains: []string{"3 people", "Surrey Council <span class=\"meta\">(1)</span>", "@bea@" + b.Host + "</span>, Librarian, Libraries",
				`<a href="/c/libraries/members?organisation=Surrey&#43;Council">Surrey Council</a>`}},
		{name: "members of one organisation", path: "/c/libraries/members?organisation=Hampshire+county+council", code: http.StatusOK,
			contains: []string{"2 people", "@dan@", `<a href="/c/libraries/members">Show every member</a>`}, absent: []string{"@bea@"}},
		{name: "members-only: no members page", path: "/c/hidden/members", code: http.StatusOK,
			contains: []string{"shown only to its members"}, absent: []string{"@dan@", "@alice@"}},
		{name: "directory filter is text", path: "/directory?organisation=" + strings.ReplaceAll(hostile, " ", "+"), code: http.StatusOK,
			contains: []string{"Nobody matches."}, absent: []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, a.URL) })
	}
	t.Run("a Group's profile address leads to its page; a member's stays", func(t *testing.T) {
		p := fetch(t, http.MethodGet, a.URL+"/@libraries", browserAccept)
		if p.code != http.StatusFound || p.header.Get("Location") != "/c/libraries" {
			t.Errorf("GET /@libraries: %d to %q; want 302 to /c/libraries", p.code, p.header.Get("Location"))
		}
		pageCase{path: "/@alice", code: http.StatusOK, contains: []string{"Hampshire County Council"}}.check(t, a.URL)
	})
}

func TestCommunityFeed(t *testing.T) {
	f := startCommunities(t)
	p := fetch(t, http.MethodGet, f.a.URL+"/c/libraries/feed.atom", "")
	if p.code != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s", p.code, p.header.Get("Content-Type"))
	}
	var feed atomDoc
	if err := xml.Unmarshal([]byte(p.body), &feed); err != nil {
		t.Fatalf("the feed is not Atom XML: %v\n%s", err, p.body)
	}
	rfc3339 := func(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil }
	if feed.ID != f.a.URL+"/users/libraries" || feed.Title != "Library practice" || !rfc3339(feed.Updated) {
		t.Errorf("feed id %q, title %q, updated %q", feed.ID, feed.Title, feed.Updated)
	}
	self := false
	for _, l := range feed.Links {
		self = self || l.Rel == "self" && l.Href == f.a.URL+"/c/libraries/feed.atom"
	}
	if !self {
		t.Errorf("the feed has no self link: %+v", feed.Links)
	}
	if len(feed.Entries) != 1 {
		t.Fatalf("%d entries; want the one thread (not its reply)", len(feed.Entries))
	}
	e := feed.Entries[0]
	if e.ID != f.thread.URI || e.Title == "" || !rfc3339(e.Updated) || e.Author.Name != "Alice" ||
		e.Link.Href != f.a.URL+"/c/libraries/threads/"+f.thread.ID.String() || e.Content.Type != "html" ||
		!strings.Contains(e.Content.Body, "Opening hours") {
		t.Errorf("entry = %+v", e)
	}
	if p := fetch(t, http.MethodGet, f.a.URL+"/c/hidden/feed.atom", ""); p.code != http.StatusNotFound || strings.Contains(p.body, "secret") {
		t.Errorf("a members-only community's feed: %d %s; want 404", p.code, p.body)
	}
}

// TestCommunityPageMembersFollowChanges: the page's member list, made
// once and kept while the community's roster holds, shows a join, a new
// organisation and a leaving at the next view.
func TestCommunityPageMembersFollowChanges(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, dan := n.Member("alice", false), n.Member("dan", false)
	setWork(t, n, alice, "Hampshire County Council", "Libraries", "Information officer")
	setWork(t, n, dan, "Hampshire County Council", "Archives", "Archivist")
	libs := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	if err := n.Engine.Follow(ctx, alice.ID, libs.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	page := func(contains, absent []string) {
		t.Helper()
		pageCase{path: "/c/libraries", code: http.StatusOK, contains: contains, absent: absent}.check(t, n.URL)
	}
	page([]string{"Hampshire County Council <span class=\"meta\">(1)</span>", "1 member"}, []string{"@dan@"})
	if err := n.Engine.Follow(ctx, dan.ID, libs.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	page([]string{"Hampshire County Council <span class=\"meta\">(2)</span>", "@dan@" + n.Host + "</span>, Archivist, Archives", "2 members"}, nil)
	setWork(t, n, dan, "Kent County Council", "Archives", "Archivist")
	page([]string{"Hampshire County Council <span class=\"meta\">(1)</span>", "Kent County Council <span class=\"meta\">(1)</span>"}, nil)
	if err := n.Engine.Unfollow(ctx, dan.ID, libs.ID); err != nil {
		t.Fatal(err)
	}
	page([]string{"1 member"}, []string{"Kent County Council", "@dan@"})
}

// TestCommunityPageDescriptionFollowsEdits: the description, rendered
// once for each text it has had, is the one just saved, and back to an
// earlier text it shows that one again.
func TestCommunityPageDescriptionFollowsEdits(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	libs := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice",
		Description: "We share **enquiry** routines."})
	page := func(contains, absent []string) {
		t.Helper()
		pageCase{path: "/c/libraries", code: http.StatusOK, contains: contains, absent: absent}.check(t, n.URL)
	}
	edit := func(desc string) {
		t.Helper()
		if _, err := n.Engine.EditCommunity(ctx, alice, libs.ID, federation.CommunityEdit{Description: &desc}); err != nil {
			t.Fatal(err)
		}
	}
	page([]string{"<strong>enquiry</strong> routines"}, nil)
	edit("We share *loan* routines.")
	page([]string{"<em>loan</em> routines"}, []string{"enquiry"})
	edit("We share **enquiry** routines.")
	page([]string{"<strong>enquiry</strong> routines"}, []string{"loan"})
}
