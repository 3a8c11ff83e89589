package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

const staffLink = `<a href="/admin">Moderation</a>`

// TestStaffNavLink checks the site navigation links to the dashboard for
// moderators and admins, on the site's pages and the dashboard's, and
// never for a member or a browser not signed in.
func TestStaffNavLink(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	tests := []struct {
		login string
		want  bool
	}{
		{"mod", true},
		{"root", true},
		{"alice", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run("as "+tt.login, func(t *testing.T) {
			b := &browser{FormBrowser: testrig.NewFormBrowser(t, n), t: t, n: n}
			if tt.login != "" {
				b = signedIn(t, n, tt.login)
			}
			paths := []string{"/", "/communities", "/about"}
			if tt.want {
				paths = append(paths, "/admin")
			}
			for _, p := range paths {
				if got := strings.Contains(b.page(p), staffLink); got != tt.want {
					t.Errorf("GET %s: link to the dashboard %v; want %v", p, got, tt.want)
				}
			}
		})
	}
}

var (
	draftApprove = regexp.MustCompile(`action="(/admin/domains/drafts/\d+/approve)"`)
	draftReject  = regexp.MustCompile(`action="(/admin/domains/drafts/\d+/reject)"`)
	subRefresh   = regexp.MustCompile(`action="(/admin/domains/subscriptions/\d+/refresh)"`)
	subRemove    = regexp.MustCompile(`action="(/admin/domains/subscriptions/\d+/remove)"`)
)

// TestAdminSubscribesToList subscribes to a shared list that is not
// trusted from the web: its entries show as drafts, one approved from the
// page becomes a block in force, one rejected stays rejected; reading
// a broken list keeps its error on the page; unsubscribing keeps the
// block.
func TestAdminSubscribesToList(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	var broken atomic.Bool
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "gone", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
			"spam.example,suspend,false,false,Spam farm,false\n"))
	}))
	t.Cleanup(list.Close)
	b := signedIn(t, n, "root")
	code, loc, page := b.post("/admin/domains/subscriptions", url.Values{"url": {list.URL + "/blocks.csv"}})
	if code != http.StatusSeeOther || loc != "/admin/domains?done=subscribed" {
		t.Fatalf("subscribe: %d %q:\n%s", code, loc, page)
	}
	page = b.page(loc)
	for _, want := range []string{"The node is subscribed to the list, which has been read.", list.URL + "/blocks.csv",
		"spam.example", "Spam farm", "Waiting"} {
		if !strings.Contains(page, want) {
			t.Errorf("domain policy page lacks %q:\n%s", want, page)
		}
	}
	if _, err := n.Engine.DomainBlockNamed(ctx, "spam.example"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a draft of a list not trusted is in force before approval: %v", err)
	}
	m := draftApprove.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no approve form on the page:\n%s", page)
	}
	if code, loc, page := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/domains?done=approved" {
		t.Fatalf("approve: %d %q:\n%s", code, loc, page)
	}
	blk, err := n.Engine.DomainBlockNamed(ctx, "spam.example")
	if err != nil || blk.Severity != storage.SeveritySuspend || blk.SubscriptionID == 0 {
		t.Fatalf("block after approval: %+v %v; want a suspension from the list", blk, err)
	}
	page = b.page("/admin/domains")
	if draftApprove.MatchString(page) || !strings.Contains(page, "No drafts are waiting.") {
		t.Errorf("the approved draft is still offered:\n%s", page)
	}

	// A broken list: reading it now keeps its error and changes nothing.
	broken.Store(true)
	m = subRefresh.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no read-now form:\n%s", page)
	}
	if code, loc, _ := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/domains?done=refresh-bad" {
		t.Fatalf("refresh a broken list: %d %q", code, loc)
	}
	if page := b.page("/admin/domains"); !strings.Contains(page, "500") {
		t.Errorf("the page does not show the list's last error:\n%s", page)
	}
	if m = subRemove.FindStringSubmatch(page); m == nil {
		t.Fatalf("no unsubscribe form:\n%s", page)
	}
	if code, loc, _ := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/domains?done=unsubscribed" {
		t.Fatalf("unsubscribe: %d %q", code, loc)
	}
	if subs, err := n.Engine.PolicySubscriptions(ctx, 0); err != nil || len(subs) != 0 {
		t.Errorf("subscriptions after unsubscribing: %+v %v", subs, err)
	}
	if _, err := n.Engine.DomainBlockNamed(ctx, "spam.example"); err != nil {
		t.Errorf("the list's block went with the subscription: %v", err)
	}
	entries, err := n.Engine.AuditLog(ctx, 0, storage.AuditFilter{Action: federation.AuditApproveDraft}, storage.Page{})
	if err != nil || len(entries) != 1 {
		t.Errorf("audit log of the approval: %v %v", entries, err)
	}
}

// TestAdminRejectsDraft rejects a list's draft from the web: it stays
// rejected (no block, no reject button) and can still be approved.
func TestAdminRejectsDraft(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("junk.example\n"))
	}))
	t.Cleanup(list.Close)
	b := signedIn(t, n, "root")
	if code, _, page := b.post("/admin/domains/subscriptions", url.Values{"url": {list.URL}}); code != http.StatusSeeOther {
		t.Fatalf("subscribe: %d:\n%s", code, page)
	}
	m := draftReject.FindStringSubmatch(b.page("/admin/domains"))
	if m == nil {
		t.Fatal("no reject form on the page")
	}
	if code, loc, _ := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/domains?done=rejected" {
		t.Fatalf("reject: %d %q", code, loc)
	}
	page := b.page("/admin/domains")
	if !strings.Contains(page, "Rejected") || draftReject.MatchString(page) || !draftApprove.MatchString(page) {
		t.Errorf("the rejected draft is not shown as rejected with only an approve form:\n%s", page)
	}
	drafts, err := n.Engine.PolicyDrafts(ctx, 0, 0, storage.DraftRejected)
	if err != nil || len(drafts) != 1 || drafts[0].Domain != "junk.example" {
		t.Errorf("rejected drafts: %+v %v", drafts, err)
	}
	if _, err := n.Engine.DomainBlockNamed(ctx, "junk.example"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a rejected draft blocks: %v", err)
	}
	// A URL that is not one is the form's problem, said on a page.
	if code, _, page := b.post("/admin/domains/subscriptions", url.Values{"url": {"ftp://lists.example/x"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "is not an https URL") {
		t.Errorf("subscribe to a bad URL: %d; want 422 saying why:\n%s", code, page)
	}
}

var emailBlockRemove = regexp.MustCompile(`action="(/admin/registrations/email_blocks/\d+/remove)"`)

// TestAdminEmailDomainBlocks blocks an email domain from the web, sees it
// listed and in force, refuses it twice, and removes it.
func TestAdminEmailDomainBlocks(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	b := signedIn(t, n, "root")
	code, loc, page := b.post("/admin/registrations/email_blocks", url.Values{"domain": {"Spam-Mail.example"}})
	if code != http.StatusSeeOther || loc != "/admin/registrations?done=email-blocked" {
		t.Fatalf("block: %d %q:\n%s", code, loc, page)
	}
	page = b.page(loc)
	if !strings.Contains(page, "Sign-ups from that email domain are refused from now on.") ||
		!strings.Contains(page, "<td>spam-mail.example</td><td>@root</td>") {
		t.Errorf("registrations page does not list the block:\n%s", page)
	}
	blocks, err := n.Engine.EmailDomainBlocks(ctx, 0, storage.Page{})
	if err != nil || len(blocks) != 1 || blocks[0].Domain != "spam-mail.example" {
		t.Fatalf("blocks: %+v %v", blocks, err)
	}
	if code, _, page := b.post("/admin/registrations/email_blocks", url.Values{"domain": {"spam-mail.example"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "blocked already") {
		t.Errorf("block twice: %d; want 422:\n%s", code, page)
	}
	if code, _, _ := b.post("/admin/registrations/email_blocks", url.Values{"domain": {"not a domain"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("block a bad domain: %d; want 422", code)
	}
	m := emailBlockRemove.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no remove form:\n%s", page)
	}
	if code, loc, _ := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/registrations?done=email-unblocked" {
		t.Fatalf("remove: %d %q", code, loc)
	}
	if blocks, err := n.Engine.EmailDomainBlocks(ctx, 0, storage.Page{}); err != nil || len(blocks) != 0 {
		t.Errorf("blocks after removing: %+v %v", blocks, err)
	}
	if page := b.page("/admin/registrations"); !strings.Contains(page, "No email domains are blocked.") {
		t.Errorf("the removed block is still listed:\n%s", page)
	}
}

var inviteRevoke = regexp.MustCompile(`action="(/admin/registrations/invites/\d+/revoke)"`)

// TestAdminRevokesInvite revokes an invitation from the web: its link
// no longer signs anyone up, the list says so, and the log has it.
func TestAdminRevokesInvite(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	ctx := context.Background()
	c, err := n.Engine.CreateInvite(ctx, federation.NewInvite{By: accts["root"].ID, MaxUses: 3})
	if err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, n, "root")
	m := inviteRevoke.FindStringSubmatch(b.page("/admin/registrations"))
	if m == nil || m[1] != "/admin/registrations/invites/"+c.Invite.ID.String()+"/revoke" {
		t.Fatalf("no revoke form for the invitation: %v", m)
	}
	if code, loc, page := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/registrations?done=revoked" {
		t.Fatalf("revoke: %d %q:\n%s", code, loc, page)
	}
	if live, err := n.Engine.CheckInvite(ctx, c.Code); err != nil || live {
		t.Errorf("CheckInvite after revoking: %v %v; want false", live, err)
	}
	page := b.page("/admin/registrations")
	if !strings.Contains(page, "Revoked") || inviteRevoke.MatchString(page) {
		t.Errorf("the page does not show the invitation revoked, without a form:\n%s", page)
	}
	entries, err := n.Engine.AuditLog(ctx, 0, storage.AuditFilter{Action: federation.AuditRevokeInvite}, storage.Page{})
	if err != nil || len(entries) != 1 || entries[0].AccountID != accts["root"].ID || entries[0].TargetID != c.Invite.ID {
		t.Errorf("audit log of the revocation: %+v %v", entries, err)
	}
	if code, _, _ := b.post(m[1], nil); code != http.StatusNotFound {
		t.Errorf("revoke twice: %d; want 404", code)
	}
}
