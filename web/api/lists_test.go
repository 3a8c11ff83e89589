package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

func statusURIs(sts []*mastodon.Status) []string {
	var out []string
	for _, s := range sts {
		out = append(out, s.URI)
	}
	return out
}

func TestListCRUDAccountsAndTimeline(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob, carol, dave := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false), n.Member("dave", false)
	stFollow(t, n, alice, bob)
	stFollow(t, n, alice, carol)
	ctx := context.Background()
	ta := n.Token(alice)
	c := stClient(n, ta)

	l, err := c.CreateList(ctx, "Libraries")
	if err != nil || l.Title != "Libraries" {
		t.Fatalf("create list: %+v, %v", l, err)
	}
	var got map[string]any
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/lists/"+string(l.ID), ta, nil, &got); code != http.StatusOK ||
		got["replies_policy"] != "list" || got["exclusive"] != false {
		t.Errorf("list = %d %v; want replies_policy list, not exclusive", code, got)
	}
	if err := c.AddToList(ctx, l.ID, mastodon.ID(bob.ID.String()), mastodon.ID(carol.ID.String())); err != nil {
		t.Fatalf("add followed accounts: %v", err)
	}
	if err := c.AddToList(ctx, l.ID, mastodon.ID(dave.ID.String())); stCode(err) != http.StatusUnprocessableEntity {
		t.Errorf("add an account alice does not follow: %v; want 422", err)
	}
	members, err := c.GetListAccounts(ctx, l.ID)
	if err != nil || len(members) != 2 {
		t.Fatalf("members = %v, %v", members, err)
	}
	if in, err := c.GetAccountLists(ctx, mastodon.ID(bob.ID.String())); err != nil || len(in) != 1 || in[0].ID != l.ID {
		t.Errorf("lists with bob = %v, %v", in, err)
	}
	if in, err := c.GetAccountLists(ctx, mastodon.ID(dave.ID.String())); err != nil || len(in) != 0 {
		t.Errorf("lists with dave = %v, %v", in, err)
	}

	byBob := acctPost(t, n, bob, federation.Draft{Text: "New opening hours", Visibility: activitypub.Public})
	byCarol := acctPost(t, n, carol, federation.Draft{Text: "For followers", Visibility: activitypub.FollowersOnly})
	acctPost(t, n, bob, federation.Draft{Text: "@dave a secret", Visibility: activitypub.Direct})
	acctPost(t, n, dave, federation.Draft{Text: "Not on the list", Visibility: activitypub.Public})
	timeline, err := c.GetTimelineList(ctx, l.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{byCarol.URI, byBob.URI}; !slices.Equal(statusURIs(timeline), want) {
		t.Errorf("list timeline = %v, want %v", statusURIs(timeline), want)
	}
	var page []struct{ ID string }
	_, h, _ := call(t, "GET", n.URL+"/api/v1/timelines/list/"+string(l.ID), ta, url.Values{"limit": {"1"}}, &page)
	if next, _ := stLinks(h.Get("Link")); len(page) != 1 || !strings.Contains(next, "max_id="+page[0].ID) {
		t.Errorf("first page %v with Link %q", page, h.Get("Link"))
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/timelines/list/"+string(l.ID), n.Token(bob), nil, nil); code != http.StatusNotFound {
		t.Errorf("bob reads alice's list: %d; want 404", code)
	}

	// An exclusive list keeps its members out of the home timeline.
	home := func() []string {
		sts, err := c.GetTimelineHome(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return statusURIs(sts)
	}
	if !slices.Contains(home(), byBob.URI) {
		t.Fatalf("home = %v; want bob's post", home())
	}
	if code, _, _ := call(t, "PUT", n.URL+"/api/v1/lists/"+string(l.ID), ta,
		url.Values{"exclusive": {"true"}, "replies_policy": {"none"}}, &got); code != http.StatusOK ||
		got["exclusive"] != true || got["replies_policy"] != "none" || got["title"] != "Libraries" {
		t.Errorf("update = %d %v", code, got)
	}
	if h := home(); slices.Contains(h, byBob.URI) || slices.Contains(h, byCarol.URI) {
		t.Errorf("home with an exclusive list = %v; want neither bob's nor carol's posts", h)
	}
	if code, _, _ := call(t, "PUT", n.URL+"/api/v1/lists/"+string(l.ID), ta, url.Values{"replies_policy": {"everyone"}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("unknown replies policy: %d; want 422", code)
	}
	if renamed, err := c.RenameList(ctx, l.ID, "Library news"); err != nil || renamed.Title != "Library news" {
		t.Errorf("rename: %v, %v", renamed, err)
	}

	// Unfollowing takes an account out of the list; removing does too.
	if err := n.Engine.Unfollow(ctx, alice.ID, carol.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveFromList(ctx, l.ID, mastodon.ID(bob.ID.String())); err != nil {
		t.Fatal(err)
	}
	if members, err := c.GetListAccounts(ctx, l.ID); err != nil || len(members) != 0 {
		t.Errorf("members after unfollow and removal = %v, %v", members, err)
	}
	if err := c.DeleteList(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if ls, err := c.GetLists(ctx); err != nil || len(ls) != 0 {
		t.Errorf("lists after delete = %v, %v", ls, err)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/lists/"+string(l.ID), ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("deleted list: %d; want 404", code)
	}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/lists", n.Token(alice, "read"), url.Values{"title": {"x"}}, nil); code != http.StatusForbidden {
		t.Errorf("create with a read-only token: %d; want 403", code)
	}
}

func TestListStream(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	stFollow(t, n, alice, bob)
	stFollow(t, n, alice, carol)
	ctx := context.Background()
	l, err := stClient(n, n.Token(alice)).CreateList(ctx, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := stClient(n, n.Token(alice)).AddToList(ctx, l.ID, mastodon.ID(bob.ID.String())); err != nil {
		t.Fatal(err)
	}
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming?stream=list&list=" + string(l.ID) +
		"&access_token=" + n.Token(alice)
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := messages(t, conn)

	// The stream has no acknowledgement: post until an event comes. Only
	// bob's posts may come; carol's are in alice's home, not in the list.
	var carols, bobs []storage.ID
	testrig.Eventually(t, stWait, "an event on the list stream", func() bool {
		carols = append(carols, acctPost(t, n, carol, federation.Draft{Text: "not listed", Visibility: activitypub.Public}).ID)
		bobs = append(bobs, acctPost(t, n, bob, federation.Draft{Text: "listed", Visibility: activitypub.Public}).ID)
		select {
		case data := <-events:
			var ev streamEvent
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatal(err)
			}
			var st struct{ ID string }
			_ = json.Unmarshal([]byte(ev.Payload), &st)
			for _, id := range carols {
				if st.ID == id.String() {
					t.Fatalf("carol's status on the list stream: %s", data)
				}
			}
			if ev.Event != "update" || !slices.Equal(ev.Stream, []string{"list", string(l.ID)}) ||
				!slices.ContainsFunc(bobs, func(id storage.ID) bool { return id.String() == st.ID }) {
				t.Fatalf("event %s; want one of bob's statuses %v on [list %s]", data, bobs, l.ID)
			}
			return true
		case <-time.After(200 * time.Millisecond):
			return false
		}
	})
}
