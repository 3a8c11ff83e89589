package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestRemoteModeratorAnswersJoinRequest: the community's node. A request
// to join an approval community is announced to its moderator on
// another node (carol) and to nobody else; a follower who moderates
// nothing cannot answer it; carol's Accept lets bob in and her Reject,
// with its reason, refuses dan, each as the Group's own answer, logged
// as hers; each end is announced to carol's node. A moderator on Mbin is
// sent none of it (it would refuse the announce).
func TestRemoteModeratorAnswersJoinRequest(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", JoinPolicy: storage.JoinApproval})
	carol := remotePerson(t, e, "carol", "copse.example") // a moderator on another node
	erin := remotePerson(t, e, "erin", "piefed.example")  // a member who moderates nothing
	bob := remotePerson(t, e, "bob", "lemmy.example")
	dan := remotePerson(t, e, "dan", "mastodon.example")
	follows(t, e, erin, g)
	mona := remotePerson(t, e, "mona", "mbin.example") // a moderator on software that reads no such announce
	for _, m := range []storage.Account{carol, mona} {
		if err := e.SetCommunityModerator(ctx, alice, g.ID, m.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.PutInstance(ctx, storage.Instance{Host: "mbin.example", Software: "mbin", FetchedAt: e.now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, inbox := range []string{carol.SharedInbox, erin.SharedInbox, mona.SharedInbox} {
		sentRaw(t, e, inbox)
	}

	follow := func(who storage.Account) string {
		id := who.URI + "/follow/1"
		if err := applyRaw(t, e, fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Follow","actor":%q,"object":%q}`,
			id, who.URI, g.URI)); err != nil {
			t.Fatal(err)
		}
		return id
	}
	answer := func(by storage.Account, n int, typ, followID string, who storage.Account, extra string) error {
		return applyRaw(t, e, fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/answer/%d","type":%q,"actor":%q,`+
			`"to":[%q],"object":{"id":%q,"type":"Follow","actor":%q,"object":%q}%s}`, by.URI, n, typ, by.URI, g.URI, followID, who.URI, g.URI, extra))
	}
	member := func(who storage.Account) bool {
		_, err := e.store.FollowOf(ctx, who.ID, g.ID)
		return err == nil
	}
	pending := func(who storage.Account) bool {
		_, err := e.store.FollowRequestOf(ctx, who.ID, g.ID)
		return err == nil
	}
	// toCarol returns the inner activity of each announce carol's node got.
	toCarol := func() []map[string]any { return announced(t, g, sentRaw(t, e, carol.SharedInbox)) }

	bobFollow := follow(bob)
	if !pending(bob) {
		t.Fatal("bob's request is not pending")
	}
	if got := toCarol(); len(got) != 1 || got[0]["type"] != "Follow" || got[0]["id"] != bobFollow ||
		got[0]["actor"] != bob.URI || got[0]["object"] != g.URI {
		t.Fatalf("carol's node got %v; want bob's Follow announced", got)
	}
	if anns := announced(t, g, sentRaw(t, e, erin.SharedInbox)); len(anns) != 0 {
		t.Errorf("a follower was told of the request: %v", anns)
	}
	if anns := announced(t, g, sentRaw(t, e, mona.SharedInbox)); len(anns) != 0 {
		t.Errorf("Mbin, which reads no Announce{Follow}, was sent %v", anns)
	}

	if err := answer(erin, 1, "Accept", bobFollow, bob, ""); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator's Accept: %v; want denied", err)
	}
	if member(bob) || !pending(bob) {
		t.Fatal("a non-moderator's Accept let bob in")
	}
	if err := answer(carol, 1, "Accept", bobFollow, bob, ""); err != nil {
		t.Fatal(err)
	}
	if !member(bob) || pending(bob) {
		t.Error("carol's Accept did not let bob in")
	}
	if acc := ofType(sent(t, e, bob.Inbox), activitypub.TypeAccept); len(acc) != 1 || acc[0].Actor != g.URI || acc[0].Object.IRI != bobFollow {
		t.Errorf("bob got %+v; want the Group's Accept of his Follow", acc)
	}
	if l := lastLog(t, e, g); l.Action != storage.ModAcceptJoin || l.ModeratorURI != carol.URI || l.Target != bob.URI {
		t.Errorf("log = %+v; want carol's acceptance of bob", l)
	}
	if got := toCarol(); len(got) != 1 || got[0]["type"] != "Accept" || got[0]["object"].(map[string]any)["id"] != bobFollow {
		t.Errorf("carol's node got %v; want the request's end announced", got)
	}

	danFollow := follow(dan)
	toCarol()
	if err := answer(carol, 2, "Reject", danFollow, dan, `,"summary":"Only for records staff"`); err != nil {
		t.Fatal(err)
	}
	if member(dan) || pending(dan) {
		t.Error("carol's Reject left dan in or waiting")
	}
	rej := sentRaw(t, e, dan.Inbox)
	if len(rej) != 1 {
		t.Fatalf("dan got %d activities; want the Group's Reject", len(rej))
	}
	if m := decode(t, rej[0]); m["type"] != "Reject" || m["actor"] != g.URI || m["summary"] != "Only for records staff" {
		t.Errorf("dan got %v; want the Group's Reject with carol's reason", m)
	}
	if l := lastLog(t, e, g); l.Action != storage.ModRejectJoin || l.ModeratorURI != carol.URI || l.Reason != "Only for records staff" {
		t.Errorf("log = %+v; want carol's refusal with its reason", l)
	}
	if got := toCarol(); len(got) != 1 || got[0]["type"] != "Reject" {
		t.Errorf("carol's node got %v; want the request's end announced", got)
	}
	if err := answer(carol, 3, "Accept", danFollow, dan, ""); err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("an answer to a request that is gone: %v", err)
	}
	if member(dan) {
		t.Error("a late Accept let dan in")
	}
}

// TestJoinRequestAnnouncedToModerator: the moderator's node. A remote
// Group that lists dave (a member here) as its moderator announces a
// request to join: it waits in dave's queue for the community, dave is
// told, and the Group's announce of its end takes it out. dave's answer
// goes to the Group as his own Accept or Reject of the Follow. The same
// announce from a Group dave does not moderate is refused.
func TestJoinRequestAnnouncedToModerator(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	dave, fay := member(t, e, "dave"), member(t, e, "fay")
	g := storage.Account{URI: "https://copse.example/users/records", Username: "records", Domain: "copse.example",
		ActorType: activitypub.TypeGroup, Locked: true, Inbox: "https://copse.example/users/records/inbox",
		SharedInbox: "https://copse.example/inbox", FetchedAt: e.now()}
	other := storage.Account{URI: "https://copse.example/users/tools", Username: "tools", Domain: "copse.example",
		ActorType: activitypub.TypeGroup, Inbox: "https://copse.example/users/tools/inbox", FetchedAt: e.now()}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctx, &other); err != nil {
			return err
		}
		return tx.AddRemoteModerator(ctx, g.ID, dave.URI)
	})
	if err != nil {
		t.Fatal(err)
	}
	bob := remotePerson(t, e, "bob", "lemmy.example")
	n := 0
	announce := func(by storage.Account, inner string) error {
		n++
		return applyRaw(t, e, fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/announce/%d","type":"Announce",`+
			`"actor":%q,"to":[%q],"object":%s}`, by.URI, n, by.URI, dave.URI, inner))
	}
	followOf := func(who, of storage.Account, id string) string {
		return fmt.Sprintf(`{"id":%q,"type":"Follow","actor":%q,"object":%q}`, id, who.URI, of.URI)
	}
	queue := func(who storage.Account) []storage.ListedAccount {
		t.Helper()
		reqs, err := e.JoinRequests(ctx, who, g.ID, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return reqs
	}
	told := func() int {
		ns, err := e.store.Notifications(ctx, dave.ID, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, n := range ns {
			if n.Type == storage.NotifyJoinRequest && n.CommunityID == g.ID && n.FromAccountID == bob.ID {
				k++
			}
		}
		return k
	}

	if err := announce(other, followOf(bob, other, bob.URI+"/follow/0")); !errors.Is(err, ErrDenied) {
		t.Errorf("a Group dave does not moderate: %v; want denied", err)
	}
	if err := announce(g, followOf(bob, g, bob.URI+"/follow/1")); err != nil {
		t.Fatal(err)
	}
	if err := announce(g, followOf(bob, g, bob.URI+"/follow/1")); err != nil { // sent twice: one request, one word
		t.Fatal(err)
	}
	if q := queue(dave); len(q) != 1 || q[0].Account.ID != bob.ID {
		t.Fatalf("dave's queue = %+v; want bob", q)
	}
	if told() != 1 {
		t.Errorf("dave was told %d times; want once", told())
	}
	if _, err := e.JoinRequests(ctx, fay, g.ID, storage.Page{}); !errors.Is(err, ErrDenied) {
		t.Errorf("fay, who moderates nothing, reads the queue: %v", err)
	}
	if err := e.RejectJoin(ctx, fay, g.ID, bob.ID, "no"); !errors.Is(err, ErrDenied) {
		t.Errorf("fay answers: %v; want denied", err)
	}
	for _, c := range []struct {
		who  storage.Account
		want bool
	}{{dave, true}, {fay, false}} {
		who, want := c.who, c.want
		types, err := e.EmailTypesFor(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(types, storage.NotifyJoinRequest); got != want {
			t.Errorf("%s may choose mail about join requests: %v; want %v", who.Username, got, want)
		}
	}

	if err := e.RejectJoin(ctx, dave, g.ID, bob.ID, "Records staff only"); err != nil {
		t.Fatal(err)
	}
	if q := queue(dave); len(q) != 0 || told() != 0 {
		t.Errorf("after answering, dave's queue = %+v and %d notifications; want none", q, told())
	}
	bodies := sentRaw(t, e, g.Inbox)
	if len(bodies) != 1 {
		t.Fatalf("the Group got %d activities; want dave's Reject", len(bodies))
	}
	m := decode(t, bodies[0])
	obj, _ := m["object"].(map[string]any)
	if m["type"] != "Reject" || m["actor"] != dave.URI || m["summary"] != "Records staff only" ||
		obj["id"] != bob.URI+"/follow/1" || obj["actor"] != bob.URI || obj["object"] != g.URI {
		t.Errorf("dave's answer = %v", m)
	}
	if err := e.AcceptJoin(ctx, dave, g.ID, bob.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("answering again: %v; want not found", err)
	}

	// Asked again, then let in by another moderator: the Group's
	// announce of the end empties the queue.
	if err := announce(g, followOf(bob, g, bob.URI+"/follow/2")); err != nil {
		t.Fatal(err)
	}
	if len(queue(dave)) != 1 || told() != 1 {
		t.Fatal("the second request did not reach dave")
	}
	end := fmt.Sprintf(`{"id":"%s/accept/2","type":"Accept","actor":%q,"object":%s}`, g.URI, g.URI, followOf(bob, g, bob.URI+"/follow/2"))
	if err := announce(g, end); err != nil {
		t.Fatal(err)
	}
	if q := queue(dave); len(q) != 0 || told() != 0 {
		t.Errorf("after the Group's end, dave's queue = %+v and %d notifications; want none", q, told())
	}

	// Asked again; then the Group no longer lists dave: the request and
	// his notification go.
	if err := announce(g, followOf(bob, g, bob.URI+"/follow/3")); err != nil {
		t.Fatal(err)
	}
	if len(queue(dave)) != 1 || told() != 1 {
		t.Fatal("the third request did not reach dave")
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetRemoteModerators(ctx, g.ID, nil) }); err != nil {
		t.Fatal(err)
	}
	if reqs, err := e.store.RemoteJoinRequestPage(ctx, g.ID, storage.Page{}); err != nil || len(reqs) != 0 || told() != 0 {
		t.Errorf("once dave no longer moderates: queue %+v (%v), %d notifications; want none", reqs, err, told())
	}
}
