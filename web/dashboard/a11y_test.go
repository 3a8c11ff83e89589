package dashboard_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDashboardAccessible opens every dashboard page as an admin in
// headless Chromium, signed in through the web form, and checks each with
// axe-core against the WCAG 2.2 A and AA rules (no violations, a title,
// a language, one h1), forms and problem pages included, with shared
// lists, drafts, email domain blocks and a revoked invitation listed.
func TestDashboardAccessible(t *testing.T) {
	t.Parallel()
	br := testrig.NewBrowser(t)
	n, accts := staff(t)
	ctx := context.Background()
	rep, err := n.Engine.Report(ctx, accts["alice"], federation.NewReport{TargetID: accts["bob"].ID, Comment: "Spam links"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.ActOnAccount(ctx, federation.AccountAction{By: accts["mod"].ID, Target: accts["bob"].ID,
		Type: federation.ActionSilence, Text: "Spam"}); err != nil {
		t.Fatal(err)
	}
	block, err := n.Engine.AddDomainBlock(ctx, accts["root"].ID, storage.NodeDomainBlock{Domain: "spam.example",
		Severity: storage.SeverityLimit, PublicComment: "Spam", RejectMedia: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.AddDomainAllow(ctx, accts["root"].ID, "friend.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.CreateInvite(ctx, federation.NewInvite{By: accts["root"].ID, MaxUses: 3}); err != nil {
		t.Fatal(err)
	}
	revoked, err := n.Engine.CreateInvite(ctx, federation.NewInvite{By: accts["root"].ID, MaxUses: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.RevokeInvite(ctx, accts["root"].ID, revoked.Invite.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.BlockEmailDomain(ctx, accts["root"].ID, "spam-mail.example"); err != nil {
		t.Fatal(err)
	}
	// A shared list that is not trusted, with two drafts (one rejected),
	// and one that cannot be read, for its error.
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/blocks.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("junk.example\nfarm.example\n"))
	}))
	t.Cleanup(list.Close)
	if _, _, err := n.Engine.SubscribeDomainList(ctx, accts["root"].ID, list.URL+"/blocks.txt", storage.ListBlocks, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Engine.SubscribeDomainList(ctx, accts["root"].ID, list.URL+"/gone.csv", storage.ListBlocks, true); err != nil {
		t.Fatal(err)
	}
	drafts, err := n.Engine.PolicyDrafts(ctx, accts["root"].ID, 0, storage.DraftPending)
	if err != nil || len(drafts) != 2 {
		t.Fatalf("drafts: %+v %v", drafts, err)
	}
	if _, err := n.Engine.RejectPolicyDraft(ctx, accts["root"].ID, drafts[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.AddCustomEmoji(ctx, accts["root"].ID, federation.NewEmoji{Shortcode: "heron", Category: "Birds"},
		bytes.NewReader(imagingtest.PNG(t, imagingtest.Halves(64, 64)))); err != nil {
		t.Fatal(err)
	}
	if err := br.Run(
		chromedp.Navigate(n.URL+"/auth/sign_in"),
		chromedp.SendKeys("#login", "root", chromedp.ByQuery),
		chromedp.SendKeys("#password", testrig.Password, chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("form[action='/auth/sign_out']", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, path := range []string{"/admin", "/admin/reports", "/admin/reports?state=all", "/admin/reports/" + rep.ID.String(),
		"/admin/accounts", "/admin/accounts?status=silenced", "/admin/accounts/" + accts["bob"].ID.String(),
		"/admin/registrations", "/admin/domains", "/admin/domains/blocks/" + block.ID.String(), "/admin/announcements", "/admin/trends", "/admin/emojis",
		"/admin/audit", "/admin/audit?action=limit", "/admin/health", "/admin/servers"} {
		br.CheckPage(t, n.URL+path)
		// Signed in, the page is the dashboard's, not the sign-in form.
		var at string
		if err := br.Run(chromedp.Evaluate(`location.pathname + location.search`, &at)); err != nil || at != path {
			t.Errorf("opening %s reached %s (%v)", path, at, err)
		}
	}
	// A form's answers: the invitation link page, and a problem page.
	if err := br.Run(chromedp.Navigate(n.URL+"/admin/registrations"),
		chromedp.Click("form[action='/admin/registrations/invites'] button", chromedp.ByQuery),
		chromedp.WaitVisible("#invite-url", chromedp.ByQuery)); err != nil {
		t.Fatalf("create an invitation: %v", err)
	}
	br.CheckLoaded(t, "invitation created page")
	if err := br.Run(chromedp.Navigate(n.URL+"/admin/domains"),
		chromedp.SendKeys("#domain", "spam.example", chromedp.ByQuery),
		chromedp.Click("form[action='/admin/domains/blocks'] button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".error-summary", chromedp.ByQuery)); err != nil {
		t.Fatalf("block a domain twice: %v", err)
	}
	br.CheckLoaded(t, "problem page")
}
