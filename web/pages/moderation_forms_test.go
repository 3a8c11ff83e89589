package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestModeratorForms: a community's moderator locks and pins a thread,
// removes a reply with a reason, bans its author and lifts the ban, all
// from the community's pages; a member who does not moderate sees no
// such form and is refused if they post one; each action is in the log.
func TestModeratorForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod, bob, cat := n.Member("mod", false), n.Member("bob", false), n.Member("cat", false)
	g := newCommunity(t, n, mod, federation.NewCommunity{Handle: "desk", Name: "Enquiry desk"})
	for _, who := range []storage.Account{bob, cat} {
		if err := n.Engine.Follow(ctx, who.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	thread, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "@desk Opening hours over the holidays"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := n.Engine.Post(ctx, cat.ID, federation.Draft{Text: "Buy cheap watches here", InReplyTo: thread.ID})
	if err != nil {
		t.Fatal(err)
	}
	threadPath := "/c/desk/threads/" + thread.ID.String()

	mb := signedInBrowser(t, n, "mod")
	form, page := formPage(t, mb, threadPath)
	mustContain(t, "the thread page, to its moderator", page, "Moderate this thread", "Lock this thread",
		"Pin this thread", "Remove this reply", "Ban Cat", "Ban Bob")
	csrf := form.Get("csrf")
	bb := signedInBrowser(t, n, "bob")
	code, _, page := bb.Do(http.MethodGet, threadPath, nil)
	if code != http.StatusOK || strings.Contains(page, "Moderate this") {
		t.Errorf("the thread page shows a member who does not moderate the moderators' forms: %d", code)
	}
	bobForm := testrig.Hidden(func() string { _, _, p := bb.Do(http.MethodGet, "/c/desk", nil); return p }())
	if code, _, _ := bb.Do(http.MethodPost, threadPath+"/lock", bobForm); code != http.StatusForbidden {
		t.Errorf("a member who does not moderate locks the thread: %d; want 403", code)
	}

	steps := []struct {
		name, path string
		form       url.Values
		back       string
	}{
		{"lock", threadPath + "/lock", url.Values{"reason": {"Answered"}}, threadPath},
		{"pin", threadPath + "/pin", url.Values{}, threadPath},
		{"remove the reply", "/c/desk/posts/" + reply.ID.String() + "/remove",
			url.Values{"reason": {"Advertising"}, "thread": {thread.ID.String()}}, threadPath},
		{"ban cat", "/c/desk/bans/" + cat.ID.String(), url.Values{"reason": {"Spam"}, "duration": {"week"}},
			"/c/desk/moderation#bans"},
	}
	for _, s := range steps {
		s.form.Set("csrf", csrf)
		code, location, page := mb.Do(http.MethodPost, s.path, s.form)
		if code != http.StatusSeeOther || location != s.back {
			t.Fatalf("%s: %d %q; want 303 to %s\n%s", s.name, code, location, s.back, page)
		}
	}
	_, _, page = mb.Do(http.MethodGet, threadPath, nil)
	mustContain(t, "the thread page after locking, pinning and removing", page, "This thread is locked", "Unlock this thread",
		"Unpin this thread", "0 replies")
	if strings.Contains(page, "cheap watches") {
		t.Error("the removed reply is still shown")
	}
	if m, err := n.Store.MembershipOf(ctx, g.ID, cat.ID, n.Store.Now()); err != nil || m.State != "banned" || m.Reason != "Spam" {
		t.Errorf("cat's standing: %+v, %v", m, err)
	}
	_, _, page = mb.Do(http.MethodGet, "/c/desk/moderation", nil)
	mustContain(t, "the log, to its moderator", page, "Bans in force", "Lift the ban on Cat", "<td>Advertising</td>",
		"<td>Answered</td>", "pinned a thread", "banned <a href=")
	if _, _, page := bb.Do(http.MethodGet, "/c/desk/moderation", nil); strings.Contains(page, "Bans in force") {
		t.Error("the log shows the bans' forms to a member who does not moderate")
	}
	if code, _, page := mb.Do(http.MethodPost, "/c/desk/bans/"+bob.ID.String(), url.Values{"csrf": {csrf}, "duration": {"forever"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Choose how long the ban lasts") {
		t.Errorf("a ban without a known duration: %d\n%s", code, page)
	}
	if code, location, _ := mb.Do(http.MethodPost, "/c/desk/bans/"+cat.ID.String()+"/lift", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther ||
		location != "/c/desk/moderation#bans" {
		t.Fatalf("lift: %d %q", code, location)
	}
	if m, err := n.Store.MembershipOf(ctx, g.ID, cat.ID, n.Store.Now()); err != nil || m.State == "banned" {
		t.Errorf("cat's standing after the ban was lifted: %+v, %v", m, err)
	}
	_, _, page = mb.Do(http.MethodGet, "/c/desk/moderation", nil)
	mustContain(t, "the log after lifting", page, "Nobody is banned.", "lifted the ban on", "Add a moderator")
	if strings.Contains(page, "Remove Mod as a moderator") {
		t.Error("the last moderator is offered their own removal")
	}

	// Moderators: added by handle, and removed.
	if code, _, _ := bb.Do(http.MethodPost, "/c/desk/moderators", with(bobForm, map[string]string{"account": "bob"})); code != http.StatusForbidden {
		t.Errorf("a member who does not moderate adds a moderator: %d; want 403", code)
	}
	if code, _, page := mb.Do(http.MethodPost, "/c/desk/moderators", url.Values{"csrf": {csrf}, "account": {"nobody_here"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Nobody was found with the handle nobody_here") {
		t.Errorf("adding an unknown handle: %d\n%s", code, page)
	}
	if code, location, page := mb.Do(http.MethodPost, "/c/desk/moderators", url.Values{"csrf": {csrf}, "account": {"@bob"}}); code != http.StatusSeeOther ||
		location != "/c/desk/moderation#moderators" {
		t.Fatalf("add bob: %d %q\n%s", code, location, page)
	}
	if is, err := n.Store.IsCommunityModerator(ctx, g.ID, bob.ID); err != nil || !is {
		t.Fatalf("bob moderates: %v, %v", is, err)
	}
	_, _, page = mb.Do(http.MethodGet, "/c/desk/moderation", nil)
	mustContain(t, "the log with two moderators", page, "Remove Bob as a moderator", "Remove Mod as a moderator", "made a moderator:")
	if code, _, _ := mb.Do(http.MethodPost, "/c/desk/moderators/"+bob.ID.String()+"/remove", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("remove bob: %d", code)
	}
	if is, _ := n.Store.IsCommunityModerator(ctx, g.ID, bob.ID); is {
		t.Error("bob still moderates")
	}
}
