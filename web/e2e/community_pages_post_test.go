package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestPostFromPagesAcrossNodes: a member of B starts a thread from B's
// pages in a community hosted on A; A takes it in and its Group announces
// it to a member of C, who replies from C's pages; the reply threads on
// A and B. Nobody used an app.
func TestPostFromPagesAcrossNodes(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, bea, cal := a.Member("alice", false), b.Member("bea", false), c.Member("cal", false)
	groupOnA, _ := wardsOnA(t, a, alice, b, bea)
	onC := c.Resolve("wards@" + a.Host)
	if err := c.Engine.Follow(ctx, cal.ID, onC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, c, cal, onC)

	bb := testrig.SignIn(t, b, "bea")
	community := "/c/wards@" + a.Host
	code, _, page := bb.Do(http.MethodGet, community, nil)
	if code != http.StatusOK || !strings.Contains(page, `href="`+community+`/threads/new"`) {
		t.Fatalf("the community's page on B offers bea no thread form: %d", code)
	}
	_, _, page = bb.Do(http.MethodGet, community+"/threads/new", nil)
	form := testrig.Hidden(page)
	form.Set("title", "Night handovers")
	form.Set("text", "How do you run them? #handover")
	code, loc, page := bb.Do(http.MethodPost, community+"/threads/new", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, community+"/threads/") {
		t.Fatalf("the thread from B's pages: %d to %q\n%s", code, loc, page)
	}
	onB, err := b.Store.StatusByID(ctx, idAtEnd(t, loc))
	if err != nil {
		t.Fatal(err)
	}

	var onCThread storage.Status
	testrig.Eventually(t, communityWait, "A takes the thread in and C gets it", func() bool {
		st, err := a.Store.StatusByURI(ctx, onB.URI)
		if err != nil {
			return false
		}
		if in, err := a.Store.InCommunity(ctx, st.ID, groupOnA.ID); err != nil || !in || st.Title != "Night handovers" {
			return false
		}
		onCThread, err = c.Store.StatusByURI(ctx, onB.URI)
		return err == nil
	})

	cb := testrig.SignIn(t, c, "cal")
	threadOnC := community + "/threads/" + onCThread.ID.String()
	code, _, page = cb.Do(http.MethodGet, threadOnC, nil)
	if code != http.StatusOK || !strings.Contains(page, "Night handovers") || !strings.Contains(page, "Reply to this thread") {
		t.Fatalf("the thread on C's pages: %d\n%s", code, page)
	}
	form = testrig.Hidden(page)
	form.Set("text", "A written checklist, read aloud.")
	if code, loc, page := cb.Do(http.MethodPost, threadOnC+"/reply", form); code != http.StatusSeeOther || !strings.HasPrefix(loc, threadOnC+"#post-") {
		t.Fatalf("the reply from C's pages: %d to %q\n%s", code, loc, page)
	}
	replies, err := c.Store.Descendants(ctx, onCThread.ID, 10, 0)
	if err != nil || len(replies) != 1 {
		t.Fatalf("replies on C: %d (%v)", len(replies), err)
	}
	for _, n := range []*testrig.Node{a, b} {
		testrig.Eventually(t, communityWait, "the reply threads on "+n.Host, func() bool {
			r, err := n.Store.StatusByURI(ctx, replies[0].URI)
			return err == nil && r.InReplyToURI == onB.URI
		})
	}
}

// idAtEnd is the ID that ends path.
func idAtEnd(t *testing.T, path string) storage.ID {
	t.Helper()
	id, err := storage.ParseID(path[strings.LastIndex(path, "/")+1:])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return id
}
