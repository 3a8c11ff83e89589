package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestModerationLogPage: anyone reads a public community's moderation
// log, newest first, with who did what to whom, why and until when, a
// link to a locked thread, and paging; a members-only community's log is
// for its members.
func TestModerationLogPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod, bob, cat := n.Member("mod", false), n.Member("bob", false), n.Member("cat", false)
	g := newCommunity(t, n, mod, federation.NewCommunity{Handle: "desk", Name: "Enquiry desk", JoinPolicy: storage.JoinApproval})
	closed := newCommunity(t, n, mod, federation.NewCommunity{Handle: "panel", Name: "Review panel", Visibility: "members"})
	for _, who := range []storage.Account{bob, cat} {
		if err := n.Engine.Follow(ctx, who.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Engine.AcceptJoin(ctx, mod, g.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.RejectJoin(ctx, mod, g.ID, cat.ID, "Enquiry staff only"); err != nil {
		t.Fatal(err)
	}
	thread, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "@desk Opening hours over the holidays"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.LockThread(ctx, mod, g.ID, thread.ID, true, "Answered"); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.BanFromCommunity(ctx, mod, g.ID, federation.Ban{AccountID: bob.ID, Reason: "Adverts", ExpiresIn: 48 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.BanFromCommunity(ctx, mod, closed.ID, federation.Ban{AccountID: cat.ID, Reason: "Secret reason"}); err != nil {
		t.Fatal(err)
	}

	anon := testrig.NewFormBrowser(t, n)
	code, _, page := anon.Do(http.MethodGet, "/c/desk/moderation", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /c/desk/moderation: %d\n%s", code, page)
	}
	mustContain(t, "the log", page, "Moderation log", ">Mod</a>", "banned <a href=", ">Bob</a>", "<td>Adverts</td>",
		"locked a thread", `(<a href="/c/desk/threads/`+thread.ID.String()+`">the thread</a>)`, "<td>Answered</td>",
		"refused to let in <a href=", ">Cat</a>", "<td>Enquiry staff only</td>", "let in <a href=")
	if strings.Index(page, "banned") > strings.Index(page, "locked a thread") ||
		strings.Index(page, "locked a thread") > strings.Index(page, "refused to let in") {
		t.Errorf("the log is not newest first:\n%s", page)
	}
	if strings.Count(page, "<time datetime=") != 5 { // four entries, and the ban's end
		t.Errorf("want four entries and one end:\n%s", page)
	}
	if _, _, page := anon.Do(http.MethodGet, "/c/desk", nil); !strings.Contains(page, `<a href="/c/desk/moderation">Moderation log</a>`) {
		t.Error("the community page does not link its log")
	}

	// Paging: 40 a page.
	for i := range 40 {
		if err := n.Engine.LockThread(ctx, mod, g.ID, thread.ID, i%2 == 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, _, page = anon.Do(http.MethodGet, "/c/desk/moderation", nil)
	if strings.Contains(page, "Enquiry staff only") || !strings.Contains(page, "Older entries") {
		t.Fatalf("the first page of 44 entries:\n%s", page)
	}
	older := page[:strings.Index(page, `">Older entries`)]
	older = strings.ReplaceAll(older[strings.LastIndex(older, `"`)+1:], "&amp;", "&")
	if _, _, page := anon.Do(http.MethodGet, older, nil); !strings.Contains(page, "Enquiry staff only") {
		t.Errorf("the older page %s lacks the first entries:\n%s", older, page)
	}

	// Members-only: for members.
	if _, _, page := anon.Do(http.MethodGet, "/c/panel/moderation", nil); strings.Contains(page, "Secret reason") ||
		!strings.Contains(page, "shown only to its members") {
		t.Errorf("a members-only log, anonymously:\n%s", page)
	}
	if _, _, page := signedInBrowser(t, n, "mod").Do(http.MethodGet, "/c/panel/moderation", nil); !strings.Contains(page, "Secret reason") {
		t.Errorf("a members-only log, to its moderator:\n%s", page)
	}
}
