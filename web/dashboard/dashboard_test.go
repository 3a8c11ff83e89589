package dashboard_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// TestModeratorResolvesReport works a member's report from the web:
// the queue lists it, the moderator assigns it, adds a note and resolves
// it with an action, and the audit log (page and engine) shows each step.
func TestModeratorResolvesReport(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	rep, err := n.Engine.Report(ctx, accts["alice"], federation.NewReport{TargetID: accts["bob"].ID, Comment: "Rude replies"})
	if err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, n, "mod")
	id := rep.ID.String()
	if page := b.page("/admin/reports"); !strings.Contains(page, `href="/admin/reports/`+id+`"`) || !strings.Contains(page, "@bob") {
		t.Fatalf("the queue does not list report %s about @bob:\n%s", id, page)
	}
	if page := b.page("/admin/reports/" + id); !strings.Contains(page, "Rude replies") || !strings.Contains(page, "Assign to me") {
		t.Fatalf("report page lacks the comment or the assign button:\n%s", page)
	}
	steps := []struct {
		path string
		form url.Values
	}{
		{"/assign", nil},
		{"/note", url.Values{"text": {"Checked the thread"}}},
		{"/resolve", url.Values{"action": {"warned"}, "reason": {"Warned about tone"}}},
	}
	for _, s := range steps {
		code, loc, page := b.post("/admin/reports/"+id+s.path, s.form)
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/reports/"+id+"?done=") {
			t.Fatalf("POST %s: %d %q:\n%s", s.path, code, loc, page)
		}
	}
	got, err := n.Store.ReportByID(ctx, rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != storage.ReportResolved || got.Action != "warned" || got.ActionReason != "Warned about tone" || got.AssigneeID != accts["mod"].ID {
		t.Errorf("report after the forms: %+v; want resolved as warned, assigned to mod", got)
	}
	page := b.page("/admin/reports/" + id + "?done=resolved")
	for _, want := range []string{"The report is resolved.", "Checked the thread", "Reopen report"} {
		if !strings.Contains(page, want) {
			t.Errorf("report page lacks %q:\n%s", want, page)
		}
	}
	// The audit log lists the resolution, by the moderator, with the reason.
	page = b.page("/admin/audit?action=report_resolve")
	if !strings.Contains(page, "@mod") || !strings.Contains(page, "report resolve") || !strings.Contains(page, "Warned about tone") ||
		!strings.Contains(page, `href="/admin/reports/`+id+`"`) {
		t.Errorf("audit log page does not show the resolution:\n%s", page)
	}
	entries, err := n.Engine.AuditLog(ctx, 0, storage.AuditFilter{TargetType: storage.AuditReport, TargetID: rep.ID}, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.AccountID != accts["mod"].ID {
			t.Errorf("audit entry %s by %d; want mod", e.Action, e.AccountID)
		}
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "report_resolve report_note report_assign" {
		t.Errorf("audit log of the report: %v; want resolve, note, assign (newest first)", actions)
	}
	// Reopening works too, and resolving twice is a problem page, not a 500.
	if code, _, page := b.post("/admin/reports/"+id+"/reopen", nil); code != http.StatusSeeOther {
		t.Fatalf("reopen: %d:\n%s", code, page)
	}
	if code, _, _ := b.post("/admin/reports/"+id+"/resolve", url.Values{"action": {"none"}}); code != http.StatusSeeOther {
		t.Fatalf("resolve again: %d", code)
	}
	code, _, page := b.post("/admin/reports/"+id+"/resolve", url.Values{"action": {"none"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "The report is resolved already.") ||
		!strings.Contains(page, `href="/admin/reports/`+id+`">Go back`) {
		t.Errorf("resolving a resolved report: %d; want 422 with the reason and a link back:\n%s", code, page)
	}
}

// TestPermissions checks who may open what: a member gets 403 on every
// dashboard page, a moderator 403 on every admin page and form (and the
// policy stays as it was), and a browser not signed in is sent to sign in.
func TestPermissions(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	blocked, err := n.Engine.AddDomainBlock(ctx, accts["root"].ID, storage.NodeDomainBlock{Domain: "spam.example"})
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := n.Engine.AddDomainAllow(ctx, accts["root"].ID, "friend.example")
	if err != nil {
		t.Fatal(err)
	}
	alice := accts["alice"].ID.String()
	adminOnly := []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodGet, "/admin/domains", nil},
		{http.MethodGet, "/admin/domains/blocks/" + blocked.ID.String(), nil},
		{http.MethodGet, "/admin/domains/export.csv", nil},
		{http.MethodGet, "/admin/registrations", nil},
		{http.MethodPost, "/admin/domains/mode", url.Values{"mode": {"allowlist"}}},
		{http.MethodPost, "/admin/domains/blocks", url.Values{"domain": {"bad.example"}}},
		{http.MethodPost, "/admin/domains/blocks/" + blocked.ID.String(), url.Values{"severity": {"noop"}}},
		{http.MethodPost, "/admin/domains/blocks/" + blocked.ID.String() + "/remove", nil},
		{http.MethodPost, "/admin/domains/blocks/999/remove", nil}, // no 404 to those who may not
		{http.MethodPost, "/admin/domains/allows", url.Values{"domain": {"other.example"}}},
		{http.MethodPost, "/admin/domains/allows/" + allowed.ID.String() + "/remove", nil},
		{http.MethodPost, "/admin/registrations/invites", url.Values{"expires": {"24h"}, "max_uses": {"1"}}},
		{http.MethodPost, "/admin/registrations/invites/1/revoke", nil},
		{http.MethodPost, "/admin/registrations/email_blocks", url.Values{"domain": {"mail.example"}}},
		{http.MethodPost, "/admin/registrations/email_blocks/1/remove", nil},
		{http.MethodPost, "/admin/domains/subscriptions", url.Values{"url": {"https://lists.example/b.csv"}}},
		{http.MethodPost, "/admin/domains/subscriptions/1/refresh", nil},
		{http.MethodPost, "/admin/domains/subscriptions/1/remove", nil},
		{http.MethodPost, "/admin/domains/drafts/1/approve", nil},
		{http.MethodPost, "/admin/domains/drafts/1/reject", nil},
		{http.MethodPost, "/admin/accounts/" + alice + "/role", url.Values{"role": {"admin"}}},
		{http.MethodPost, "/admin/accounts/" + alice + "/approve", nil},
		{http.MethodGet, "/admin/announcements", nil},
		{http.MethodPost, "/admin/announcements", url.Values{"text": {"Hello"}}},
		{http.MethodPost, "/admin/announcements/1/delete", nil},
	}
	mod := signedIn(t, n, "mod")
	for _, tt := range adminOnly {
		t.Run("moderator "+tt.method+" "+tt.path, func(t *testing.T) {
			var code int
			var page string
			if tt.method == http.MethodGet {
				code, _, page = mod.open(tt.method, tt.path, nil)
			} else {
				code, _, page = mod.post(tt.path, tt.form)
			}
			if code != http.StatusForbidden || !strings.Contains(page, "You cannot see this page") {
				t.Errorf("%d; want 403 and the error page:\n%s", code, page)
			}
		})
	}
	if code, _, upload := mod.upload("/admin/domains/import", "file", "b.csv", []byte("evil.example\n"),
		url.Values{"csrf": {mod.csrf()}}); code != http.StatusForbidden {
		t.Errorf("moderator imports blocks: %d; want 403:\n%s", code, upload)
	}
	mode, blocks, allows, err := n.Engine.DomainPolicy(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if mode != storage.FederationOpen || len(blocks) != 1 || blocks[0].ID != blocked.ID || blocks[0].Severity != blocked.Severity || len(allows) != 1 {
		t.Errorf("policy after the moderator's forms: %s %+v %+v; want it unchanged", mode, blocks, allows)
	}
	// The moderator's own pages open, and the navigation offers only them.
	page := mod.page("/admin")
	if !strings.Contains(page, `href="/admin/reports"`) || strings.Contains(page, `href="/admin/domains"`) ||
		strings.Contains(page, `href="/admin/registrations"`) {
		t.Errorf("moderator's overview offers the wrong sections:\n%s", page)
	}
	for _, p := range []string{"/admin/reports", "/admin/accounts", "/admin/accounts/" + alice, "/admin/audit", "/admin/health", "/admin/servers"} {
		mod.page(p)
	}

	member := signedIn(t, n, "alice")
	for _, p := range []string{"/admin", "/admin/reports", "/admin/accounts", "/admin/audit", "/admin/health", "/admin/domains", "/admin/servers"} {
		if code, _, page := member.open(http.MethodGet, p, nil); code != http.StatusForbidden || !strings.Contains(page, "<h1") {
			t.Errorf("member GET %s: %d; want a 403 page:\n%s", p, code, page)
		}
	}
	if code, _, _ := member.open(http.MethodPost, "/admin/accounts/"+alice+"/action",
		url.Values{"csrf": {"x"}, "type": {"suspend"}}); code != http.StatusForbidden {
		t.Errorf("member POST action: %d; want 403", code)
	}

	anon := &browser{FormBrowser: testrig.NewFormBrowser(t, n), t: t, n: n}
	if code, loc, _ := anon.open(http.MethodGet, "/admin/reports?state=all", nil); code != http.StatusSeeOther ||
		loc != session.SignInURL("/admin/reports?state=all") {
		t.Errorf("not signed in: %d %q; want 303 to sign in", code, loc)
	}
}

// TestCSRFRefused checks that a form without the session's token, or
// with another session's, changes nothing.
func TestCSRFRefused(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	root := signedIn(t, n, "root")
	other := signedIn(t, n, "root")
	for name, tok := range map[string][]string{"missing": nil, "empty": {""}, "another session's": {other.csrf()}} {
		t.Run(name, func(t *testing.T) {
			form := url.Values{"domain": {"bad.example"}}
			if tok != nil {
				form["csrf"] = tok
			}
			code, _, page := root.open(http.MethodPost, "/admin/domains/blocks", form)
			if code != http.StatusForbidden || !strings.Contains(page, "The form had expired") {
				t.Errorf("%d; want 403 saying the form had expired:\n%s", code, page)
			}
		})
	}
	if _, err := n.Engine.DomainBlockNamed(context.Background(), "bad.example"); err == nil {
		t.Error("a form without the right token blocked the domain")
	}
	code, _, _ := root.open(http.MethodPost, "/admin/accounts/"+accts["alice"].ID.String()+"/action",
		url.Values{"type": {"suspend"}, "text": {"x"}})
	if a, _ := n.Store.AccountByID(context.Background(), accts["alice"].ID); code != http.StatusForbidden || !a.SuspendedAt.IsZero() {
		t.Errorf("suspend without a token: %d, suspended %v; want 403 and not suspended", code, a.SuspendedAt)
	}
}

var blockLink = regexp.MustCompile(`href="(/admin/domains/blocks/\d+)"`)

// TestAdminDomainBlocks adds a domain block with the form, sees it take
// effect, changes it and lifts it.
func TestAdminDomainBlocks(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	b := signedIn(t, n, "root")
	code, loc, page := b.post("/admin/domains/blocks", url.Values{"domain": {"Bad.Example"}, "severity": {"limit"},
		"reject_media": {"1"}, "public_comment": {"Spam"}, "private_comment": {"Ticket 42"}})
	if code != http.StatusSeeOther || loc != "/admin/domains?done=blocked" {
		t.Fatalf("block: %d %q:\n%s", code, loc, page)
	}
	got, err := n.Engine.DomainBlockNamed(ctx, "bad.example")
	if err != nil {
		t.Fatal(err)
	}
	if got.Severity != storage.SeverityLimit || !got.RejectMedia || got.RejectReports || got.PublicComment != "Spam" || got.PrivateComment != "Ticket 42" {
		t.Errorf("block: %+v", got)
	}
	page = b.page(loc)
	m := blockLink.FindStringSubmatch(page)
	if !strings.Contains(page, "The domain has been blocked.") || m == nil || !strings.Contains(page, "Ticket 42") {
		t.Fatalf("domains page does not list the block:\n%s", page)
	}
	// A second block of the domain is a problem page.
	if code, _, page := b.post("/admin/domains/blocks", url.Values{"domain": {"bad.example"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "blocked already") {
		t.Errorf("second block: %d:\n%s", code, page)
	}
	// Make it a suspend: it takes effect at once (the policy says no).
	edit := b.page(m[1])
	if !strings.Contains(edit, `value="limit" checked`) || !strings.Contains(edit, `name="reject_media" value="1" checked`) {
		t.Errorf("edit form does not show the block as it is:\n%s", edit)
	}
	if code, _, page := b.post(m[1], url.Values{"severity": {"suspend"}, "public_comment": {"Spam"}}); code != http.StatusSeeOther {
		t.Fatalf("change: %d:\n%s", code, page)
	}
	if got, _ = n.Engine.DomainBlockNamed(ctx, "bad.example"); got.Severity != storage.SeveritySuspend || got.RejectMedia {
		t.Errorf("changed block: %+v; want suspend without reject_media", got)
	}
	if n.Engine.Policy().Allows("social.bad.example").Federate {
		t.Error("the suspend does not cover a subdomain")
	}
	if code, _, page := b.post(m[1]+"/remove", nil); code != http.StatusSeeOther {
		t.Fatalf("remove: %d:\n%s", code, page)
	}
	if _, err := n.Engine.DomainBlockNamed(ctx, "bad.example"); err == nil {
		t.Error("the block is still there after it was lifted")
	}
	// Allows and the mode.
	if code, _, _ := b.post("/admin/domains/allows", url.Values{"domain": {"friend.example"}}); code != http.StatusSeeOther {
		t.Fatalf("allow: %d", code)
	}
	if code, _, _ := b.post("/admin/domains/mode", url.Values{"mode": {"allowlist"}}); code != http.StatusSeeOther {
		t.Fatalf("mode: %d", code)
	}
	mode, _, allows, err := n.Engine.DomainPolicy(ctx, 0)
	if err != nil || mode != storage.FederationAllowlist || len(allows) != 1 || allows[0].Domain != "friend.example" {
		t.Errorf("policy: %s %+v %v; want allowlist with friend.example", mode, allows, err)
	}
	if !n.Engine.Policy().Allows("friend.example").Federate || n.Engine.Policy().Allows("stranger.example").Federate {
		t.Error("allow-list mode is not in force")
	}
}

// TestBlocksCSVRoundTrip exports the blocks as CSV from the dashboard,
// lifts them, imports the file, and gets the same blocks back.
func TestBlocksCSVRoundTrip(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	root := accts["root"].ID
	want := []storage.NodeDomainBlock{
		{Domain: "spam.example", Severity: storage.SeveritySuspend, PublicComment: "Spam, \"lots\", of it", RejectReports: true},
		{Domain: "loud.example", Severity: storage.SeverityLimit, RejectMedia: true, Obfuscate: true},
		{Domain: "pics.example", Severity: storage.SeverityNoop, RejectMedia: true},
	}
	for _, b := range want {
		if _, err := n.Engine.AddDomainBlock(ctx, root, b); err != nil {
			t.Fatal(err)
		}
	}
	b := signedIn(t, n, "root")
	code, _, body := b.open(http.MethodGet, "/admin/domains/export.csv", nil)
	if code != http.StatusOK {
		t.Fatalf("export: %d:\n%s", code, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "#domain" {
		t.Fatalf("export is not Mastodon's CSV with 3 blocks (%v):\n%s", err, body)
	}
	_, blocks, _, err := n.Engine.DomainPolicy(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, bl := range blocks {
		if _, err := n.Engine.RemoveDomainBlock(ctx, root, bl.ID); err != nil {
			t.Fatal(err)
		}
	}
	code, loc, page := b.upload("/admin/domains/import", "file", "blocks.csv", []byte(body), url.Values{"csrf": {b.csrf()}})
	if code != http.StatusSeeOther || loc != "/admin/domains?done=imported&added=3&updated=0" {
		t.Fatalf("import: %d %q:\n%s", code, loc, page)
	}
	if page := b.page(loc); !strings.Contains(page, "3 added, 0 changed.") {
		t.Errorf("domains page does not say what was imported:\n%s", page)
	}
	for _, w := range want {
		got, err := n.Engine.DomainBlockNamed(ctx, w.Domain)
		if err != nil {
			t.Errorf("%s not imported: %v", w.Domain, err)
			continue
		}
		if got.Severity != w.Severity || got.RejectMedia != w.RejectMedia || got.RejectReports != w.RejectReports ||
			got.Obfuscate != w.Obfuscate || got.PublicComment != w.PublicComment {
			t.Errorf("imported %+v; want %+v", got, w)
		}
	}
	// A bad line imports nothing, and the page names it.
	code, _, page = b.upload("/admin/domains/import", "file", "bad.csv", []byte("#domain,#severity\nok.example,suspend\nbad.example,explode\n"),
		url.Values{"csrf": {b.csrf()}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "line 3") {
		t.Errorf("bad import: %d; want 422 naming line 3:\n%s", code, page)
	}
	if _, err := n.Engine.DomainBlockNamed(ctx, "ok.example"); err == nil {
		t.Error("a file with a bad line was partly imported")
	}
}

var inviteURL = regexp.MustCompile(`<p class="code" id="invite-url">([^<]+)</p>`)

// TestAdminCreatesInvite makes an invitation link from the web: it is
// shown once, works, and is listed with its uses.
func TestAdminCreatesInvite(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	b := signedIn(t, n, "root")
	page := b.page("/admin/registrations")
	if !strings.Contains(page, "Closed: accounts come from the command line") {
		t.Errorf("registrations page does not say the mode:\n%s", page)
	}
	code, _, page := b.post("/admin/registrations/invites", url.Values{"expires": {"24h"}, "max_uses": {"5"}})
	m := inviteURL.FindStringSubmatch(page)
	if code != http.StatusCreated || m == nil {
		t.Fatalf("create invite: %d:\n%s", code, page)
	}
	u, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	if live, err := n.Engine.CheckInvite(ctx, u.Query().Get("invite")); err != nil || !live {
		t.Errorf("the link's invitation is not live: %v %v", live, err)
	}
	invites, err := n.Store.Invites(ctx)
	if err != nil || len(invites) != 1 || invites[0].MaxUses != 5 || invites[0].ExpiresAt.Sub(n.Clock.Now()).Hours() < 23 {
		t.Fatalf("invites: %+v %v; want one for 5 uses, a day", invites, err)
	}
	if page := b.page("/admin/registrations"); !strings.Contains(page, "0 of 5") || !strings.Contains(page, "Live") ||
		!strings.Contains(page, "@root") || strings.Contains(page, m[1]) {
		t.Errorf("registrations page does not list the invitation (without its link):\n%s", page)
	}
	entries, err := n.Engine.AuditLog(ctx, 0, storage.AuditFilter{Action: federation.AuditCreateInvite}, storage.Page{})
	if err != nil || len(entries) != 1 {
		t.Errorf("audit log of the invitation: %v %v", entries, err)
	}
	if code, _, _ := b.post("/admin/registrations/invites", url.Values{"expires": {"999h"}, "max_uses": {"5"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("an expiry the form does not offer: %d; want 422", code)
	}
}

// TestModeratorReviewsTrends: a hashtag two members use is listed for
// review, does not trend until a moderator approves it, trends once
// approved, and stops when rejected; members may not review.
func TestModeratorReviewsTrends(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	for _, who := range []string{"alice", "bob"} {
		if _, err := n.Engine.Post(ctx, accts[who].ID, federation.Draft{Text: "our #retrofit pilot", Visibility: "public"}); err != nil {
			t.Fatal(err)
		}
	}
	trending := func() bool {
		t.Helper()
		tags, err := n.Engine.TrendingTags(ctx, 0, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(tags) == 1 && tags[0].Name == "retrofit"
	}
	b := signedIn(t, n, "mod")
	if page := b.page("/admin/trends"); !strings.Contains(page, "#retrofit") || !strings.Contains(page, "Waiting for review") || trending() {
		t.Fatalf("before review (trending %v):\n%s", trending(), page)
	}
	code, to, _ := b.post("/admin/trends/approve", url.Values{"tag": {"retrofit"}})
	if page := b.page(to); code != http.StatusSeeOther || !strings.Contains(page, "Approved: it trends") || !trending() {
		t.Fatalf("approve: %d (trending %v):\n%s", code, trending(), page)
	}
	code, to, _ = b.post("/admin/trends/reject", url.Values{"tag": {"retrofit"}})
	if page := b.page(to); code != http.StatusSeeOther || !strings.Contains(page, "Rejected: it does not trend") || trending() {
		t.Fatalf("reject: %d (trending %v):\n%s", code, trending(), page)
	}
	if code, _, _ := b.post("/admin/trends/approve", url.Values{"tag": {"never-used"}}); code != http.StatusNotFound {
		t.Errorf("approving a hashtag nobody used: %d; want 404", code)
	}
	if err := n.Engine.ReviewTrend(ctx, accts["alice"].ID, "retrofit", true); !errors.Is(err, federation.ErrDenied) || trending() {
		t.Errorf("a member approves: %v (trending %v); want denied", err, trending())
	}
	if code, _, _ := signedIn(t, n, "alice").open(http.MethodGet, "/admin/trends", nil); code != http.StatusForbidden {
		t.Errorf("a member opens the trends page: %d; want 403", code)
	}

	// A page both link to is listed too, and trends once approved.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<head><title>Retrofit <grants></title><meta property="og:site_name" content="Gov news"></head>`)
	}))
	defer site.Close()
	var posts []storage.ID
	for _, who := range []string{"alice", "bob"} {
		st, err := n.Engine.Post(ctx, accts[who].ID, federation.Draft{Text: "See " + site.URL + "/grants", Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, st.ID)
	}
	testrig.Eventually(t, 10*time.Second, "both posts have the card", func() bool {
		cards, err := n.Store.CardsOf(ctx, posts)
		return err == nil && len(cards) == 2
	})
	linkTrends := func() int {
		t.Helper()
		links, err := n.Engine.TrendingLinks(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(links)
	}
	page := b.page("/admin/trends")
	if !strings.Contains(page, `<a href="`+site.URL+`/grants" rel="nofollow noopener noreferrer">Retrofit &lt;grants&gt;</a> <span class="meta">Gov news</span>`) ||
		!strings.Contains(page, "2 people, 2 posts") || linkTrends() != 0 {
		t.Fatalf("links before review (%d trending):\n%s", linkTrends(), page)
	}
	links, err := n.Engine.LinksForReview(ctx, 0)
	if err != nil || len(links) != 1 {
		t.Fatalf("links for review: %v %v", links, err)
	}
	code, to, _ = b.post("/admin/trends/links/approve", url.Values{"link": {links[0].Card.ID.String()}})
	if page := b.page(to); code != http.StatusSeeOther || !strings.Contains(page, "The link is approved") || linkTrends() != 1 {
		t.Fatalf("approve the link: %d (%d trending):\n%s", code, linkTrends(), page)
	}
	if code, _, _ := b.post("/admin/trends/links/reject", url.Values{"link": {"nonsense"}}); code != http.StatusNotFound {
		t.Errorf("rejecting no link: %d; want 404", code)
	}

	// A post someone favourited is listed, and trends once approved.
	if err := n.Engine.Favourite(ctx, accts["bob"].ID, posts[0]); err != nil {
		t.Fatal(err)
	}
	postTrends := func() int {
		t.Helper()
		sts, err := n.Engine.TrendingStatuses(ctx, 0, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(sts)
	}
	page = b.page("/admin/trends")
	if !strings.Contains(page, "See "+site.URL+"/grants</a> <span class=\"meta\">@alice</span>") || postTrends() != 0 {
		t.Fatalf("posts before review (%d trending):\n%s", postTrends(), page)
	}
	code, to, _ = b.post("/admin/trends/posts/approve", url.Values{"post": {posts[0].String()}})
	if page := b.page(to); code != http.StatusSeeOther || !strings.Contains(page, "The post is approved") || postTrends() != 1 {
		t.Fatalf("approve the post: %d (%d trending):\n%s", code, postTrends(), page)
	}
	if code, _, _ := b.post("/admin/trends/posts/approve", url.Values{"post": {"12345"}}); code != http.StatusNotFound {
		t.Errorf("approving no post: %d; want 404", code)
	}
}

// TestAdminPublishesAnnouncement publishes an announcement from the web,
// with an end; it is listed and reaches members in the API; a bad time
// is a problem page; taking it down removes it for members.
func TestAdminPublishesAnnouncement(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	b := signedIn(t, n, "root")
	if page := b.page("/admin"); !strings.Contains(page, `href="/admin/announcements"`) {
		t.Errorf("the admin's navigation lacks announcements:\n%s", page)
	}
	ends := n.Clock.Now().Add(72 * time.Hour).UTC().Format("2006-01-02T15:04")
	code, to, _ := b.post("/admin/announcements", url.Values{"text": {"Upgrade on Saturday <night>."}, "ends_at": {ends}})
	page := b.page(to)
	if code != http.StatusSeeOther || !strings.Contains(page, "The announcement is published") ||
		!strings.Contains(page, "Upgrade on Saturday &lt;night&gt;.") || !strings.Contains(page, "@root") {
		t.Fatalf("publish: %d:\n%s", code, page)
	}
	shown, err := n.Engine.CurrentAnnouncements(ctx, accts["alice"], false)
	if err != nil || len(shown) != 1 || shown[0].EndsAt.UTC().Format("2006-01-02T15:04") != ends {
		t.Fatalf("alice's announcements: %+v %v", shown, err)
	}
	if code, _, page := b.post("/admin/announcements", url.Values{"text": {"x"}, "starts_at": {"Saturday"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Enter the start as a date and time") {
		t.Errorf("a bad time: %d:\n%s", code, page)
	}
	if code, _, page := b.post("/admin/announcements", url.Values{"text": {" "}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "nnouncement needs text") {
		t.Errorf("no text: %d:\n%s", code, page)
	}
	code, to, _ = b.post("/admin/announcements/"+shown[0].ID.String()+"/delete", nil)
	page = b.page(to)
	if code != http.StatusSeeOther || !strings.Contains(page, "taken down") || !strings.Contains(page, "No announcements yet") {
		t.Fatalf("take down: %d:\n%s", code, page)
	}
	if shown, err := n.Engine.CurrentAnnouncements(ctx, accts["alice"], true); err != nil || len(shown) != 0 {
		t.Errorf("alice's announcements after it was taken down: %+v %v", shown, err)
	}
}

// TestAccountActions acts on a member from the web with a reason, sees
// the standing and the warning, undoes it, and changes a role (admins
// only).
func TestAccountActions(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	mod := signedIn(t, n, "mod")
	bob := "/admin/accounts/" + accts["bob"].ID.String()
	if page := mod.page("/admin/accounts?origin=local&username=bo"); !strings.Contains(page, `href="`+bob+`"`) ||
		strings.Contains(page, "@alice") {
		t.Errorf("filtered list:\n%s", page)
	}
	code, loc, page := mod.post(bob+"/action", url.Values{"type": {federation.ActionSilence}, "text": {"Too many replies"}})
	if code != http.StatusSeeOther {
		t.Fatalf("limit: %d:\n%s", code, page)
	}
	m, err := n.Store.AccountModeration(ctx, accts["bob"].ID)
	if err != nil || m.LimitedAt.IsZero() {
		t.Fatalf("bob is not limited: %+v %v", m, err)
	}
	page = mod.page(loc)
	for _, want := range []string{"The action has been taken.", "Limited since", "Too many replies", "Lift the limit"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `action="`+bob+`/role"`) {
		t.Error("a moderator is offered the role form")
	}
	if page := mod.page("/admin/accounts?status=silenced"); !strings.Contains(page, `href="`+bob+`"`) ||
		!strings.Contains(page, "<td>Limited</td>") {
		t.Errorf("list of limited accounts does not show bob as limited:\n%s", page)
	}
	if code, _, _ := mod.post(bob+"/undo", url.Values{"undo": {federation.UndoSilence}}); code != http.StatusSeeOther {
		t.Fatalf("undo: %d", code)
	}
	if m, _ = n.Store.AccountModeration(ctx, accts["bob"].ID); !m.LimitedAt.IsZero() {
		t.Error("the limit was not lifted")
	}
	// A moderator may not act on an admin: the engine's rule, shown as a 403.
	if code, _, _ := mod.post("/admin/accounts/"+accts["root"].ID.String()+"/action",
		url.Values{"type": {federation.ActionSuspend}, "text": {"x"}}); code != http.StatusForbidden {
		t.Errorf("moderator suspends an admin: %d; want 403", code)
	}
	// An action taken from a report's link resolves the report with it.
	rep, err := n.Engine.Report(ctx, accts["alice"], federation.NewReport{TargetID: accts["bob"].ID, Comment: "Spam"})
	if err != nil {
		t.Fatal(err)
	}
	page = mod.page(bob + "?report=" + rep.ID.String())
	form := testrig.Hidden(page)
	if form.Get("report_id") != rep.ID.String() {
		t.Fatalf("account page opened from a report does not carry it:\n%s", page)
	}
	form.Set("type", federation.ActionSensitive)
	form.Set("text", "Unmarked images")
	if code, _, page := mod.open(http.MethodPost, bob+"/action", form); code != http.StatusSeeOther {
		t.Fatalf("act from a report: %d:\n%s", code, page)
	}
	if got, err := n.Store.ReportByID(ctx, rep.ID); err != nil || got.State != storage.ReportResolved || got.Action != "other" {
		t.Errorf("report after the action: %+v %v; want resolved", got, err)
	}
	root := signedIn(t, n, "root")
	if code, _, page := root.post(bob+"/role", url.Values{"role": {"moderator"}}); code != http.StatusSeeOther {
		t.Fatalf("role: %d:\n%s", code, page)
	}
	if ok, err := n.Engine.Can(ctx, accts["bob"].ID, federation.ActHandleReports); err != nil || !ok {
		t.Errorf("bob is not a moderator after the form: %v %v", ok, err)
	}
	entries, err := n.Engine.AuditLog(ctx, 0, storage.AuditFilter{TargetID: accts["bob"].ID}, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	// The first change_role is the test's own, making bob a member.
	if strings.Join(actions, " ") != "change_role sensitive unlimit limit change_role" {
		t.Errorf("audit log of bob: %v", actions)
	}
}

// TestAdminApprovesSignUps lists the sign-ups waiting for approval, lets
// one in and turns the other down from the web.
func TestAdminApprovesSignUps(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	waiting := map[string]storage.Account{}
	for _, name := range []string{"dave", "erin"} {
		a, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: name, Email: name + "@elsewhere.test",
			Password: testrig.Password, Unapproved: true, Reason: name + " runs the mobile library"})
		if err != nil {
			t.Fatal(err)
		}
		waiting[name] = a
	}
	root := signedIn(t, n, "root")
	page := root.page("/admin/accounts?status=pending")
	for _, a := range waiting {
		if !strings.Contains(page, `href="/admin/accounts/`+a.ID.String()+`"`) {
			t.Errorf("pending list lacks @%s:\n%s", a.Username, page)
		}
	}
	if strings.Contains(page, "@alice") {
		t.Errorf("pending list shows a member who has joined:\n%s", page)
	}
	dave := "/admin/accounts/" + waiting["dave"].ID.String()
	page = root.page(dave)
	for _, want := range []string{"Waiting for approval", "dave runs the mobile library", "Approve sign-up", "Reject sign-up"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page of a sign-up lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, ">Unsuspend<") {
		t.Errorf("a sign-up is offered Unsuspend:\n%s", page)
	}
	if page := signedIn(t, n, "mod").page(dave); strings.Contains(page, "Approve sign-up") {
		t.Errorf("a moderator is offered the approval form:\n%s", page)
	}
	if code, _, page := root.post(dave+"/approve", nil); code != http.StatusSeeOther {
		t.Fatalf("approve: %d:\n%s", code, page)
	}
	if u, err := n.Store.UserByAccount(ctx, waiting["dave"].ID); err != nil || u.ApprovedAt.IsZero() {
		t.Errorf("dave is not approved: %+v %v", u, err)
	}
	if code, _, page := root.post("/admin/accounts/"+waiting["erin"].ID.String()+"/reject", nil); code != http.StatusSeeOther {
		t.Fatalf("reject: %d:\n%s", code, page)
	}
	if _, err := n.Store.UserByAccount(ctx, waiting["erin"].ID); err == nil {
		t.Error("erin can still sign in after her sign-up was rejected")
	}
}
