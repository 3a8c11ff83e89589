package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// TestRemotePagesAccessible checks with axe-core, in headless Chromium,
// the pages B shows of a community hosted on A (its page, a thread, the
// library, an artefact, the glossary, the events and an event, and B's
// list of communities with those on other servers), a post with a link
// preview, and, signed in, the forms that propose an artefact and an edit
// with files: the same WCAG 2.2 A and AA rules as every page.
func TestRemotePagesAccessible(t *testing.T) {
	t.Parallel()
	br := testrig.NewBrowser(t)
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, bea := a.Member("alice", false), b.Member("bea", false)
	c, err := a.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "enquiries_desk", Name: "Enquiries desk",
		Description: "How we **answer** questions.\n\n- in person\n- by phone", Rules: "Be kind.\nNo residents' data."})
	if err != nil {
		t.Fatal(err)
	}
	desk, err := a.Store.AccountByID(ctx, c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	deskOnB := b.Resolve("enquiries_desk@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, deskOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "bea joins", func() bool {
		_, err := b.Store.FollowOf(ctx, bea.ID, deskOnB.ID)
		return err == nil
	})
	thread, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@enquiries_desk Bank holiday hours?", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	art, err := a.Engine.CreateArtefact(ctx, alice, desk.ID, federation.NewArtefact{Title: "Answering by phone",
		Summary: "A script.", Body: "# Script\n\nSay **hello**.", Tags: []string{"phone"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Engine.AddArtefactFile(ctx, alice, art.ID, 1, "script.csv", strings.NewReader("step,say\n1,hello\n"), ""); err != nil {
		t.Fatal(err)
	}
	term, err := a.Engine.CreateTerm(ctx, alice, desk.ID, federation.NewTerm{Term: "Phone script", Definition: "What to say, **word for word**."})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour)
	ev, err := a.Engine.CreateEvent(ctx, alice, desk.ID, federation.NewEvent{Name: "Phone skills", Description: "Practice calls.",
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Room 2", Capacity: 12})
	if err != nil {
		t.Fatal(err)
	}
	var threadB storage.Status
	var artB storage.Artefact
	var evB storage.CommunityEvent
	testrig.Eventually(t, 15*time.Second, "the thread, artefact, term and event reach B", func() bool {
		var e1, e2, e3, e4 error
		threadB, e1 = b.Store.StatusByURI(ctx, thread.URI)
		artB, e2 = b.Store.ArtefactByURI(ctx, art.URI)
		if e2 == nil && artB.Version != 2 {
			e2 = storage.ErrNotFound // its file not here yet
		}
		_, e3 = b.Store.TermByURI(ctx, term.URI)
		evB, e4 = b.Store.CommunityEventByURI(ctx, ev.URI)
		return e1 == nil && e2 == nil && e3 == nil && e4 == nil
	})
	// bea links to the community's page on A: her post shows its card.
	linked, err := b.Engine.Post(ctx, bea.ID, federation.Draft{Text: "Worth joining: " + a.URL + "/c/enquiries_desk", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "bea's post has its card", func() bool {
		cards, err := b.Store.CardsOf(ctx, []storage.ID{linked.ID})
		return err == nil && len(cards) == 1
	})

	remote := "/c/enquiries_desk@" + a.Host
	for _, path := range []string{"/communities", remote, remote + "/threads/" + threadB.ID.String(), remote + "/library",
		remote + "/artefacts/" + artB.ID.String(), remote + "/glossary", remote + "/events", remote + "/events/" + evB.ID.String(),
		"/@bea/" + linked.ID.String(), "/"} {
		br.CheckPage(t, b.URL+path)
	}
	// Signed in on B, bea's forms for the community on A: adding (with
	// files) and editing (with the file to untick).
	if err := br.Run(
		chromedp.Navigate(b.URL+session.SignInURL(remote+"/library")),
		chromedp.SendKeys("#login", "bea", chromedp.ByQuery),
		chromedp.SendKeys("#password", testrig.Password, chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="`+remote+`/library/new"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, path := range []string{remote + "/library/new", remote + "/artefacts/" + artB.ID.String() + "/edit"} {
		br.CheckPage(t, b.URL+path)
	}
}
