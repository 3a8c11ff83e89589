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

// TestRemoteModeratorAnswersJoinRequests: alice on A hosts a community
// that approves its members and makes cid on C a moderator. bea (B)
// asks to join: the request waits in cid's queue on C, and cid lets her
// in from C's API; ann, a member of A, asks and cid refuses her with a
// reason she reads on A; ben (B) asks and alice answers on A, which
// takes the request out of cid's queue on C. A's log says who did what.
func TestRemoteModeratorAnswersJoinRequests(t *testing.T) {
	m := startModCommunity(t, map[string]any{"join_policy": "approval"})
	ctx := context.Background()
	cidOnA := m.a.Resolve(m.cid.URI)
	if err := m.a.Engine.SetCommunityModerator(ctx, m.alice, mustID(t, m.id), cidOnA.ID, true); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "C hears that cid moderates the community", func() bool {
		ok, err := m.c.Store.IsRemoteModerator(ctx, m.groupOnC.ID, m.cid.URI)
		return err == nil && ok
	})
	queueC := m.c.URL + "/api/copse/v1/communities/" + m.groupOnC.ID.String() + "/join_requests"
	var queue []struct {
		Account struct {
			ID   string `json:"id"`
			Acct string `json:"acct"`
		} `json:"account"`
	}
	waiting := func(acct string) func() bool {
		return func() bool {
			if getJSON(t, queueC, m.c.Token(m.cid), &queue) != http.StatusOK {
				return false
			}
			if acct == "" {
				return len(queue) == 0
			}
			return len(queue) == 1 && queue[0].Account.Acct == acct
		}
	}
	ask := func(n *testrig.Node, who, group storage.Account) {
		t.Helper()
		if err := n.Engine.Follow(ctx, who.ID, group.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
			t.Fatal(err)
		}
	}
	var log []logEntry
	logA := func() logEntry {
		t.Helper()
		if code := getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/moderation_log", "", &log); code != http.StatusOK || len(log) == 0 {
			t.Fatalf("log on A: %d %+v", code, log)
		}
		return log[0]
	}

	ask(m.b, m.bea, m.groupOnB)
	testrig.Eventually(t, communityWait, "bea's request reaches cid on C", waiting("bea@"+m.b.Host))
	if code, _ := communityCall(t, http.MethodGet, queueC, m.c.Token(m.c.Member("cora", false)), nil); code != http.StatusForbidden {
		t.Errorf("a member of C who moderates nothing reads the queue: %d; want 403", code)
	}
	// cid answers on C's pages: the community's page tells him, the
	// requests page lists bea, and its button lets her in.
	cb := testrig.SignIn(t, m.c, "cid")
	page := "/c/libraries@" + m.a.Host
	if _, _, body := cb.Do(http.MethodGet, page, nil); !strings.Contains(body, `<a href="`+page+`/join-requests">1 person asks to join</a>`) {
		t.Errorf("the community's page on C does not tell its moderator:\n%s", body)
	}
	code, _, body := cb.Do(http.MethodGet, page+"/join-requests", nil)
	if code != http.StatusOK || !strings.Contains(body, "@bea@"+m.b.Host) {
		t.Fatalf("the requests page on C: %d\n%s", code, body)
	}
	code, location, _ := cb.Do(http.MethodPost, page+"/join-requests/"+queue[0].Account.ID+"/accept", testrig.Hidden(body))
	if code != http.StatusSeeOther {
		t.Fatalf("accept on C's page: %d", code)
	}
	if _, _, body := cb.Do(http.MethodGet, location, nil); !strings.Contains(body, "Your answer was sent to "+m.a.Host) {
		t.Errorf("the requests page after answering:\n%s", body)
	}
	joined(t, m.b, m.bea, m.groupOnB)
	if e := logA(); e.Action != storage.ModAcceptJoin || e.Moderator != "cid@"+m.c.Host || e.Target != m.bea.URI {
		t.Errorf("log on A = %+v; want cid's acceptance of bea", e)
	}
	if !waiting("")() {
		t.Errorf("C's queue after the answer = %+v; want empty", queue)
	}

	ann := m.a.Member("ann", false)
	groupOnA := m.a.Resolve("libraries@" + m.a.Host)
	ask(m.a, ann, groupOnA)
	testrig.Eventually(t, communityWait, "ann's request reaches cid on C", waiting("ann@"+m.a.Host))
	const reason = "This community is for library staff."
	if code, body := communityCall(t, http.MethodPost, queueC+"/"+queue[0].Account.ID+"/reject", m.c.Token(m.cid),
		map[string]any{"reason": reason}); code != http.StatusOK {
		t.Fatalf("reject on C: %d %s", code, body)
	}
	var ms struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	testrig.Eventually(t, communityWait, "A refuses ann", func() bool {
		getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/membership", m.a.Token(ann), &ms)
		return ms.State == "rejected"
	})
	if ms.Reason != reason {
		t.Errorf("ann's membership = %+v; want the reason", ms)
	}
	if e := logA(); e.Action != storage.ModRejectJoin || e.Moderator != "cid@"+m.c.Host || e.Reason != reason {
		t.Errorf("log on A = %+v; want cid's refusal with its reason", e)
	}

	ben := m.b.Member("ben", false)
	ask(m.b, ben, m.groupOnB)
	testrig.Eventually(t, communityWait, "ben's request reaches cid on C", waiting("ben@"+m.b.Host))
	benOnA := m.a.Resolve(ben.URI)
	if err := m.a.Engine.AcceptJoin(ctx, m.alice, groupOnA.ID, benOnA.ID); err != nil {
		t.Fatal(err)
	}
	joined(t, m.b, ben, m.groupOnB)
	testrig.Eventually(t, communityWait, "alice's answer takes ben's request off C's queue", waiting(""))
}
