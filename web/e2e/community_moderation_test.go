package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// modCommunity is a community on A with a member of B (bea) and one of C
// (cid) joined, as each node knows the Group.
type modCommunity struct {
	a, b, c            *testrig.Node
	alice, bea, cid    storage.Account
	id                 string // the Group's id on A
	groupOnB, groupOnC storage.Account
}

func startModCommunity(t *testing.T, req map[string]any) modCommunity {
	t.Helper()
	nodes := testrig.Start(t, 3)
	m := modCommunity{a: nodes[0], b: nodes[1], c: nodes[2]}
	m.alice = m.a.Member("alice", false)
	m.bea = m.b.Member("bea", false)
	m.cid = m.c.Member("cid", false)
	req["handle"], req["name"] = "libraries", "Libraries"
	m.id, _ = createCommunity(t, m.a, m.alice, req)["id"].(string)
	m.groupOnB = m.b.Resolve("libraries@" + m.a.Host)
	m.groupOnC = m.c.Resolve("libraries@" + m.a.Host)
	return m
}

func (m modCommunity) join(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := m.b.Engine.Follow(ctx, m.bea.ID, m.groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if err := m.c.Engine.Follow(ctx, m.cid.ID, m.groupOnC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, m.b, m.bea, m.groupOnB)
	joined(t, m.c, m.cid, m.groupOnC)
}

// postThread has bea post into the community and waits until it is in
// the community on A (and, when reach is set, on C through the Group).
func (m modCommunity) postThread(t *testing.T, text string, reach bool) storage.Status {
	t.Helper()
	st, err := m.b.Engine.Post(context.Background(), m.bea.ID, federation.Draft{Text: "@libraries@" + m.a.Host + " " + text})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the thread reaches A", func() bool {
		_, err := m.a.Store.StatusByURI(context.Background(), st.URI)
		return err == nil
	})
	if reach {
		testrig.Eventually(t, communityWait, "the thread reaches C", func() bool {
			_, err := m.c.Store.StatusByURI(context.Background(), st.URI)
			return err == nil
		})
	}
	return st
}

// inCommunityOnA reports whether A took the status into the community.
func (m modCommunity) inCommunityOnA(t *testing.T, uri string) bool {
	t.Helper()
	ctx := context.Background()
	st, err := m.a.Store.StatusByURI(ctx, uri)
	if err != nil {
		t.Fatalf("status on A: %v", err)
	}
	_, err = m.a.Store.CommunityOfStatus(ctx, st.ID)
	return err == nil
}

func getJSON(t *testing.T, url, token string, v any) int {
	t.Helper()
	code, body := communityCall(t, http.MethodGet, url, token, nil)
	if code == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
	return code
}

type logEntry struct {
	Moderator string  `json:"moderator"`
	Action    string  `json:"action"`
	Target    string  `json:"target"`
	Reason    string  `json:"reason"`
	ExpiresAt *string `json:"expires_at"`
}

// TestCommunityModerationRemovePost: a moderator removes a post and it
// is gone on A, B and C, with the reason in the log, which anyone reads
// on A and members read on their own node.
func TestCommunityModerationRemovePost(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	ann := m.a.Member("ann", false)
	m.join(t)
	st := m.postThread(t, "Selling cheap watches", true)
	onA, err := m.a.Store.StatusByURI(context.Background(), st.URI)
	if err != nil {
		t.Fatal(err)
	}
	url := m.a.URL + "/api/copse/v1/communities/" + m.id + "/statuses/" + onA.ID.String()
	if code, body := communityCall(t, http.MethodDelete, url, m.a.Token(ann), map[string]any{"reason": "x"}); code != http.StatusForbidden {
		t.Errorf("a non-moderator removes: %d %s; want 403", code, body)
	}
	const reason = "Advertising is against rule 3."
	if code, body := communityCall(t, http.MethodDelete, url, m.a.Token(m.alice), map[string]any{"reason": reason}); code != http.StatusOK {
		t.Fatalf("remove: %d %s", code, body)
	}
	for _, n := range []*testrig.Node{m.a, m.b, m.c} {
		testrig.Eventually(t, communityWait, "the post is gone on "+n.Host, func() bool {
			_, err := n.Store.StatusByURI(context.Background(), st.URI)
			return errors.Is(err, storage.ErrNotFound)
		})
	}
	var log []logEntry
	if code := getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/moderation_log", "", &log); code != http.StatusOK ||
		len(log) != 1 || log[0].Action != "remove_post" || log[0].Reason != reason || log[0].Target != st.URI ||
		log[0].Moderator != "alice@"+m.a.Host {
		t.Errorf("log on A: %d %+v", code, log)
	}
	// C applied it from the Group's Announce and logged it too.
	var logC []logEntry
	if code := getJSON(t, m.c.URL+"/api/copse/v1/communities/"+m.groupOnC.ID.String()+"/moderation_log", "", &logC); code != http.StatusOK ||
		len(logC) != 1 || logC[0].Reason != reason || logC[0].Target != st.URI {
		t.Errorf("log on C: %d %+v", code, logC)
	}
}

// TestCommunityModerationBanExpires: a banned member's next post is
// rejected and, after the ban's end, accepted; their node knows why.
func TestCommunityModerationBanExpires(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	m.join(t)
	beaOnA := m.a.Resolve(m.bea.URI)
	url := m.a.URL + "/api/copse/v1/communities/" + m.id + "/bans"
	tests := []struct {
		name string
		body map[string]any
		code int
	}{
		{"no account", map[string]any{"reason": "x"}, http.StatusUnprocessableEntity},
		{"negative expiry", map[string]any{"account_id": beaOnA.ID.String(), "expires_in": -5}, http.StatusUnprocessableEntity},
		{"the moderator", map[string]any{"account_id": m.alice.ID.String()}, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := communityCall(t, http.MethodPost, url, m.a.Token(m.alice), tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if code != tt.code || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("answer %d %s; want %d with an error", code, body, tt.code)
			}
		})
	}
	code, body := communityCall(t, http.MethodPost, url, m.a.Token(m.alice),
		map[string]any{"account_id": beaOnA.ID.String(), "reason": "Cooling off", "expires_in": 3600})
	if code != http.StatusOK {
		t.Fatalf("ban: %d %s", code, body)
	}
	// B hears of the ban from the Group and tells bea why.
	var ms struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	testrig.Eventually(t, communityWait, "B knows bea is banned", func() bool {
		getJSON(t, m.b.URL+"/api/copse/v1/communities/"+m.groupOnB.ID.String()+"/membership", m.b.Token(m.bea), &ms)
		return ms.State == "banned"
	})
	if ms.Reason != "Cooling off" {
		t.Errorf("membership on B = %+v; want the reason", ms)
	}
	// The refused post also mentions alice, so A keeps it for her,
	// outside the community (a refused post addressed to nobody here is
	// not kept at all).
	st := m.postThread(t, "@alice@"+m.a.Host+" Still here", false)
	if m.inCommunityOnA(t, st.URI) {
		t.Error("the banned member's post entered the community")
	}
	m.a.Clock.Advance(time.Hour + time.Minute)
	st = m.postThread(t, "Back again", false)
	if !m.inCommunityOnA(t, st.URI) {
		t.Error("after the ban's end the post is still refused")
	}
	var log []logEntry
	if code := getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/moderation_log", "", &log); code != http.StatusOK ||
		len(log) != 1 || log[0].Action != "ban" || log[0].ExpiresAt == nil || log[0].Target != m.bea.URI {
		t.Errorf("log on A: %d %+v", code, log)
	}
}

// TestCommunityModerationJoinApproval: an approval community keeps a
// join pending until a moderator accepts, and a rejected one is told why.
func TestCommunityModerationJoinApproval(t *testing.T) {
	m := startModCommunity(t, map[string]any{"join_policy": "approval"})
	ann := m.a.Member("ann", false)
	ctx := context.Background()
	if err := m.b.Engine.Follow(ctx, m.bea.ID, m.groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := m.c.Engine.Follow(ctx, m.cid.ID, m.groupOnC.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	listURL := m.a.URL + "/api/copse/v1/communities/" + m.id + "/join_requests"
	var reqs []struct {
		Account struct {
			ID      string `json:"id"`
			ActorID string `json:"actor_id"`
		} `json:"account"`
	}
	testrig.Eventually(t, communityWait, "both requests wait on A", func() bool {
		return getJSON(t, listURL, m.a.Token(m.alice), &reqs) == http.StatusOK && len(reqs) == 2
	})
	if code, _ := communityCall(t, http.MethodGet, listURL, m.a.Token(ann), nil); code != http.StatusForbidden {
		t.Errorf("a non-moderator lists requests: %d; want 403", code)
	}
	ids := map[string]string{}
	for _, r := range reqs {
		ids[r.Account.ActorID] = r.Account.ID
	}
	if _, err := m.b.Store.FollowRequestOf(ctx, m.bea.ID, m.groupOnB.ID); err != nil {
		t.Errorf("bea's join is not pending on B: %v", err)
	}
	if code, _ := communityCall(t, http.MethodPost, listURL+"/"+ids[m.bea.URI]+"/accept", m.a.Token(ann), nil); code != http.StatusForbidden {
		t.Errorf("a non-moderator accepts: %d; want 403", code)
	}
	if code, body := communityCall(t, http.MethodPost, listURL+"/"+ids[m.bea.URI]+"/accept", m.a.Token(m.alice), nil); code != http.StatusOK {
		t.Fatalf("accept: %d %s", code, body)
	}
	const reason = "This community is for library staff."
	if code, body := communityCall(t, http.MethodPost, listURL+"/"+ids[m.cid.URI]+"/reject", m.a.Token(m.alice),
		map[string]any{"reason": reason}); code != http.StatusOK {
		t.Fatalf("reject: %d %s", code, body)
	}
	joined(t, m.b, m.bea, m.groupOnB)
	var ms struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	testrig.Eventually(t, communityWait, "cid is told why", func() bool {
		getJSON(t, m.c.URL+"/api/copse/v1/communities/"+m.groupOnC.ID.String()+"/membership", m.c.Token(m.cid), &ms)
		return ms.State == "rejected"
	})
	if ms.Reason != reason {
		t.Errorf("cid's membership = %+v; want the reason", ms)
	}
	if _, err := m.c.Store.FollowRequestOf(ctx, m.cid.ID, m.groupOnC.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("cid's request stays on C: %v", err)
	}
	// Each is notified on their own node, the community named.
	for _, tt := range []struct {
		n          *testrig.Node
		who        storage.Account
		typ, group string
	}{
		{m.b, m.bea, "join_accepted", m.groupOnB.ID.String()},
		{m.c, m.cid, "join_refused", m.groupOnC.ID.String()},
	} {
		var notes []struct {
			Type      string `json:"type"`
			Community struct {
				ID string `json:"id"`
			} `json:"community"`
		}
		testrig.Eventually(t, communityWait, tt.who.Username+" is notified "+tt.typ, func() bool {
			return getJSON(t, tt.n.URL+"/api/v1/notifications?types[]="+tt.typ, tt.n.Token(tt.who, "read"), &notes) == http.StatusOK &&
				len(notes) == 1
		})
		if notes[0].Community.ID != tt.group {
			t.Errorf("%s's %s names community %q; want %s", tt.who.Username, tt.typ, notes[0].Community.ID, tt.group)
		}
	}
	var log []logEntry
	getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/moderation_log", "", &log)
	if len(log) != 2 || log[0].Action != "reject_join" || log[0].Reason != reason || log[1].Action != "accept_join" {
		t.Errorf("log = %+v; want the rejection with its reason, then the acceptance", log)
	}
}

// fakeGroup is a Group served by a test peer: a community elsewhere whose
// moderators collection lists moderator, and whose key the test holds,
// so it can send what a hostile or confused Group would.
type fakeGroup struct {
	srv    *httptest.Server
	URI    string
	signer federation.Signer
}

func newFakeGroup(t *testing.T, moderator string) *fakeGroup {
	t.Helper()
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := federation.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	g := &fakeGroup{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		switch r.URL.Path {
		case "/c/fake":
			doc = map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
				"id": g.URI, "type": "Group", "preferredUsername": "fake", "inbox": g.URI + "/inbox",
				"outbox": g.URI + "/outbox", "followers": g.URI + "/followers", "moderators": g.URI + "/moderators",
				"attributedTo": g.URI + "/moderators",
				"publicKey":    map[string]any{"id": g.URI + "#main-key", "owner": g.URI, "publicKeyPem": pem}}
		case "/c/fake/moderators":
			doc = map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.URI + "/moderators",
				"type": "OrderedCollection", "totalItems": 1, "orderedItems": []string{moderator}}
		default:
			w.WriteHeader(http.StatusAccepted) // its inbox takes anything
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(g.srv.Close)
	g.URI = g.srv.URL + "/c/fake"
	g.signer = federation.Signer{KeyID: g.URI + "#main-key", Key: key}
	return g
}

// TestCommunityModerationForged: moderation activities that are not
// announced by the Group, or are by someone who does not moderate it,
// are refused; so is a Group's Announce of its listed moderator's
// removal (a moderator on another server, found in its moderators
// collection) of a thread of another community that it boosted.
func TestCommunityModerationForged(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	m.join(t)
	ctx := context.Background()
	st := m.postThread(t, "A thread", true)
	mod := newLemmyPeer(t) // a moderator of the fake Group, on a third server
	g := newFakeGroup(t, mod.URI)
	m.c.Resolve(mod.URI) // known on C, so its Delete is weighed, not dropped as from a stranger

	// cid also follows the fake Group, which boosts bea's thread into it.
	gOnC := m.c.Resolve(g.URI)
	if err := m.c.Store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.InsertFollow(ctx, &storage.Follow{AccountID: m.cid.ID, TargetID: gOnC.ID, URI: m.cid.URI + "#follows-fake"})
	}); err != nil {
		t.Fatal(err)
	}
	inbox := m.c.URL + "/inbox"
	boost := `{"@context":"https://www.w3.org/ns/activitystreams","id":"` + g.URI + `/announce/1","type":"Announce","actor":"` + g.URI +
		`","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["` + g.URI + `/followers"],"object":"` + st.URI + `"}`
	if got := secPostTo(t, inbox, []byte(boost), g.signer); got.code != http.StatusAccepted {
		t.Fatalf("boost: %d %s", got.code, got.body)
	}
	onC, err := m.c.Store.StatusByURI(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the fake Group's boost lands on C", func() bool {
		_, err := m.c.Store.ReblogOf(ctx, gOnC.ID, onC.ID)
		return err == nil
	})

	del := func(id, actor string) string {
		return `{"id":"` + id + `","type":"Delete","actor":"` + actor + `","object":"` + st.URI + `","summary":"forged"}`
	}
	announce := func(id, inner string) []byte {
		return []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + id + `","type":"Announce","actor":"` + g.URI +
			`","to":["https://www.w3.org/ns/activitystreams#Public"],"object":` + inner + `}`)
	}
	forged := []struct {
		name   string
		body   []byte
		signer federation.Signer
	}{
		{"a moderator's Delete not announced by the Group",
			[]byte(`{"@context":"https://www.w3.org/ns/activitystreams",` + del(mod.URI+"/delete/1", mod.URI)[1:]), mod.signer},
		{"a moderator's ban not announced by the Group",
			[]byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + mod.URI + `/block/1","type":"Block","actor":"` + mod.URI +
				`","object":"` + m.cid.URI + `","target":"` + g.URI + `"}`), mod.signer},
		{"the Group announces a non-moderator's Delete",
			announce(g.URI+"/announce/2", del("http://127.0.0.1:1/u/troll/delete/1", "http://127.0.0.1:1/u/troll")), g.signer},
		{"the Group announces a ban by a non-moderator",
			announce(g.URI+"/announce/3", `{"id":"http://127.0.0.1:1/u/troll/block/1","type":"Block","actor":"http://127.0.0.1:1/u/troll",`+
				`"object":"`+m.cid.URI+`","target":"`+g.URI+`"}`), g.signer},
	}
	for _, f := range forged {
		if got := secPostTo(t, inbox, f.body, f.signer); got.code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", f.name, got.code, got.body)
		}
	}
	testrig.Eventually(t, communityWait, "C has dealt with the forgeries", func() bool {
		items, err := m.c.Store.DueInboxItems(ctx, time.Now().Add(24*time.Hour), 10)
		return err == nil && len(items) == 0
	})
	if _, err := m.c.Store.StatusByURI(ctx, st.URI); err != nil {
		t.Errorf("a forgery removed the post on C: %v", err)
	}
	if _, err := m.c.Store.CommunityBan(ctx, gOnC.ID, m.cid.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a forged ban holds on C: %v", err)
	}
	modOnC, err := m.c.Store.AccountByURI(ctx, mod.URI)
	if err == nil {
		if blocked, _ := m.c.Store.Blocks(ctx, modOnC.ID, m.cid.ID); blocked {
			t.Error("a community ban became a personal block")
		}
	}
	if log, _ := m.c.Store.ModerationLog(ctx, gOnC.ID, storage.Page{}); len(log) != 0 {
		t.Errorf("forgeries logged as moderation: %+v", log)
	}

	// Its listed moderator's removal, announced by the Group, of a thread
	// the Group only boosted: the thread is the real community's, and
	// another Group's moderators do not remove it (a listed moderator's
	// announced removal of the Group's own content is applied:
	// federation's TestCommunityModerationReceived).
	if got := secPostTo(t, inbox, announce(g.URI+"/announce/4", del(mod.URI+"/delete/2", mod.URI)), g.signer); got.code != http.StatusAccepted {
		t.Fatalf("moderator's removal: %d %s", got.code, got.body)
	}
	testrig.Eventually(t, communityWait, "C has dealt with the removal", func() bool {
		items, err := m.c.Store.DueInboxItems(ctx, time.Now().Add(24*time.Hour), 10)
		return err == nil && len(items) == 0
	})
	if _, err := m.c.Store.StatusByURI(ctx, st.URI); err != nil {
		t.Errorf("another Group's moderator removed the community's thread on C: %v", err)
	}
}

// TestCommunityModerationLockAndPin: a moderator locks a thread and a
// member elsewhere can no longer reply into it; pinning features it on
// the Group as the members' nodes know it.
func TestCommunityModerationLockAndPin(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	m.join(t)
	ctx := context.Background()
	st := m.postThread(t, "Opening hours", true)
	onA, err := m.a.Store.StatusByURI(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	onC, err := m.c.Store.StatusByURI(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	base := m.a.URL + "/api/copse/v1/communities/" + m.id + "/statuses/" + onA.ID.String()
	for _, action := range []string{"lock", "pin"} {
		if code, body := communityCall(t, http.MethodPost, base+"/"+action, m.a.Token(m.alice), map[string]any{"reason": "Settled"}); code != http.StatusOK {
			t.Fatalf("%s: %d %s", action, code, body)
		}
	}
	testrig.Eventually(t, communityWait, "C learns the thread is locked and pinned", func() bool {
		locked, err := m.c.Store.ThreadLocked(ctx, onC.ID)
		pins, perr := m.c.Store.PinnedStatuses(ctx, m.groupOnC.ID)
		return err == nil && perr == nil && locked && len(pins) == 1 && pins[0].ID == onC.ID
	})
	// The refused reply also mentions alice, so A keeps it for her.
	reply, err := m.c.Engine.Post(ctx, m.cid.ID, federation.Draft{Text: "@libraries@" + m.a.Host + " @alice@" + m.a.Host + " Me too", InReplyTo: onC.ID})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the reply reaches A", func() bool {
		_, err := m.a.Store.StatusByURI(ctx, reply.URI)
		return err == nil
	})
	if m.inCommunityOnA(t, reply.URI) {
		t.Error("a locked thread took a reply")
	}
	if code, body := communityCall(t, http.MethodPost, base+"/unlock", m.a.Token(m.alice), nil); code != http.StatusOK {
		t.Fatalf("unlock: %d %s", code, body)
	}
	reply, err = m.c.Engine.Post(ctx, m.cid.ID, federation.Draft{Text: "@libraries@" + m.a.Host + " Now?", InReplyTo: onC.ID})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the reply reaches A", func() bool {
		_, err := m.a.Store.StatusByURI(ctx, reply.URI)
		return err == nil
	})
	if !m.inCommunityOnA(t, reply.URI) {
		t.Error("an unlocked thread refused a reply")
	}
}

// TestCommunityModerationAPIErrors: what a client is told when a
// moderation call cannot be done.
func TestCommunityModerationAPIErrors(t *testing.T) {
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	bob := a.Member("bob", false)
	id, _ := createCommunity(t, a, alice, map[string]any{"handle": "records", "name": "Records", "visibility": "members"})["id"].(string)
	base := a.URL + "/api/copse/v1/communities/" + id
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		code   int
	}{
		{"members-only log without a token", http.MethodGet, "/moderation_log", "", nil, http.StatusUnauthorized},
		{"members-only log for a non-member", http.MethodGet, "/moderation_log", a.Token(bob), nil, http.StatusNotFound},
		{"remove with a read-only token", http.MethodDelete, "/statuses/1", a.Token(alice, "read"), nil, http.StatusForbidden},
		{"remove an unknown post", http.MethodDelete, "/statuses/1", a.Token(alice), map[string]any{"reason": "x"}, http.StatusNotFound},
		{"remove with a body that is not JSON", http.MethodDelete, "/statuses/1", a.Token(alice), "reason=x", http.StatusBadRequest},
		{"ban by a non-moderator", http.MethodPost, "/bans", a.Token(bob), map[string]any{"account_id": alice.ID.String()}, http.StatusForbidden},
		{"unban someone not banned", http.MethodDelete, "/bans/" + bob.ID.String(), a.Token(alice), nil, http.StatusNotFound},
		{"reject someone who did not ask", http.MethodPost, "/join_requests/" + bob.ID.String() + "/reject", a.Token(alice), nil, http.StatusNotFound},
		{"lock an unknown post", http.MethodPost, "/statuses/1/lock", a.Token(alice), nil, http.StatusNotFound},
		{"pin by a non-moderator", http.MethodPost, "/statuses/1/pin", a.Token(bob), nil, http.StatusForbidden},
		{"a reason too long", http.MethodPost, "/join_requests/" + bob.ID.String() + "/reject", a.Token(alice),
			map[string]any{"reason": strings.Repeat("a", 1001)}, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := communityCall(t, tt.method, base+tt.path, tt.token, tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if code != tt.code || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("answer %d %s; want %d with an error", code, body, tt.code)
			}
		})
	}
	var log []logEntry
	if code := getJSON(t, base+"/moderation_log", a.Token(alice), &log); code != http.StatusOK {
		t.Errorf("the moderator reads the members-only log: %d", code)
	}
	if code, _ := communityCall(t, http.MethodGet, a.URL+"/api/copse/v1/communities/"+alice.ID.String()+"/moderation_log", "", nil); code != http.StatusNotFound {
		t.Errorf("a member's account as a community: %d; want 404", code)
	}
}
