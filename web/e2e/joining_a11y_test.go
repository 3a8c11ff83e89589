package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// TestJoiningPagesAccessible checks the joining pages with axe-core as
// TestPagesAccessible checks the others: the sign-up form, empty and with
// its error summary, the page that follows it, the confirmation page from
// the mailed link, an invitation's form, and password reset.
func TestJoiningPagesAccessible(t *testing.T) {
	t.Parallel()
	br := testrig.NewBrowser(t)
	srv := mailtest.Start(t)
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Registration = federation.Registration{Mode: federation.RegistrationsOpen, Domains: []string{"council-a.example"}}
		c.SMTP = federation.MailConfig{Host: srv.Host, Port: srv.Port, Username: srv.Username, Password: srv.Password,
			From: "copse@council-a.example"}
		c.Tuning.MailTLS = srv.TLS
	})
	n.Member("alice", false)

	br.CheckPage(t, n.URL+"/auth/sign_up")
	if err := br.Leave(
		chromedp.SendKeys("#username", "ann", chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign up with missing fields: %v", err)
	}
	if err := br.Run(chromedp.WaitVisible(".error-summary", chromedp.ByQuery)); err != nil {
		t.Fatalf("sign up with missing fields: %v", err)
	}
	br.CheckLoaded(t, "sign-up form with errors")
	if err := br.Leave(
		chromedp.SendKeys("#email", "ann@council-a.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", "a long passphrase", chromedp.ByQuery),
		chromedp.SendKeys("#confirm", "a long passphrase", chromedp.ByQuery),
		chromedp.Click("#agreement", chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign up: %v", err)
	}
	if err := br.Run(chromedp.WaitNotPresent(".error-summary", chromedp.ByQuery)); err != nil {
		t.Fatalf("sign up: %v", err)
	}
	br.CheckLoaded(t, "check your email page")

	link := srv.Wait(t, 1).Link("/auth/confirm?token=")
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("no confirmation link: %q", link)
	}
	br.CheckPage(t, n.URL+u.RequestURI())
	if err := br.Leave(chromedp.Click("button[type=submit]", chromedp.ByQuery)); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	var heading string
	if err := br.Run(chromedp.Text("h1", &heading, chromedp.ByQuery)); err != nil || !strings.Contains(strings.ToLower(heading), "confirmed") {
		t.Fatalf("after confirming, the page's heading is %q (%v); want it to say the address is confirmed", heading, err)
	}
	br.CheckLoaded(t, "address confirmed page")

	inv, err := n.Engine.CreateInvite(context.Background(), federation.NewInvite{MaxUses: 1})
	if err != nil {
		t.Fatal(err)
	}
	iu, _ := url.Parse(inv.URL)
	br.CheckPage(t, n.URL+iu.RequestURI())
	br.CheckPage(t, n.URL+"/auth/reset")
	br.CheckPage(t, n.URL+"/auth/confirm?token=no-such-token")
}
