package pages_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/pages"
	"github.com/copse-dev/copse/web/testrig"
)

// browserAccept is what Firefox and Chromium send for a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// hostile is text a member or an administrator could type that must show
// as text, never run or mark up the page.
const hostile = `<script>alert("x")</script><b>bold</b> & co`

// hostileEscaped is hostile as a page must carry it.
const hostileEscaped = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; co`

// page is one answer as a test reads it.
type page struct {
	code   int
	header http.Header
	body   string
}

func fetch(t *testing.T, method, url, accept string) page {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{code: resp.StatusCode, header: resp.Header, body: string(body)}
}

// pageCase is a page to load and what a person must (or must not) see.
type pageCase struct {
	name     string
	path     string
	code     int
	title    string // the whole <title>, when set
	contains []string
	absent   []string
}

func (tt pageCase) check(t *testing.T, base string) page {
	t.Helper()
	p := fetch(t, http.MethodGet, base+tt.path, browserAccept)
	if p.code != tt.code {
		t.Fatalf("GET %s: status %d; want %d\n%s", tt.path, p.code, tt.code, p.body)
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET %s: Content-Type %q; want a page", tt.path, ct)
	}
	checkLayout(t, p.body)
	if tt.title != "" && !strings.Contains(p.body, "<title>"+tt.title+"</title>") {
		t.Errorf("GET %s: title is not %q: %s", tt.path, tt.title, titleOf(p.body))
	}
	for _, s := range tt.contains {
		if !strings.Contains(p.body, s) {
			t.Errorf("GET %s: page lacks %q\n%s", tt.path, s, p.body)
		}
	}
	for _, s := range tt.absent {
		if strings.Contains(p.body, s) {
			t.Errorf("GET %s: page shows %q", tt.path, s)
		}
	}
	return p
}

var titleRe = regexp.MustCompile(`<title>(.*)</title>`)

func titleOf(body string) string {
	if m := titleRe.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// checkLayout checks what every page shares: a language, a skip link to
// the main landmark, one h1, the home link in the header, the style sheet
// as a file (no inline style or script), and the footer's about link.
func checkLayout(t *testing.T, body string) {
	t.Helper()
	for _, s := range []string{`<html lang="en-GB">`, `<a class="skip" href="#main">`, `<main id="main"`,
		`<a class="site-name" href="/">`, `<link rel="stylesheet" href="/assets/copse.css?v=`, `<footer`, `href="/about"`} {
		if !strings.Contains(body, s) {
			t.Errorf("layout lacks %q", s)
		}
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("page has %d h1 headings; want one", n)
	}
	for _, s := range []string{"<style", "<script", "style="} {
		if strings.Contains(body, s) {
			t.Errorf("page carries %q; pages use the style sheet and no script", s)
		}
	}
}

func post(t *testing.T, n *testrig.Node, author storage.ID, text string, vis activitypub.Visibility) storage.Status {
	t.Helper()
	st, err := n.Engine.Post(context.Background(), author, federation.Draft{Text: text, Visibility: vis})
	if err != nil {
		t.Fatalf("post %q: %v", text, err)
	}
	return st
}

func TestHomePage(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Name = "Libraries " + hostile
		c.Description = "Where " + hostile + " meet."
		c.Contact = "help@council-a.example"
	})
	alice := n.Member("alice", false)
	var sts []storage.Status
	for i := range 23 {
		sts = append(sts, post(t, n, alice.ID, fmt.Sprintf("Routine number %d", i), activitypub.Public))
	}
	post(t, n, alice.ID, "For followers only", activitypub.FollowersOnly)
	post(t, n, alice.ID, "Quietly unlisted", activitypub.Unlisted)
	post(t, n, alice.ID, "A note to nobody", activitypub.Direct)
	// The home page lists 20 posts; the 21st newest starts the next page.
	older := sts[len(sts)-20].ID.String()
	tests := []pageCase{
		{name: "what the node is", path: "/", code: http.StatusOK,
			title: "Home – Libraries " + hostileEscaped,
			contains: []string{"Libraries " + hostileEscaped, "Where " + hostileEscaped + " meet.",
				`<a href="mailto:help@council-a.example">`, `<a href="/about">`}},
		{name: "how to join from an app", path: "/", code: http.StatusOK,
			contains: []string{"Join from a Mastodon app", "<strong>" + n.Host + "</strong>"}},
		{name: "newest public posts, with their authors", path: "/", code: http.StatusOK,
			contains: []string{"Routine number 22", "Routine number 3", `href="` + n.URL + `/@alice"`, "@alice@" + n.Host,
				`href="/?max_id=` + older + `" rel="next">Older posts</a>`},
			absent: []string{"Routine number 2<", "For followers only", "Quietly unlisted", "A note to nobody"}},
		{name: "older posts", path: "/?max_id=" + older, code: http.StatusOK,
			contains: []string{"Routine number 2<", "Routine number 0<", "Older posts</h2>"},
			absent:   []string{"Routine number 3<", "rel=\"next\"", "A note to nobody"}},
		{name: "a broken page address", path: "/?max_id=" + url.QueryEscape(hostile), code: http.StatusBadRequest,
			contains: []string{"There is a problem with this request", "max_id must be a post number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, n.URL) })
	}
}

func TestHomePageKeepsOtherClients(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	post(t, n, alice.ID, "Our routine", activitypub.Public)
	tests := []struct {
		name, accept string
	}{
		{"a JSON client", "application/json"},
		{"a peer", "application/activity+json"},
		{"a tool that takes anything", "*/*"},
		{"no Accept", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fetch(t, http.MethodGet, n.URL+"/", tt.accept)
			if p.code != http.StatusNotFound || !strings.HasPrefix(p.header.Get("Content-Type"), "application/json") {
				t.Fatalf("GET / with Accept %q: %d %s; want 404 JSON as before", tt.accept, p.code, p.header.Get("Content-Type"))
			}
			if strings.Contains(p.body, "Our routine") {
				t.Errorf("GET / with Accept %q shows posts: %s", tt.accept, p.body)
			}
		})
	}
}

func TestAboutPage(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Name = "Hampshire practice"
		c.Contact = "moderation@council-a.example"
		c.Rules = []string{"Be kind to colleagues.", "No personal data about residents.", hostile}
		c.PrivacyNotice = "We keep your name.\n\n" + hostile
		c.AccessibilityStatement = "We aim for WCAG 2.2 AA."
		c.Registration = federation.Registration{Mode: federation.RegistrationsInvite}
	})
	ctx := context.Background()
	for _, b := range []storage.NodeDomainBlock{
		{Domain: "spam.example", Severity: storage.SeveritySuspend, PublicComment: "Sends spam", PrivateComment: "ticket 4411"},
		{Domain: "rumours.example", Severity: storage.SeverityLimit, RejectMedia: true, Obfuscate: true},
	} {
		if _, err := n.Engine.AddDomainBlock(ctx, 0, b); err != nil {
			t.Fatal(err)
		}
	}
	n.Member("alice", false)
	n.Member("bob", false)
	n.Member("carol", false)
	n.Member("dave", false)
	for _, r := range []struct{ user, role string }{{"bob", storage.PermissionModerator}, {"carol", storage.PermissionAdmin}} {
		if err := n.Engine.SetRole(ctx, r.user, r.role); err != nil {
			t.Fatal(err)
		}
	}
	noRules := testrig.StartOne(t, nil)
	tests := []struct {
		base string
		pageCase
	}{
		{n.URL, pageCase{name: "name, description and contact", path: "/about", code: http.StatusOK,
			title:    "About – Hampshire practice",
			contains: []string{"<h1>About Hampshire practice</h1>", federation.DefaultDescription, `<a href="mailto:moderation@council-a.example">`}}},
		{n.URL, pageCase{name: "rules in order, as text", path: "/about", code: http.StatusOK,
			contains: []string{"<ol><li>Be kind to colleagues.</li><li>No personal data about residents.</li><li>" + hostileEscaped + "</li></ol>"}}},
		{n.URL, pageCase{name: "privacy notice by paragraph, and accessibility statement", path: "/about", code: http.StatusOK,
			contains: []string{`<h2 id="privacy">Privacy notice</h2>`, "<p>We keep your name.</p><p>" + hostileEscaped + "</p>",
				`<h2 id="accessibility">Accessibility statement</h2>`, "<p>We aim for WCAG 2.2 AA.</p>"}}},
		{n.URL, pageCase{name: "moderators and administrators", path: "/about", code: http.StatusOK,
			contains: []string{`<a href="` + n.URL + `/@bob">Bob</a>`, "moderator", `<a href="` + n.URL + `/@carol">Carol</a>`, "administrator"},
			absent:   []string{"@alice", "@dave", "@" + strings.Split(n.Host, ":")[0] + ".test"}}},
		{n.URL, pageCase{name: "members and software", path: "/about", code: http.StatusOK,
			contains: []string{"<dt>Members</dt><dd>4</dd>", "copse</a> " + node.Version}}},
		{n.URL, pageCase{name: "joining and federation, with the blocks' public side", path: "/about", code: http.StatusOK,
			contains: []string{"invitation link from an administrator", "federates with any server except those it blocks",
				"<td>spam.example</td><td>No contact</td><td>Sends spam</td>",
				"<td>r*****s.e*****e</td><td>Limited: hidden from public timelines and from people who do not follow them; media not stored</td>"},
			absent: []string{"ticket 4411", "rumours.example"}}},
		{noRules.URL, pageCase{name: "a node with nothing configured", path: "/about", code: http.StatusOK,
			title:    "About – " + noRules.Host,
			contains: []string{"has not published a contact address", "No moderators are listed.", "Sign-up is closed", "It blocks no server."},
			absent:   []string{"<h2>Rules</h2>", "mailto:", "Privacy notice", "Accessibility statement"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, tt.base) })
	}
}

func TestTagPage(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	first := post(t, n, alice.ID, "Old #Enquiries routine", activitypub.Public)
	post(t, n, alice.ID, "New #enquiries routine", activitypub.Public)
	post(t, n, alice.ID, "Another #topic", activitypub.Public)
	post(t, n, alice.ID, "Secret #enquiries for followers", activitypub.FollowersOnly)
	newest := post(t, n, alice.ID, "Newest #enquiries", activitypub.Public)
	tests := []pageCase{
		{name: "posts with the tag, newest first", path: "/tags/enquiries", code: http.StatusOK,
			title:    "#enquiries – " + n.Host,
			contains: []string{"<h1>#enquiries</h1>", "Old ", "New ", "Newest "},
			absent:   []string{"Another", "Secret", "Older posts</a>"}},
		{name: "any case", path: "/tags/ENQUIRIES", code: http.StatusOK, contains: []string{"<h1>#enquiries</h1>", "Newest "}},
		{name: "older posts", path: "/tags/enquiries?max_id=" + newest.ID.String(), code: http.StatusOK,
			contains: []string{"Old ", "New "}, absent: []string{"Newest "}},
		{name: "past the oldest", path: "/tags/enquiries?max_id=" + first.ID.String(), code: http.StatusOK,
			contains: []string{"No older public posts with this hashtag."}},
		{name: "a tag nobody used", path: "/tags/nothing", code: http.StatusOK,
			contains: []string{"No public posts with this hashtag yet."}},
		{name: "not a hashtag name", path: "/tags/%3Cscript%3E", code: http.StatusNotFound,
			contains: []string{"Page not found"}, absent: []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.check(t, n.URL)
			// Newest first: "Newest" before "New", "New" before "Old".
			if i, j, k := strings.Index(p.body, "Newest "), strings.Index(p.body, "New "), strings.Index(p.body, "Old "); j >= 0 && k >= 0 &&
				(j > k || i > j && i >= 0) {
				t.Errorf("posts are not newest first")
			}
		})
	}
}

func TestProfilePage(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	_, err := n.Engine.UpdateCredentialsWithImages(ctx, alice.ID, federation.Credentials{Profile: federation.Profile{
		DisplayName: `Al<b onclick="x">i</b> & co`, Organisation: "Hampshire County Council", Department: "Libraries", JobTitle: "Information officer",
		Note: "I run the enquiries desk."}}, bytes.NewReader(profilePNG(t, 64, 64)), bytes.NewReader(profilePNG(t, 300, 100)))
	if err != nil {
		t.Fatal(err)
	}
	alice, err = n.Store.AccountByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sts []storage.Status
	for i := range 22 {
		sts = append(sts, post(t, n, alice.ID, fmt.Sprintf("Routine number %d", i), activitypub.Public))
	}
	secret := post(t, n, alice.ID, "Pinned but for followers", activitypub.FollowersOnly)
	for _, id := range []storage.ID{sts[1].ID, secret.ID} {
		if err := n.Engine.Pin(ctx, alice.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	bobs := post(t, n, bob.ID, "Bob's own routine", activitypub.Public)
	if _, err := n.Engine.Reblog(ctx, alice.ID, bobs.ID, activitypub.Public); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, bob.ID, alice.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	older := sts[len(sts)-20].ID.String()
	hostileName := `Al&lt;b onclick=&#34;x&#34;&gt;i&lt;/b&gt; &amp; co`
	tests := []pageCase{
		{name: "name, picture and header", path: "/@alice", code: http.StatusOK, title: hostileName + " – " + n.Host,
			contains: []string{"<h1>" + hostileName + " <span class=\"meta\">@alice@" + n.Host + "</span></h1>",
				`<img class="avatar" src="` + alice.AvatarURL + `" alt="Profile picture of ` + hostileName + `"`,
				`<img class="profile-header" src="` + alice.HeaderURL + `" alt="">`}},
		{name: "job title and organisation", path: "/@alice", code: http.StatusOK,
			contains: []string{"Hampshire County Council", "Information officer", "I run the enquiries desk."}},
		{name: "counts", path: "/@alice", code: http.StatusOK,
			contains: []string{"<strong>23</strong> posts", "<strong>0</strong> following", "<strong>1</strong> follower<"}},
		{name: "pinned first, public only", path: "/@alice", code: http.StatusOK,
			contains: []string{"<h2>Pinned posts</h2>", "Pinned</span>", "Routine number 1<"},
			absent:   []string{"Pinned but for followers", "Bob&#39;s own routine"}},
		{name: "newest posts and a link to older ones", path: "/@alice", code: http.StatusOK,
			contains: []string{"Routine number 21", `href="/@alice?max_id=` + older + `" rel="next">Older posts</a>`},
			absent:   []string{"Routine number 0<"}},
		{name: "older posts", path: "/@alice?max_id=" + older, code: http.StatusOK,
			contains: []string{"Routine number 0<"},
			absent:   []string{"Routine number 21", "Pinned posts", "Older posts</a>"}},
		{name: "a member with no picture", path: "/@bob", code: http.StatusOK,
			contains: []string{`src="/avatars/original/missing.png" alt="Profile picture of Bob"`, "Bob&#39;s own routine"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.check(t, n.URL)
			if pin, list := strings.Index(p.body, "Pinned posts"), strings.Index(p.body, "Routine number 21"); pin >= 0 && list >= 0 && pin > list {
				t.Errorf("pinned posts come after the others")
			}
			if strings.Count(p.body, "Routine number 1<") > 1 {
				t.Errorf("a pinned post is listed twice")
			}
		})
	}
}

func profilePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// suspend marks a member suspended, as an administrator's action does.
func suspend(t *testing.T, n *testrig.Node, a storage.Account) {
	t.Helper()
	a.SuspendedAt = time.Now()
	if err := n.Store.InTx(context.Background(), func(tx *storage.Tx) error { return tx.UpdateAccount(context.Background(), &a) }); err != nil {
		t.Fatal(err)
	}
}

// TestErrorPages: a browser gets an error page in the layout; an app, a
// peer or a tool gets the JSON error it always had.
func TestErrorPages(t *testing.T) {
	n := testrig.StartOne(t, nil)
	sam := n.Member("sam", false)
	suspend(t, n, sam)
	tests := []struct {
		name, method, path, accept string
		code                       int
		html                       bool
		contains                   []string
	}{
		{"unknown page, browser", "GET", "/no/such/page", browserAccept, 404, true,
			[]string{"<title>Page not found – " + n.Host + "</title>", "<h1>Page not found</h1>", "check it is correct"}},
		{"unknown page, app", "GET", "/no/such/page", "application/json", 404, false, []string{`{"error":"Not found"}`}},
		{"unknown page, peer", "GET", "/no/such/page", "application/activity+json", 404, false, []string{`"error"`}},
		{"unknown page, curl", "GET", "/no/such/page", "*/*", 404, false, []string{`"error"`}},
		{"JSON preferred over HTML", "GET", "/no/such/page", "text/html;q=0.5, application/json", 404, false, []string{`"error"`}},
		{"client API, browser", "GET", "/api/v1/no-such-thing", browserAccept, 404, false, []string{`"error"`}},
		{"unknown member, browser", "GET", "/@nobody", browserAccept, 404, true, []string{"<h1>Page not found</h1>"}},
		{"unknown member, app", "GET", "/@nobody", "application/json", 404, false, []string{`"error"`}},
		{"a suspended member's post, browser", "GET", "/@sam/123", browserAccept, 410, true, nil},
		{"suspended member, browser", "GET", "/@sam", browserAccept, 410, true,
			[]string{"<h1>This page has gone</h1>", "This account has been suspended."}},
		{"suspended member, app", "GET", "/@sam", "application/json", 410, false, []string{`"error":"This account has been suspended"`}},
		{"wrong method, browser", "POST", "/about", browserAccept, 405, true, []string{"<h1>This page cannot be used like that</h1>"}},
		{"wrong method, app", "POST", "/about", "application/json", 405, false, []string{`{"error":"Method not allowed"}`}},
		{"wrong method on the inbox, peer", "GET", "/inbox", "application/activity+json", 405, false, []string{`"error"`}},
		{"hostile address, browser", "GET", "/%3Cscript%3Ealert(1)%3C/script%3E", browserAccept, 404, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fetch(t, tt.method, n.URL+tt.path, tt.accept)
			if p.code != tt.code {
				t.Fatalf("%s %s: status %d; want %d\n%s", tt.method, tt.path, p.code, tt.code, p.body)
			}
			ct := p.header.Get("Content-Type")
			if tt.html {
				if !strings.HasPrefix(ct, "text/html") {
					t.Fatalf("Content-Type %q; want a page", ct)
				}
				checkLayout(t, p.body)
				if strings.Contains(p.body, "<script>") {
					t.Errorf("the page carries markup from the address")
				}
			} else {
				var e struct{ Error string }
				if !strings.HasPrefix(ct, "application/json") || json.Unmarshal([]byte(p.body), &e) != nil || e.Error == "" {
					t.Fatalf("Content-Type %q, body %s; want JSON {\"error\": ...}", ct, p.body)
				}
			}
			if !strings.Contains(p.header.Get("Vary"), "Accept") {
				t.Errorf("Vary %q; caches must keep pages and JSON apart", p.header.Get("Vary"))
			}
			for _, s := range tt.contains {
				if !strings.Contains(p.body, s) {
					t.Errorf("answer lacks %q\n%s", s, p.body)
				}
			}
		})
	}
}

// TestErrorPageKinds renders the errors no route gives on demand: a
// refusal and a fault, whose details must stay in the log.
func TestErrorPageKinds(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) { c.Name = "Test node" })
	h, err := pages.New(n.Engine, pages.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		err      error
		accept   string
		code     int
		contains []string
		absent   []string
	}{
		{"denied, browser", fmt.Errorf("read: %w", federation.ErrDenied), browserAccept, 403,
			[]string{"<title>You cannot see this page – Test node</title>", "You do not have permission"}, nil},
		{"denied, app", fmt.Errorf("read: %w", federation.ErrDenied), "application/json", 403,
			[]string{`"error":"This action is not allowed"`}, nil},
		{"gone, browser", federation.ErrGone, browserAccept, 410, []string{"<h1>This page has gone</h1>", "removed from this node"}, nil},
		{"fault, browser", errors.New("database on fire at /var/lib/secret"), browserAccept, 500,
			[]string{"<h1>Sorry, there is a problem with the service</h1>", "Try again later."}, []string{"secret", "fire"}},
		{"fault, app", errors.New("database on fire at /var/lib/secret"), "application/json", 500,
			[]string{`"error":"Internal server error"`}, []string{"secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/@alice", nil)
			req.Header.Set("Accept", tt.accept)
			rec := httptest.NewRecorder()
			h.Error(rec, req, tt.err)
			if rec.Code != tt.code {
				t.Fatalf("status %d; want %d", rec.Code, tt.code)
			}
			body := rec.Body.String()
			if strings.HasPrefix(tt.accept, "text/html") {
				checkLayout(t, body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("answer lacks %q\n%s", s, body)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("answer shows %q", s)
				}
			}
		})
	}
}

func TestStyleSheet(t *testing.T) {
	n := testrig.StartOne(t, nil)
	home := fetch(t, http.MethodGet, n.URL+"/about", browserAccept)
	href := regexp.MustCompile(`href="(/assets/copse\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(home.body)
	if href == nil {
		t.Fatalf("the page links no style sheet")
	}
	tests := []struct {
		name, path, ifNoneMatch string
		code                    int
		cache                   string
	}{
		{"the versioned address, kept a year", href[1], "", 200, "public, max-age=31536000, immutable"},
		{"the bare address, kept an hour", "/assets/copse.css", "", 200, "public, max-age=3600"},
		{"revalidated", href[1], "", 304, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, n.URL+tt.path, nil)
			if tt.code == 304 {
				first := fetch(t, http.MethodGet, n.URL+tt.path, "")
				req.Header.Set("If-None-Match", first.header.Get("ETag"))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d; want %d", resp.StatusCode, tt.code)
			}
			if tt.code != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
				t.Errorf("Content-Type %q; want text/css", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != tt.cache {
				t.Errorf("Cache-Control %q; want %q", cc, tt.cache)
			}
			if !bytes.Contains(body, []byte("#fd0")) {
				t.Errorf("the style sheet has no yellow focus style")
			}
		})
	}
}

// TestPagesWithPeers: a hashtag page lists what peers posted too, linking
// to the author's own node; the home page lists only this node's posts.
func TestPagesWithPeers(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	bobOnA := a.Resolve(b.Acct("bob"))
	if err := a.Engine.Follow(ctx, alice.ID, bobOnA.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "follow accepted", func() bool {
		_, err := a.Store.FollowOf(ctx, alice.ID, bobOnA.ID)
		return err == nil
	})
	st := post(t, b, bob.ID, "A #retrofit case study from the other council", activitypub.Public)
	testrig.Eventually(t, 10*time.Second, "bob's post reaches node A", func() bool {
		_, err := a.Store.StatusByURI(ctx, st.URI)
		return err == nil
	})
	post(t, a, alice.ID, "Our own #retrofit notes", activitypub.Public)
	tests := []pageCase{
		{name: "a peer's post under its hashtag", path: "/tags/retrofit", code: http.StatusOK,
			contains: []string{"case study from the other council", "notes</p>", `href="` + b.URL + `/@bob"`, "@bob@" + b.Host}},
		{name: "only this node's posts at home", path: "/", code: http.StatusOK,
			contains: []string{"notes</p>"}, absent: []string{"case study"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, a.URL) })
	}
}
