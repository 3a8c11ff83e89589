package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// TestNotificationsPage: a member reads her notifications on the pages,
// each in words with the post it is about and where it leads; reading
// them marks them read, so they are not mailed as well.
func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod, bea, cat := n.Member("mod", false), n.Member("bea", false), n.Member("cat", false)
	g := desk(t, n, mod, bea, cat)
	panel := newCommunity(t, n, mod, federation.NewCommunity{Handle: "panel", Name: "Review panel", JoinPolicy: storage.JoinApproval})
	thread, err := n.Engine.Post(ctx, bea.ID, federation.Draft{Community: g.ID, Title: "Holiday hours", Text: "What are yours?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.Post(ctx, cat.ID, federation.Draft{Community: g.ID, InReplyTo: thread.ID, Text: "Closed on the 25th"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Favourite(ctx, cat.ID, thread.ID); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, bea.ID, panel.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.AcceptJoin(ctx, mod, panel.ID, bea.ID); err != nil {
		t.Fatal(err)
	}

	if code, loc, _ := testrig.NewFormBrowser(t, n).Do(http.MethodGet, "/notifications", nil); code != http.StatusSeeOther || loc != session.SignInURL("/notifications") {
		t.Errorf("notifications without signing in: %d to %q", code, loc)
	}
	bb := signedInBrowser(t, n, "bea")
	code, _, page := bb.Do(http.MethodGet, "/notifications", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /notifications: %d", code)
	}
	mustContain(t, "bea's notifications", page, `<a href="/notifications">Notifications</a>`, "Cat replied to you", "Closed on the 25th",
		"Cat favourited your post", "What are yours?", "You are now a member of Review panel", `href="/c/panel">Go to Review panel</a>`)
	if strings.Index(page, "You are now a member") > strings.Index(page, "Cat replied to you") {
		t.Error("the notifications are not newest first")
	}
	ns, err := n.Store.NotificationPage(ctx, bea.ID, storage.NotificationFilter{}, storage.Page{Limit: 1})
	if err != nil || len(ns) != 1 {
		t.Fatal(ns, err)
	}
	ms, err := n.Store.Markers(ctx, bea.ID, []string{"notifications"})
	if err != nil || len(ms) != 1 || ms[0].LastReadID != ns[0].ID {
		t.Errorf("notifications marker %+v (%v); want at the newest, %d", ms, err, ns[0].ID)
	}
	mb := signedInBrowser(t, n, "mod")
	_, _, page = mb.Do(http.MethodGet, "/notifications", nil)
	if !strings.Contains(page, "Bea asks to join Review panel") || !strings.Contains(page, `href="/c/panel/join-requests"`) {
		// The request was answered: its notification went with it.
		if strings.Contains(page, "asks to join") {
			t.Error("an answered request to join is still shown")
		}
	}
}
