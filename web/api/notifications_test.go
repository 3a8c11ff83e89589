package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

func TestNotificationFavouriteAndReblogAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	stFollow(t, a, alice, a.Resolve(b.Acct("bob")))
	ctx := context.Background()
	ca, cb := stClient(a, a.Token(alice)), stClient(b, b.Token(bob))

	orig, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "How do your libraries log enquiries?"})
	if err != nil {
		t.Fatal(err)
	}
	onA := mastodon.ID(stArrived(t, a, orig.URI).String())

	fav, err := ca.Favourite(ctx, onA)
	if err != nil {
		t.Fatal(err)
	}
	if fav.Favourited != true || fav.FavouritesCount != 1 {
		t.Errorf("after favouriting: favourited %v, count %d", fav.Favourited, fav.FavouritesCount)
	}
	rb, err := ca.Reblog(ctx, onA)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Reblog == nil || rb.Reblog.ID != onA || rb.ID == onA || rb.Reblog.Reblogged != true || rb.Account.Username != "alice" {
		t.Errorf("reblog = id %s by %s wrapping %+v; want alice's reblog of %s", rb.ID, rb.Account.Username, rb.Reblog, onA)
	}
	if again, err := ca.Reblog(ctx, onA); err != nil || again.ID != rb.ID {
		t.Errorf("reblogging twice: %v, %v; want the same reblog", again, err)
	}

	// Bob, on B, is told through his API (besides alice's follow).
	types := map[string]*mastodon.Notification{}
	testrig.Eventually(t, stWait, "bob notified of the like and the boost", func() bool {
		notes, err := cb.GetNotifications(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		clear(types)
		for _, n := range notes {
			types[n.Type] = n
		}
		return types["favourite"] != nil && types["reblog"] != nil
	})
	for _, typ := range []string{"favourite", "reblog"} {
		n := types[typ]
		if n.Account.Acct != "alice@"+a.Host || n.Status == nil || n.Status.ID != orig.ID {
			t.Errorf("%s notification from %q about %+v", typ, n.Account.Acct, n.Status)
		}
	}
	if f := types["follow"]; f == nil || f.Status != nil {
		t.Errorf("follow notification = %+v; want one, without a status", f)
	}
	one, err := cb.GetNotification(ctx, types["reblog"].ID)
	if err != nil || one.Type != "reblog" {
		t.Errorf("one notification = %+v, %v", one, err)
	}
	only, err := cb.GetNotificationsExclude(ctx, &[]string{"favourite", "follow"}, nil)
	if err != nil || len(only) != 1 || only[0].Type != "reblog" {
		t.Errorf("exclude_types[]=favourite = %v, %v", only, err)
	}
	var typed []struct{ Type string }
	call(t, "GET", b.URL+"/api/v1/notifications", b.Token(bob), url.Values{"types[]": {"favourite", "mention"}}, &typed)
	if len(typed) != 1 || typed[0].Type != "favourite" {
		t.Errorf("types[]=favourite,mention = %v", typed)
	}
	aliceOnB := b.Resolve(a.Acct("alice"))
	var from []struct{ ID string }
	call(t, "GET", b.URL+"/api/v1/notifications", b.Token(bob), url.Values{"account_id": {aliceOnB.ID.String()}}, &from)
	if len(from) != 3 {
		t.Errorf("account_id=alice gave %d notifications; want 3", len(from))
	}
	call(t, "GET", b.URL+"/api/v1/notifications", b.Token(bob), url.Values{"account_id": {bob.ID.String()}}, &from)
	if len(from) != 0 {
		t.Errorf("account_id=bob gave %d notifications; want none", len(from))
	}

	// Who boosted and liked it, as B sees it.
	boosters, err := cb.GetRebloggedBy(ctx, orig.ID, nil)
	if err != nil || len(boosters) != 1 || boosters[0].Acct != "alice@"+a.Host {
		t.Errorf("reblogged_by = %v, %v", boosters, err)
	}
	fans, err := cb.GetFavouritedBy(ctx, orig.ID, nil)
	if err != nil || len(fans) != 1 || fans[0].Acct != "alice@"+a.Host {
		t.Errorf("favourited_by = %v, %v", fans, err)
	}

	// Undoing both takes the notifications back.
	if st, err := ca.Unreblog(ctx, onA); err != nil || st.ID != onA || st.Reblogged != false {
		t.Errorf("unreblog = %+v, %v; want the original, not reblogged", st, err)
	}
	if st, err := ca.Unfavourite(ctx, onA); err != nil || st.Favourited != false {
		t.Errorf("unfavourite = %+v, %v", st, err)
	}
	testrig.Eventually(t, stWait, "bob's notifications taken back", func() bool {
		notes, _ := cb.GetNotifications(ctx, nil)
		return len(notes) == 1 && notes[0].Type == "follow"
	})
}

func TestNotificationDismissClearAndPolicy(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	carol := n.Member("carol", false)
	ctx := context.Background()
	for _, from := range []string{"bob", "carol"} {
		author := bob
		if from == "carol" {
			author = carol
		}
		for range 3 {
			if _, err := n.Engine.Post(ctx, author.ID, federation.Draft{Text: "@alice hello", Visibility: activitypub.Public}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ta := n.Token(alice)
	c := stClient(n, ta)

	// Paging with Link headers, two at a time.
	var all []string
	next := n.URL + "/api/v1/notifications?limit=2"
	for next != "" {
		var page []struct {
			ID     string
			Type   string
			Status *struct{ ID string }
		}
		_, h, _ := call(t, "GET", next, ta, nil, &page)
		if len(page) == 0 {
			break
		}
		for _, x := range page {
			if x.Type != "mention" || x.Status == nil {
				t.Errorf("notification %+v; want a mention with its status", x)
			}
			all = append(all, x.ID)
		}
		next, _ = stLinks(h.Get("Link"))
	}
	if len(all) != 6 || !stDescending(all) {
		t.Errorf("paged notifications = %v; want 6, newest first", all)
	}

	if err := c.DismissNotification(ctx, mastodon.ID(all[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetNotification(ctx, mastodon.ID(all[0])); stCode(err) != http.StatusNotFound {
		t.Errorf("a dismissed notification: %v; want 404", err)
	}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/notifications/"+all[1]+"/dismiss", n.Token(bob), nil, nil); code != http.StatusNotFound {
		t.Errorf("bob dismisses alice's notification: %d; want 404", code)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/notifications", n.Token(alice, "read:statuses"), nil, nil); code != http.StatusForbidden {
		t.Errorf("notifications without read:notifications: %d; want 403", code)
	}
	if err := c.ClearNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	if left, err := c.GetNotifications(ctx, nil); err != nil || len(left) != 0 {
		t.Errorf("after clearing: %v, %v", left, err)
	}

	var policy map[string]any
	if code, _, _ := call(t, "GET", n.URL+"/api/v2/notifications/policy", ta, nil, &policy); code != http.StatusOK {
		t.Fatalf("policy: %d", code)
	}
	for _, k := range []string{"for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts"} {
		if v, _ := policy[k].(string); v != "accept" && v != "filter" && v != "drop" {
			t.Errorf("policy %s = %v", k, policy[k])
		}
	}
	summary, _ := policy["summary"].(map[string]any)
	if _, ok := summary["pending_requests_count"].(float64); !ok {
		t.Errorf("policy summary = %v", policy["summary"])
	}
}
