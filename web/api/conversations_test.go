package api_test

import (
	"context"
	"encoding/json"
	"net/http"
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

func accts(as []*mastodon.Account) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Acct)
	}
	slices.Sort(out)
	return out
}

// conversationsOf waits until c lists want conversations, and returns them.
func conversationsOf(t *testing.T, c *mastodon.Client, want int, what string) []*mastodon.Conversation {
	t.Helper()
	var cs []*mastodon.Conversation
	testrig.Eventually(t, stWait, what, func() bool {
		var err error
		if cs, err = c.GetConversations(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		return len(cs) == want
	})
	return cs
}

func TestConversationsAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), a.Member("bob", false)
	carol := b.Member("carol", false)
	a.Resolve(b.Acct("carol"))
	ctx := context.Background()
	ca, cb, cc := stClient(a, a.Token(alice)), stClient(a, a.Token(bob)), stClient(b, b.Token(carol))

	dm, err := ca.PostStatus(ctx, &mastodon.Toot{Status: "@bob @" + b.Acct("carol") + " lunch on Friday?", Visibility: "direct"})
	if err != nil {
		t.Fatal(err)
	}
	// Not a conversation: a public post mentioning bob.
	acctPost(t, a, alice, federation.Draft{Text: "@bob public hello", Visibility: activitypub.Public})

	mine := conversationsOf(t, ca, 1, "alice's conversation")[0]
	if mine.Unread || mine.LastStatus == nil || mine.LastStatus.ID != dm.ID ||
		!slices.Equal(accts(mine.Accounts), []string{"bob", b.Acct("carol")}) {
		t.Errorf("alice's conversation = %+v (accounts %v)", mine, accts(mine.Accounts))
	}
	bobs := conversationsOf(t, cb, 1, "bob's conversation")[0]
	if !bobs.Unread || bobs.LastStatus.ID != dm.ID || !slices.Contains(accts(bobs.Accounts), "alice") {
		t.Errorf("bob's conversation = %+v (accounts %v)", bobs, accts(bobs.Accounts))
	}
	carols := conversationsOf(t, cc, 1, "carol's conversation on the other node")[0]
	if !carols.Unread || carols.LastStatus.URI != dm.URI || !slices.Contains(accts(carols.Accounts), a.Acct("alice")) {
		t.Errorf("carol's conversation = %+v (accounts %v)", carols, accts(carols.Accounts))
	}

	// carol answers from her node: alice's conversation moves on, unread,
	// the same conversation.
	reply, err := cc.PostStatus(ctx, &mastodon.Toot{Status: "@" + a.Acct("alice") + " yes please", Visibility: "direct",
		InReplyToID: carols.LastStatus.ID})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, stWait, "carol's reply in alice's conversation", func() bool {
		cs, err := ca.GetConversations(ctx, nil)
		return err == nil && len(cs) == 1 && cs[0].LastStatus != nil && cs[0].LastStatus.URI == reply.URI
	})
	cs, _ := ca.GetConversations(ctx, nil)
	if cs[0].ID != mine.ID || !cs[0].Unread {
		t.Errorf("after the reply: %+v; want conversation %s, unread", cs[0], mine.ID)
	}
	if c, _ := cc.GetConversations(ctx, nil); len(c) != 1 || c[0].Unread {
		t.Errorf("carol's conversation after her own reply = %+v; want one, read", c)
	}

	if err := ca.MarkConversationAsRead(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ := ca.GetConversations(ctx, nil); len(cs) != 1 || cs[0].Unread {
		t.Errorf("after reading: %+v", cs)
	}
	if err := cb.MarkConversationAsRead(ctx, mine.ID); stCode(err) != http.StatusNotFound {
		t.Errorf("bob reads alice's conversation: %v; want 404", err)
	}
	if err := ca.DeleteConversation(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ := ca.GetConversations(ctx, nil); len(cs) != 0 {
		t.Errorf("after deleting: %+v", cs)
	}
	if cs, _ := cb.GetConversations(ctx, nil); len(cs) != 1 {
		t.Errorf("bob's conversations after alice deleted hers: %+v", cs)
	}
}

func TestConversationStream(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ctx := context.Background()
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming?stream=direct&access_token=" + n.Token(bob)
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := messages(t, conn)

	var sent []storage.ID
	testrig.Eventually(t, stWait, "a conversation event on the direct stream", func() bool {
		sent = append(sent, acctPost(t, n, alice, federation.Draft{Text: "@bob psst", Visibility: activitypub.Direct}).ID)
		select {
		case data := <-events:
			var ev streamEvent
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatal(err)
			}
			var c struct {
				ID       string
				Unread   bool
				Accounts []struct{ Acct string }
				Last     *struct{ ID string } `json:"last_status"`
			}
			if err := json.Unmarshal([]byte(ev.Payload), &c); err != nil {
				t.Fatal(err)
			}
			if ev.Event != "conversation" || ev.Stream[0] != "direct" || c.ID == "" || !c.Unread || len(c.Accounts) != 1 ||
				c.Accounts[0].Acct != "alice" || c.Last == nil ||
				!slices.ContainsFunc(sent, func(id storage.ID) bool { return id.String() == c.Last.ID }) {
				t.Fatalf("direct stream event %s", data)
			}
			return true
		case <-time.After(200 * time.Millisecond):
			return false
		}
	})
}
