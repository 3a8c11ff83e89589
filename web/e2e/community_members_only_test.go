package e2e

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityMembersOnly: a members-only community on A. A member on B
// sees its thread (in B's API, and by a fetch signed by B or by her); a
// non-member on C, a non-member on A, anonymous pages, unsigned
// ActivityPub fetches, search, the public timeline and the public
// outboxes do not.
func TestCommunityMembersOnly(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, dan := a.Member("alice", false), a.Member("dan", false)
	bea := b.Member("bea", false)
	cid := c.Member("cid", false)
	created := createCommunity(t, a, alice, map[string]any{"handle": "records", "name": "Records", "visibility": "members"})
	communityID, _ := created["id"].(string)
	groupOnB := b.Resolve("records@" + a.Host)
	groupOnC := c.Resolve("records@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)

	const secret = "Retention schedules for closed cases"
	st, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@records " + secret, Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if st.Visibility != activitypub.FollowersOnly {
		t.Errorf("stored as %q; want followers-only", st.Visibility)
	}
	var onB storage.Status
	testrig.Eventually(t, communityWait, "the thread reaches bea on B as the Group's boost", func() bool {
		home, err := b.Store.HomeTimelinePage(ctx, bea.ID, storage.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range home {
			if s.AccountID != groupOnB.ID || s.ReblogOfID == 0 {
				continue
			}
			if orig, err := b.Store.StatusByID(ctx, s.ReblogOfID); err == nil && orig.URI == st.URI {
				onB = orig
				return true
			}
		}
		return false
	})
	t.Run("the member on B reads it in B's API", func(t *testing.T) {
		var got map[string]any
		if code := getJSON(t, b.URL+"/api/v1/statuses/"+onB.ID.String(), b.Token(bea), &got); code != http.StatusOK ||
			!strings.Contains(got["content"].(string), secret) {
			t.Errorf("GET the status on B as bea: %d %v", code, got)
		}
		if code := getJSON(t, b.URL+"/api/v1/statuses/"+onB.ID.String(), "", &got); code != http.StatusNotFound {
			t.Errorf("GET the status on B anonymously: %d; want 404", code)
		}
	})

	// bea's reply from B is members-only content too: it reaches A
	// through the Group, addressed to its followers, never Public.
	const secretReply = "We keep them for seven years"
	reply, err := b.Engine.Post(ctx, bea.ID, federation.Draft{Text: secretReply, InReplyTo: onB.ID, Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Visibility != activitypub.FollowersOnly {
		t.Errorf("bea's reply stored on B as %q; want followers-only", reply.Visibility)
	}
	var replyOnA storage.Status
	testrig.Eventually(t, communityWait, "bea's reply reaches the community on A", func() bool {
		replyOnA, err = a.Store.StatusByURI(ctx, reply.URI)
		if err != nil {
			return false
		}
		p, err := a.Store.CommunityPost(ctx, replyOnA.ID)
		return err == nil && p.RootID == st.ID
	})
	for _, v := range []struct {
		who    string
		viewer storage.Account
		see    bool
	}{{"the moderator", alice, true}, {"a non-member", dan, false}, {"anonymous", storage.Account{}, false}} {
		if got, err := a.Engine.CanSee(ctx, v.viewer, replyOnA); err != nil || got != v.see {
			t.Errorf("the reply on A to %s: CanSee = %v, %v; want %v", v.who, got, err, v.see)
		}
	}

	signerB := secSigner(t, b.Engine.InstanceActor())
	signerBea := secSigner(t, bea)
	signerC := secSigner(t, c.Engine.InstanceActor())
	signerCid := secSigner(t, cid)
	fetches := []struct {
		name   string
		url    string
		signer *federation.Signer
		code   int
		want   string // what a 200 carries; "": the post's id
	}{
		{"the post, signed by the member's node", st.URI, &signerB, http.StatusOK, ""},
		{"the post, signed by the member", st.URI, &signerBea, http.StatusOK, ""},
		{"the thread's context, signed by the member's node", federation.ContextURL(st.URI), &signerB, http.StatusOK, reply.URI},
		{"the post's replies, signed by the member", federation.RepliesURL(st.URI), &signerBea, http.StatusOK, reply.URI},
		{"the post, unsigned", st.URI, nil, http.StatusNotFound, ""},
		{"the post, signed by a node with no member", st.URI, &signerC, http.StatusNotFound, ""},
		{"the post, signed by a non-member", st.URI, &signerCid, http.StatusNotFound, ""},
		{"the thread's context, unsigned", federation.ContextURL(st.URI), nil, http.StatusNotFound, ""},
		{"the post's replies, signed by a non-member", federation.RepliesURL(st.URI), &signerCid, http.StatusNotFound, ""},
	}
	for _, f := range fetches {
		t.Run(f.name, func(t *testing.T) {
			got := secGet(t, f.url, f.signer)
			if got.code != f.code {
				t.Fatalf("GET %s: %d %s; want %d", f.url, got.code, got.body, f.code)
			}
			if want := cmp.Or(f.want, st.URI); f.code == http.StatusOK && !strings.Contains(string(got.body), want) {
				t.Errorf("GET %s: %s lacks %s", f.url, got.body, want)
			}
			if f.code != http.StatusOK && strings.Contains(string(got.body), secret) {
				t.Errorf("GET %s shows the post: %s", f.url, got.body)
			}
		})
	}

	hidden := []struct {
		name, url, token string
	}{
		{"the community page, anonymous", a.URL + "/c/records", ""},
		{"the thread page, anonymous", a.URL + "/c/records/threads/" + st.ID.String(), ""},
		{"the Atom feed, anonymous", a.URL + "/c/records/feed.atom", ""},
		{"the copse API's threads, anonymous", a.URL + "/api/copse/v1/communities/" + communityID + "/threads", ""},
		{"the copse API's threads, a non-member", a.URL + "/api/copse/v1/communities/" + communityID + "/threads", a.Token(dan)},
		{"the status in A's API, a non-member", a.URL + "/api/v1/statuses/" + st.ID.String(), a.Token(dan)},
		{"the public timeline, anonymous", a.URL + "/api/v1/timelines/public", ""},
		{"the public timeline, a non-member", a.URL + "/api/v1/timelines/public", a.Token(dan)},
		{"search, a non-member", a.URL + "/api/v2/search?type=statuses&q=" + url.QueryEscape("Retention"), a.Token(dan)},
		{"the author's statuses, anonymous", a.URL + "/api/v1/accounts/" + alice.ID.String() + "/statuses", ""},
		{"the author's public outbox", a.URL + "/users/alice/outbox?page=true", ""},
		{"the Group's public outbox", a.URL + "/users/records/outbox?page=true", ""},
		{"the Group's followers, anonymous", a.URL + "/users/records/followers?page=true", ""},
	}
	for _, h := range hidden {
		t.Run(h.name, func(t *testing.T) {
			code, body := communityCall(t, http.MethodGet, h.url, h.token, nil)
			if strings.Contains(string(body), secret) || strings.Contains(string(body), secretReply) || strings.Contains(string(body), bea.URI) {
				t.Errorf("GET %s (%d) shows members-only content: %s", h.url, code, body)
			}
		})
	}
	t.Run("the copse API's threads, the moderator", func(t *testing.T) {
		code, body := communityCall(t, http.MethodGet, a.URL+"/api/copse/v1/communities/"+communityID+"/threads", a.Token(alice), nil)
		if code != http.StatusOK || !strings.Contains(string(body), secret) {
			t.Errorf("threads to the moderator: %d %s", code, body)
		}
	})
	t.Run("pages to members signed in, and to others", func(t *testing.T) {
		for _, c := range []struct {
			who    storage.Account
			member bool
		}{{alice, true}, {dan, false}} {
			si, err := a.Engine.SignIn(ctx, c.who.Username, testrig.Password)
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/c/records", "/c/records/threads/" + st.ID.String(), "/c/records/feed.atom"} {
				req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.AddCookie(&http.Cookie{Name: "copse_session", Value: si.Secret})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if shown := strings.Contains(string(body), secret); shown != c.member {
					t.Errorf("%s signed in, GET %s (%d): shows the thread %v; want %v", c.who.Username, path, resp.StatusCode, shown, c.member)
				}
			}
		}
	})
	t.Run("nothing reached C", func(t *testing.T) {
		if _, err := c.Store.StatusByURI(ctx, st.URI); err == nil {
			t.Error("C, where nobody is a member, holds the post")
		}
		if got := groupBoosts(t, c, cid, groupOnC); got != 0 {
			t.Errorf("cid's home has %d boosts by the Group", got)
		}
	})
}

// groupBoosts counts the boosts by g in account's home feed on n.
func groupBoosts(t *testing.T, n *testrig.Node, account storage.Account, g storage.Account) int {
	t.Helper()
	home, err := n.Store.HomeTimelinePage(context.Background(), account.ID, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, s := range home {
		if s.AccountID == g.ID {
			count++
		}
	}
	return count
}
