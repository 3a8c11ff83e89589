package pages_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestHomeAnnouncements: a member signed in reads the node's
// announcements on the home page, with when what it announces happens,
// and dismisses one with a form (no script), after which neither the page
// nor the member's apps show it; nobody signed in sees none; a form
// without the session's token changes nothing.
func TestHomeAnnouncements(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	ann := n.Member("ann", false)
	start := n.Clock.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	a, err := n.Engine.PublishAnnouncement(ctx, 0, federation.NewAnnouncement{Text: "The node is upgraded on Saturday <night>.",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// home is the front page as a browser asks for it.
	home := func(b *testrig.FormBrowser) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, n.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/html")
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	b := signedInBrowser(t, n, "ann")
	code, page := home(b)
	if code != http.StatusOK || !strings.Contains(page, "The node is upgraded on Saturday &lt;night&gt;.") ||
		!strings.Contains(page, "From "+start.Format("2 January 2006, 15:04")) || !strings.Contains(page, `action="/announcements/`+a.ID.String()+`/dismiss"`) {
		t.Fatalf("home page signed in: %d\n%s", code, page)
	}
	if code, page := home(testrig.NewFormBrowser(t, n)); code != http.StatusOK || strings.Contains(page, "upgraded on Saturday") {
		t.Errorf("home page for nobody signed in shows the announcement: %d", code)
	}
	if code, _, _ := b.Do(http.MethodPost, "/announcements/"+a.ID.String()+"/dismiss", map[string][]string{"csrf": {"forged"}}); code == http.StatusSeeOther {
		t.Errorf("a dismissal without the session's token was taken")
	}
	if shown, _ := n.Engine.CurrentAnnouncements(ctx, ann, false); len(shown) != 1 {
		t.Fatalf("after a forged dismissal: %d shown; want 1", len(shown))
	}
	form := testrig.Hidden(page)
	if code, _, _ := b.Do(http.MethodPost, "/announcements/"+a.ID.String()+"/dismiss", form); code != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", code)
	}
	if _, page := home(b); strings.Contains(page, "upgraded on Saturday") {
		t.Errorf("the home page still shows the dismissed announcement")
	}
	if shown, _ := n.Engine.CurrentAnnouncements(ctx, ann, false); len(shown) != 0 {
		t.Errorf("apps still show the dismissed announcement: %+v", shown)
	}
}
