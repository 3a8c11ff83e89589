package pages_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// TestFormsAccessible checks the repertoire's forms and the pages that
// carry their links and buttons in headless Chromium with axe-core (WCAG
// 2.2 A and AA), signed in by typing into the sign-in form, and each form
// again with its error summary after an empty submission. Without
// Chromium and axe-core it is skipped, as testrig.NewBrowser says.
func TestFormsAccessible(t *testing.T) {
	br := testrig.NewBrowser(t)
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "desk", Name: "Enquiries desk"})
	art, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Answering by phone", Body: "Say **hello**."})
	if err != nil {
		t.Fatal(err)
	}
	body := "Say **good morning**."
	if _, err := n.Engine.EditArtefact(ctx, alice, art.ID, federation.ArtefactEdit{BaseVersion: 1, Body: &body}); err != nil {
		t.Fatal(err)
	}
	term, err := n.Engine.CreateTerm(ctx, alice, g.ID, federation.NewTerm{Term: "Phone script", Definition: "What to say."})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour)
	ev, err := n.Engine.CreateEvent(ctx, alice, g.ID, federation.NewEvent{Name: "Phone skills", Start: start, End: start.Add(time.Hour),
		TimeZone: "Europe/London", Capacity: 12})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.PublishAnnouncement(ctx, 0, federation.NewAnnouncement{Text: "Upgrade on Saturday. #maintenance",
		StartsAt: start, EndsAt: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A community that approves its members, with a request waiting.
	panel := newCommunity(t, n, alice, federation.NewCommunity{Handle: "panel", Name: "Review panel", JoinPolicy: storage.JoinApproval})
	if err := n.Engine.Follow(ctx, n.Member("bob", false).ID, panel.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	// A moderation log with an entry.
	thread, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@desk Opening hours"})
	if err != nil {
		t.Fatal(err)
	}
	// A reply whose author the moderator may ban, from the thread page.
	carl := n.Member("carl", false)
	if err := n.Engine.Follow(ctx, carl.ID, g.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	carlReply, err := n.Engine.Post(ctx, carl.ID, federation.Draft{Text: "Also on Saturdays?", InReplyTo: thread.ID})
	if err != nil {
		t.Fatal(err)
	}
	// A poll alice may vote in, from its thread page.
	poll, err := n.Engine.Post(ctx, carl.ID, federation.Draft{Community: g.ID, Title: "Open on Sundays?", Text: "Should we?",
		Poll: &federation.PollDraft{Options: []string{"Yes", "No"}, ExpiresIn: 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	// A thread with an image, whose edit form shows it.
	m, err := n.Engine.UploadMedia(ctx, alice.ID, bytes.NewReader(pagePNG(t)), "The new desk", federation.Focus{})
	if err != nil {
		t.Fatal(err)
	}
	pictured, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Community: g.ID, Title: "Our new desk", Text: "It came today.",
		MediaIDs: []storage.ID{m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.LockThread(ctx, alice, g.ID, thread.ID, true, "Answered"); err != nil {
		t.Fatal(err)
	}
	// A report in the community's queue.
	rep, err := n.Engine.Report(ctx, carl, federation.NewReport{TargetID: alice.ID, StatusIDs: []storage.ID{thread.ID}, Comment: "Out of date"})
	if err != nil {
		t.Fatal(err)
	}
	artPath := "/c/desk/artefacts/" + art.ID.String()
	if err := br.Run(
		chromedp.Navigate(n.URL+session.SignInURL("/c/desk/library")),
		chromedp.SendKeys("#login", "alice", chromedp.ByQuery),
		chromedp.SendKeys("#password", testrig.Password, chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/c/desk/library/new"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, path := range []string{"/", "/c/desk/library", artPath, "/c/desk/glossary", "/c/desk/events",
		artPath + "/edit", "/c/desk/glossary/" + term.ID.String() + "/edit", "/c/desk/events/" + ev.ID.String() + "/edit",
		"/c/panel", "/c/panel/join-requests", "/c/desk/moderation", "/c/desk/threads/" + thread.ID.String(), "/communities", "/c/desk/edit",
		"/c/desk/reports", "/c/desk/reports/" + rep.ID.String(), "/c/desk/posts/" + carlReply.ID.String() + "/report",
		"/c/desk/posts/" + thread.ID.String() + "/edit", "/notifications", "/c/desk/threads/" + poll.ID.String(),
		"/c/desk/threads/new", "/c/desk/posts/" + pictured.ID.String() + "/edit"} {
		br.CheckPage(t, n.URL+path)
	}
	// A stale edit: the form again, with the conflict and the current text.
	br.CheckPage(t, n.URL+artPath+"/edit")
	other := "Say **good afternoon**."
	if _, err := n.Engine.EditArtefact(ctx, alice, art.ID, federation.ArtefactEdit{BaseVersion: 2, Body: &other}); err != nil {
		t.Fatal(err)
	}
	if err := br.Run(
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#current-body", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("stale edit: %v", err)
	}
	br.CheckLoaded(t, "a stale edit")
	for _, path := range []string{"/c/desk/library/new", "/c/desk/glossary/new", "/c/desk/events/new", "/c/desk/threads/new",
		"/c/desk/threads/" + thread.ID.String() + "/reply", "/communities/new", "/communities/find"} {
		br.CheckPage(t, n.URL+path)
		if err := br.Run(
			chromedp.Click("button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible(".error-summary", chromedp.ByQuery),
		); err != nil {
			t.Fatalf("%s submitted empty: %v", path, err)
		}
		br.CheckLoaded(t, path+" with its errors")
	}
}
