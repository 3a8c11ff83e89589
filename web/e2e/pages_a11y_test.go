package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
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
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Name = "Hampshire libraries practice"
		c.Description = "Library staff across Hampshire sharing how they run enquiries, events and outreach."
		c.Contact = "practice@council-a.example"
		c.Rules = []string{"Be kind to colleagues.", "No personal data about residents."}
		c.PrivacyNotice = "We keep your name and your posts.\n\nAsk us to see or delete them."
		c.AccessibilityStatement = "We aim to meet WCAG 2.2 AA."
	})
	ctx := context.Background()
	alice := n.Member("alice", false)
	n.Member("bob", false)
	if err := n.Engine.SetRole(ctx, "bob", storage.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.AddCustomEmoji(ctx, 0, federation.NewEmoji{Shortcode: "checklist"},
		bytes.NewReader(imagingtest.PNG(t, imagingtest.Halves(64, 64)))); err != nil {
		t.Fatal(err)
	}
	st, err := n.Engine.Post(ctx, alice.ID, federation.Draft{
		Text: "Our #enquiries routine :checklist:, revised after the audit: https://council-a.example/routine", Visibility: activitypub.Public,
		SpoilerText: "Long read"})
	if err != nil {
		t.Fatal(err)
	}
	var oldest storage.Status
	for i := range 21 {
		p, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: fmt.Sprintf("Weekly #enquiries figures, week %d", i+1),
			Visibility: activitypub.Public})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			oldest = p
		}
	}
	if err := n.Engine.Pin(ctx, alice.ID, st.ID); err != nil {
		t.Fatal(err)
	}

	// A community with Markdown, rules, members by organisation and a
	// thread with a reply, and a members-only one.
	if _, err := n.Engine.UpdateCredentials(ctx, alice.ID, federation.Credentials{Profile: federation.Profile{DisplayName: "Alice",
		Discoverable: true, Organisation: "Hampshire County Council", Department: "Libraries", JobTitle: "Information officer"}}); err != nil {
		t.Fatal(err)
	}
	var thread storage.Status
	for _, nc := range []federation.NewCommunity{
		{Handle: "enquiries_desk", Name: "Enquiries desk", Description: "How we **answer** questions.\n\n- in person\n- by phone",
			Rules: "Be kind.\nNo residents' data."},
		{Handle: "closed_room", Name: "Closed room", Visibility: storage.CommunityMembersOnly},
	} {
		c, err := n.Engine.CreateCommunity(ctx, alice, nc)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Engine.Follow(ctx, alice.ID, c.AccountID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if thread, err = n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@enquiries_desk Bank holiday hours?", Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "the thread is the community's", func() bool {
		_, err := n.Store.CommunityOfStatus(ctx, thread.ID)
		return err == nil
	})
	if _, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "Closed.", InReplyTo: thread.ID, Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}

	// An artefact with two versions, in the open community's library.
	desk, err := n.Store.AccountByUsername(ctx, "enquiries_desk")
	if err != nil {
		t.Fatal(err)
	}
	art, err := n.Engine.CreateArtefact(ctx, alice, desk.ID, federation.NewArtefact{Title: "Answering by phone",
		Summary: "A script.", Body: "# Script\n\nSay **hello**.", Tags: []string{"phone"}})
	if err != nil {
		t.Fatal(err)
	}
	edited := "# Script\n\nSay **good morning**."
	if _, err := n.Engine.EditArtefact(ctx, alice, art.ID, federation.ArtefactEdit{BaseVersion: 1, Body: &edited, Note: "warmer"}); err != nil {
		t.Fatal(err)
	}
	artPath := "/c/enquiries_desk/artefacts/" + art.ID.String()
	phone, err := n.Engine.CreateTerm(ctx, alice, desk.ID, federation.NewTerm{Term: "Phone script", Definition: "What to say, **word for word**.",
		Aliases: []string{"script"}, Related: []string{"Enquiry"}, ReferenceURL: "https://www.gov.uk/", ReferenceText: "GOV.UK"})
	if err != nil {
		t.Fatal(err)
	}
	warmer := "What to say, **word for word**, warmly."
	if _, err := n.Engine.EditTerm(ctx, alice, phone.ID, federation.TermEdit{BaseVersion: 1, Definition: &warmer, Note: "warmer"}); err != nil {
		t.Fatal(err)
	}
	termHistory := "/c/enquiries_desk/glossary/" + phone.ID.String() + "/history"
	start := time.Now().Add(72 * time.Hour)
	phoneSkills, err := n.Engine.CreateEvent(ctx, alice, desk.ID, federation.NewEvent{Name: "Phone skills", Description: "Practice calls.",
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Room 2", Capacity: 12})
	if err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{"/", "/?max_id=" + oldest.ID.String(), "/about", "/tags/enquiries",
		"/c/enquiries_desk/library", "/c/closed_room/library", "/c/enquiries_desk/glossary", "/c/closed_room/glossary", "/c/enquiries_desk/events", "/c/closed_room/events",
		"/c/enquiries_desk/events/" + phoneSkills.ID.String(), termHistory, termHistory + "?from=1&to=2", artPath, artPath + "?from=1&to=2",
		"/@alice", "/@alice/" + st.ID.String(), "/no/such/page", "/@nobody",
		"/communities", "/c/enquiries_desk", "/c/enquiries_desk/threads/" + thread.ID.String(), "/c/closed_room",
		"/directory", "/directory?organisation=Hampshire+County+Council", "/c/enquiries_desk/members", "/c/closed_room/members",
		"/c/enquiries_desk/search", "/c/enquiries_desk/search?q=enquiries", "/c/enquiries_desk/search?q=x&type=person", "/c/enquiries_desk/search?q=phone", "/c/closed_room/search?q=phone"} {
		br.CheckPage(t, n.URL+path)
	}

	// The first Tab reaches the skip link, which shows with the yellow
	// focus style; following it moves focus to the main content.
	var focused, background string
	if err := br.Run(
		chromedp.Navigate(n.URL+"/"),
		chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.textContent`, &focused),
		chromedp.Evaluate(`getComputedStyle(document.activeElement).backgroundColor`, &background),
	); err != nil {
		t.Fatalf("tab to the skip link: %v", err)
	}
	if focused != "Skip to main content" || background != "rgb(255, 221, 0)" {
		t.Errorf("first Tab focuses %q with background %s; want the skip link in yellow (rgb(255, 221, 0))", focused, background)
	}
	// An error page for a form sent the wrong way is a page too.
	if err := br.Run(chromedp.Navigate(n.URL + "/about")); err != nil {
		t.Fatalf("open /about: %v", err)
	}
	if err := br.Leave(chromedp.Evaluate(`(() => {
		const f = document.createElement('form'); f.method = 'post'; f.action = '/about';
		document.body.appendChild(f); f.submit(); })()`, nil)); err != nil {
		t.Fatalf("post to /about: %v", err)
	}
	br.CheckLoaded(t, "method not allowed page")

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

	// Signed in, alice's settings: the app she authorised, her email
	// notifications (and a mail's unsubscribe page), her address (and
	// the page of the link that changes it), and the password form with
	// its error summary.
	br.CheckPage(t, n.URL+"/settings/apps")
	br.CheckPage(t, n.URL+"/settings/email")
	br.CheckPage(t, n.URL+"/settings/email/unsubscribe?kind=mention&token=from-a-mail")
	br.CheckPage(t, n.URL+"/settings/email-address")
	br.CheckPage(t, n.URL+"/settings/email/confirm?token=from-a-mail")
	br.CheckPage(t, n.URL+"/settings/export")
	br.CheckPage(t, n.URL+"/settings/delete")
	br.CheckPage(t, n.URL+"/settings/two-step")
	br.CheckPage(t, n.URL+"/settings/import")
	if err := br.Run(
		chromedp.Click(`form[action="/settings/import"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".error-summary", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("import without a kind or file: %v", err)
	}
	br.CheckLoaded(t, "import page with an error")
	br.CheckPage(t, n.URL+"/settings/migration")
	if err := br.Run(
		chromedp.Click(`form[action="/settings/migration/move"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".error-summary", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("move without a handle or password: %v", err)
	}
	br.CheckLoaded(t, "migration page with an error")
	br.CheckPage(t, n.URL+"/settings/password")
	if err := br.Run(
		chromedp.SendKeys("#current", "not her password", chromedp.ByQuery),
		chromedp.SendKeys("#new", "a new horse staple", chromedp.ByQuery),
		chromedp.SendKeys("#confirm", "a different staple", chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".error-summary", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("change password with a mismatched confirmation: %v", err)
	}
	br.CheckLoaded(t, "password page with an error")
}
