package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestPagesAccessible visits every page a person reaches in a browser in
// headless Chromium and checks each with axe-core against the WCAG 2.2 A
// and AA rules: no violations, a title, a language and one h1. It signs
// in through the OAuth pages as an app's user would, by typing into the
// form and pressing its buttons.
func TestPagesAccessible(t *testing.T) {
	t.Parallel()
	br := testrig.NewBrowser(t)
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	st, err := n.Engine.Post(ctx, alice.ID, federation.Draft{
		Text: "Our #enquiries routine, revised after the audit: https://council-a.example/routine", Visibility: activitypub.Public,
		SpoilerText: "Long read"})
	if err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{"/@alice", "/@alice/" + st.ID.String()} {
		br.CheckPage(t, n.URL+path)
	}

	// An app asks alice to sign in: the sign-in page, its error, the
	// consent page and the page that shows the code.
	resp, err := http.PostForm(n.URL+"/api/v1/apps", url.Values{"client_name": {"Phanpy"},
		"redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {"read write"}, "website": {"https://phanpy.social"}})
	if err != nil {
		t.Fatal(err)
	}
	var app struct {
		ClientID string `json:"client_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&app)
	resp.Body.Close()
	if err != nil || app.ClientID == "" {
		t.Fatalf("register app: %v", err)
	}
	authorize := n.URL + "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "response_type": {"code"},
		"redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "scope": {"read write"}}.Encode()
	br.CheckPage(t, authorize)
	if err := br.Run(
		chromedp.SendKeys("#login", "alice", chromedp.ByQuery),
		chromedp.SendKeys("#password", "not her password", chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".error", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign in with a wrong password: %v", err)
	}
	br.CheckLoaded(t, "sign-in page with an error")
	if err := br.Run(
		chromedp.Clear("#password", chromedp.ByQuery),
		chromedp.SendKeys("#password", testrig.Password, chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(`button[value=authorize]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	br.CheckLoaded(t, "consent page")
	var code string
	if err := br.Run(
		chromedp.Click(`button[value=authorize]`, chromedp.ByQuery),
		chromedp.WaitVisible("#code", chromedp.ByQuery),
		chromedp.Text("#code", &code, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("authorize: %v", err)
	}
	if len(strings.TrimSpace(code)) < 20 {
		t.Errorf("after authorising, the page shows the code %q; want one to paste", code)
	}
	br.CheckLoaded(t, "authorisation code page")
}
