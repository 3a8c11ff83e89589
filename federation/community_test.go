package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

func remotePerson(t testing.TB, e *Engine, name, host string) storage.Account {
	t.Helper()
	id := "https://" + host + "/users/" + name
	a := storage.Account{URI: id, Username: name, Domain: host, ActorType: activitypub.TypePerson,
		Inbox: id + "/inbox", SharedInbox: "https://" + host + "/inbox", Followers: id + "/followers", FetchedAt: e.now()}
	if err := e.store.InTx(context.Background(), func(tx *storage.Tx) error { return tx.InsertAccount(context.Background(), &a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

func community(t testing.TB, e *Engine, creator storage.Account, nc NewCommunity) storage.Account {
	t.Helper()
	c, err := e.CreateCommunity(context.Background(), creator, nc)
	if err != nil {
		t.Fatalf("create community %s: %v", nc.Handle, err)
	}
	g, err := e.store.AccountByID(context.Background(), c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// sentRaw returns the bodies queued for inbox and takes them off the queue.
func sentRaw(t *testing.T, e *Engine, inbox string) [][]byte {
	t.Helper()
	ctx := context.Background()
	ds, err := e.store.DueDeliveries(ctx, e.now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, d := range ds {
		if d.InboxURL != inbox {
			continue
		}
		out = append(out, d.Body)
		if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeliverySucceeded(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestCreateCommunity(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	community(t, e, alice, NewCommunity{Handle: "taken", Name: "Taken"})
	tests := []struct {
		name    string
		nc      NewCommunity
		invalid bool // an *InvalidError
		taken   bool // ErrHandleTaken
	}{
		{"open community", NewCommunity{Handle: "libraries", Name: "Libraries", Description: "Where **library** staff meet."}, false, false},
		{"approval, moderators post", NewCommunity{Handle: "records", Name: "Records", JoinPolicy: "approval", PostingPolicy: "moderators", Visibility: "members"}, false, false},
		{"handle with a space", NewCommunity{Handle: "two words", Name: "x"}, true, false},
		{"blank name", NewCommunity{Handle: "blank", Name: "  "}, true, false},
		{"unknown join policy", NewCommunity{Handle: "jp", Name: "x", JoinPolicy: "invite"}, true, false},
		{"unknown posting policy", NewCommunity{Handle: "pp", Name: "x", PostingPolicy: "anyone"}, true, false},
		{"unknown visibility", NewCommunity{Handle: "vis", Name: "x", Visibility: "secret"}, true, false},
		{"handle of a member", NewCommunity{Handle: "ALICE", Name: "x"}, false, true},
		{"handle of a community", NewCommunity{Handle: "taken", Name: "x"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.CreateCommunity(ctx, alice, tt.nc)
			var inv *InvalidError
			if got := errors.As(err, &inv); got != tt.invalid {
				t.Fatalf("err = %v; invalid want %v", err, tt.invalid)
			}
			if got := errors.Is(err, ErrHandleTaken); got != tt.taken {
				t.Fatalf("err = %v; taken want %v", err, tt.taken)
			}
			if tt.invalid || tt.taken {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g, err := e.store.AccountByID(ctx, c.AccountID)
			if err != nil || g.ActorType != activitypub.TypeGroup || g.PrivateKeyPEM == "" || g.DisplayName != tt.nc.Name {
				t.Fatalf("group account = %+v, %v", g, err)
			}
			if g.Locked != (tt.nc.JoinPolicy == "approval") {
				t.Errorf("locked = %v for join policy %q", g.Locked, tt.nc.JoinPolicy)
			}
			if _, err := e.store.UserByAccount(ctx, g.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("a Group has a user row (%v): someone could sign in as it", err)
			}
			if _, _, err := e.CheckPassword(ctx, g.Username, ""); !errors.Is(err, ErrDenied) {
				t.Errorf("sign in as the Group: %v; want denied", err)
			}
			if mod, err := e.store.IsCommunityModerator(ctx, g.ID, alice.ID); err != nil || !mod {
				t.Errorf("creator is moderator = %v, %v", mod, err)
			}
		})
	}
}

func TestGroupDocument(t *testing.T) {
	e := testEngine(t)
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", Description: "Records *managers*",
		JoinPolicy: "approval", PostingPolicy: "moderators"})
	c, err := e.store.CommunityByAccount(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, err := GroupDocument(g, c, e.urls)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	mods := e.urls.Moderators("records")
	want := map[string]any{
		"type": "Group", "id": g.URI, "preferredUsername": "records", "inbox": g.Inbox, "outbox": g.Outbox,
		"followers": g.Followers, "featured": g.Featured, "attributedTo": mods, "moderators": mods,
		"postingRestrictedToMods": true, "manuallyApprovesFollowers": true,
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v; want %v", k, doc[k], v)
		}
	}
	if ep, _ := doc["endpoints"].(map[string]any); ep["sharedInbox"] != e.urls.SharedInbox() {
		t.Errorf("endpoints = %v", doc["endpoints"])
	}
	if src, _ := doc["source"].(map[string]any); src["content"] != "Records *managers*" || src["mediaType"] != "text/markdown" {
		t.Errorf("source = %v", doc["source"])
	}
	for _, k := range []string{"publicKey", "summary", "published", "updated", "discoverable"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
	// It still parses as an actor, as peers read it.
	if a, err := activitypub.ParseActor(body); err != nil || a.Type != activitypub.TypeGroup || a.PublicKey.PEM == "" {
		t.Errorf("parse own Group = %+v, %v", a, err)
	}
}

func TestCommunityJoinAndLeave(t *testing.T) {
	tests := []struct {
		policy   string
		accepted bool
	}{
		{"open", true},
		{"approval", false},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries", JoinPolicy: tt.policy})
			bob := remotePerson(t, e, "bob", "lemmy.example")
			follow := activitypub.Activity{ID: bob.URI + "/follows/1", Type: activitypub.TypeFollow, Actor: bob.URI,
				Object: activitypub.Object{IRI: g.URI}}
			if err := e.Apply(ctx, follow); err != nil {
				t.Fatal(err)
			}
			_, ferr := e.store.FollowOf(ctx, bob.ID, g.ID)
			_, rerr := e.store.FollowRequestOf(ctx, bob.ID, g.ID)
			if (ferr == nil) != tt.accepted || (rerr == nil) == tt.accepted {
				t.Fatalf("follow %v, request %v; want accepted %v", ferr, rerr, tt.accepted)
			}
			accepts := ofType(sent(t, e, bob.Inbox), activitypub.TypeAccept)
			if tt.accepted && (len(accepts) != 1 || accepts[0].Actor != g.URI || accepts[0].Object.IRI != follow.ID) {
				t.Fatalf("accepts = %+v; want one by the Group of %s", accepts, follow.ID)
			}
			if !tt.accepted && len(accepts) != 0 {
				t.Fatalf("an approval community accepted at once: %+v", accepts)
			}
			undo := activitypub.Activity{ID: bob.URI + "/undo/1", Type: activitypub.TypeUndo, Actor: bob.URI,
				Object: activitypub.Object{IRI: follow.ID, Type: activitypub.TypeFollow, Activity: &follow}}
			if err := e.Apply(ctx, undo); err != nil {
				t.Fatal(err)
			}
			_, ferr = e.store.FollowOf(ctx, bob.ID, g.ID)
			_, rerr = e.store.FollowRequestOf(ctx, bob.ID, g.ID)
			if !errors.Is(ferr, storage.ErrNotFound) || !errors.Is(rerr, storage.ErrNotFound) {
				t.Errorf("after Undo: follow %v, request %v; want neither", ferr, rerr)
			}
		})
	}
}

// TestCommunityAnnouncesPosts: a remote post addressed to a local Group
// (by mention, by cc, or only by audience) passes the Group's check and
// is announced to its followers as received, plus a boost for a thread;
// a post that fails the check gets a Reject and no announce.
func TestCommunityAnnouncesPosts(t *testing.T) {
	tests := []struct {
		name      string
		posting   string
		member    bool // the author follows the Group
		reply     bool
		address   string // "mention", "audience"
		announced bool
	}{
		{"member's thread by mention", "members", true, false, "mention", true},
		{"member's thread by audience only", "members", true, false, "audience", true},
		{"member's reply", "members", true, true, "mention", true},
		{"non-member", "members", false, false, "mention", false},
		{"member where only moderators post", "moderators", true, false, "mention", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries", PostingPolicy: tt.posting})
			bob := remotePerson(t, e, "bob", "lemmy.example")
			carol := remotePerson(t, e, "carol", "mastodon.example")
			dave := member(t, e, "dave")
			follows(t, e, carol, g)
			if err := e.Follow(ctx, dave.ID, g.ID, FollowOptions{ShowReblogs: true}); err != nil {
				t.Fatal(err)
			}
			if tt.member {
				follows(t, e, bob, g)
			}
			thread, err := e.Post(ctx, alice.ID, Draft{Text: "A thread", Visibility: activitypub.Public})
			if err != nil {
				t.Fatal(err)
			}
			sentRaw(t, e, carol.SharedInbox)

			note := map[string]any{"id": bob.URI + "/notes/1", "type": "Page", "attributedTo": bob.URI,
				"name": "Opening hours", "content": "<p>How do you publish them?</p>",
				"to": []string{activitypub.PublicIRI}, "cc": []string{bob.Followers}, "lemmy:extra": "kept"}
			if tt.address == "mention" {
				note["cc"] = []string{bob.Followers, g.URI}
				note["tag"] = []any{map[string]any{"type": "Mention", "href": g.URI, "name": "@libraries@council-a.example"}}
			} else {
				note["audience"] = g.URI
			}
			if tt.reply {
				note["inReplyTo"] = thread.URI
			}
			raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": bob.URI + "/activities/1", "type": "Create", "actor": bob.URI,
				"to": note["to"], "cc": note["cc"], "audience": note["audience"], "object": note})
			if err != nil {
				t.Fatal(err)
			}
			act, err := activitypub.ParseActivity(raw)
			if err != nil {
				t.Fatal(err)
			}
			// As the inbox worker applies it: with the body as received.
			if err := e.Apply(withInboxBody(ctx, raw), act); err != nil {
				t.Fatal(err)
			}

			toCarol := sentRaw(t, e, carol.SharedInbox)
			rejects := ofType(sent(t, e, bob.Inbox), activitypub.TypeReject)
			st, err := e.store.StatusByURI(ctx, bob.URI+"/notes/1")
			if !tt.announced {
				if len(toCarol) != 0 || len(rejects) != 1 || rejects[0].Actor != g.URI || rejects[0].Object.IRI != act.ID {
					t.Fatalf("to followers %d, rejects %+v; want no announce and one Reject of %s", len(toCarol), rejects, act.ID)
				}
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("a refused post that addresses nobody here was kept: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("post not stored: %v", err)
			}
			_, inCommunity := e.store.CommunityOfStatus(ctx, st.ID)
			if len(rejects) != 0 || inCommunity != nil {
				t.Fatalf("rejects %+v, community %v; want accepted", rejects, inCommunity)
			}
			var createAnnounce map[string]json.RawMessage
			var boosts []activitypub.Activity
			for _, b := range toCarol {
				a, err := activitypub.ParseActivity(b)
				if err != nil || a.Type != activitypub.TypeAnnounce || a.Actor != g.URI {
					t.Fatalf("sent %s (%v); want Announces by the Group", b, err)
				}
				if a.Object.Activity != nil {
					if err := json.Unmarshal(b, &createAnnounce); err != nil {
						t.Fatal(err)
					}
				} else {
					boosts = append(boosts, a)
				}
			}
			if createAnnounce == nil || !jsonEqual(t, createAnnounce["object"], raw) {
				t.Errorf("Announce{Create} object = %s; want the activity as received %s", createAnnounce["object"], raw)
			}
			wantBoosts := 1
			if tt.reply {
				wantBoosts = 0 // never boost replies to Mastodon followers
			}
			if len(boosts) != wantBoosts || (wantBoosts == 1 && boosts[0].Object.IRI != st.URI) {
				t.Errorf("boosts = %+v; want %d of %s", boosts, wantBoosts, st.URI)
			}
			// dave, a member here, sees the thread as the Group's boost.
			if got := homeBoostOf(t, e, dave.ID, g.ID, st.ID); got != (wantBoosts == 1) {
				t.Errorf("dave's home has the Group's boost = %v; want %v", got, wantBoosts == 1)
			}
			// Delivered again: announced once.
			if err := e.store.InTx(ctx, func(tx *storage.Tx) error {
				return e.deliverLocal(ctx, tx, bob, act, raw, st, []storage.Account{g})
			}); err != nil {
				t.Fatal(err)
			}
			if again := sentRaw(t, e, carol.SharedInbox); len(again) != 0 {
				t.Errorf("announced twice: %d more", len(again))
			}
		})
	}
}

// TestCommunityLocalMemberPost: a member here posting into a community
// here goes through the same step as a remote post.
func TestCommunityLocalMemberPost(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	carol := remotePerson(t, e, "carol", "mastodon.example")
	follows(t, e, carol, g)
	erin := member(t, e, "erin")
	tests := []struct {
		name      string
		author    storage.Account
		announced bool
	}{
		{"moderator", alice, true},
		{"not a member", erin, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := e.Post(ctx, tt.author.ID, Draft{Text: "@libraries Opening hours: how do you publish them?"})
			if err != nil {
				t.Fatal(err)
			}
			boosts := ofType(sent(t, e, carol.SharedInbox), activitypub.TypeAnnounce)
			_, err = e.store.CommunityOfStatus(ctx, st.ID)
			if tt.announced != (err == nil) || tt.announced != (len(boosts) == 2) {
				t.Errorf("in community: %v, announces %d; want announced %v", err, len(boosts), tt.announced)
			}
		})
	}
}

func homeBoostOf(t *testing.T, e *Engine, account, booster, status storage.ID) bool {
	t.Helper()
	sts, err := e.store.HomeTimeline(context.Background(), account, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.AccountID == booster && s.ReblogOfID == status {
			return true
		}
	}
	return false
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// TestRemoteGroupAnnounceOfCreate: a remote community's Announce{Create{…}}
// is taken without fetching its embedded activity's id (an activity, not
// a post: the fetch would fail and the item be retried for an hour); the
// thread comes through the Announce{object id} sent with it.
func TestRemoteGroupAnnounceOfCreate(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	dave := member(t, e, "dave")
	g := remotePerson(t, e, "libraries", "lemmy.example")
	follows(t, e, dave, g)
	raw := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://lemmy.example/activities/announce/1",
"type":"Announce","actor":"` + g.URI + `","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["` + g.Followers + `"],
"object":{"id":"https://lemmy.example/activities/create/1","type":"Create","actor":"https://lemmy.example/users/bob",
"to":["` + g.URI + `"],"object":{"id":"https://lemmy.example/post/1","type":"Page","attributedTo":"https://lemmy.example/users/bob",
"name":"Opening hours","content":"<p>?</p>","to":["` + g.URI + `"]}}}`)
	act, err := activitypub.ParseActivity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(ctx, act); err != nil {
		t.Fatalf("apply Announce{Create}: %v; want taken quietly", err)
	}
}

// TestCommunityCreators: who may create a community is a node setting,
// any member by default, or members of at least a node role.
func TestCommunityCreators(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		setting Permission
		want    map[string]bool // by member
	}{
		{"", map[string]bool{"plain": true, "mod": true, "boss": true}},
		{PermissionModerator, map[string]bool{"plain": false, "mod": true, "boss": true}},
		{PermissionAdmin, map[string]bool{"plain": false, "mod": false, "boss": true}},
	}
	for _, tt := range tests {
		t.Run(cmpOr(string(tt.setting), "default"), func(t *testing.T) {
			e := loopbackEngine(t, Options{CommunityCreators: tt.setting})
			for name, p := range map[string]Permission{"plain": PermissionMember, "mod": PermissionModerator, "boss": PermissionAdmin} {
				member(t, e, name)
				if err := e.SetPermission(ctx, name, p); err != nil {
					t.Fatal(err)
				}
			}
			for name, want := range tt.want {
				a, err := e.store.AccountByUsername(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				may, err := e.MayCreateCommunity(ctx, a)
				if err != nil || may != want {
					t.Errorf("%s may create: %v, %v; want %v", name, may, err, want)
				}
				_, err = e.CreateCommunity(ctx, a, NewCommunity{Handle: "c_" + name, Name: "A community"})
				if want != (err == nil) || !want && !errors.Is(err, ErrDenied) {
					t.Errorf("%s creates a community: %v; want allowed %v", name, err, want)
				}
			}
		})
	}
}
