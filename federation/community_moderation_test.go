package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// postIntoCommunity applies, as the inbox would, a remote author's Page
// addressed to g by audience, and returns the stored status.
func postIntoCommunity(t *testing.T, e *Engine, author, g storage.Account, n int) storage.Status {
	t.Helper()
	ctx := context.Background()
	note := map[string]any{"id": fmt.Sprintf("%s/post/%d", author.URI, n), "type": "Page", "attributedTo": author.URI,
		"name": "Thread", "content": "<p>Hello</p>", "to": []string{activitypub.PublicIRI, g.URI}, "audience": g.URI}
	raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": fmt.Sprintf("%s/create/%d", author.URI, n), "type": "Create", "actor": author.URI,
		"to": note["to"], "audience": g.URI, "object": note})
	if err != nil {
		t.Fatal(err)
	}
	act, err := activitypub.ParseActivity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(withInboxBody(ctx, raw), act); err != nil {
		t.Fatal(err)
	}
	st, err := e.store.StatusByURI(ctx, note["id"].(string))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Status{URI: note["id"].(string)} // refused, and nothing else kept it (ID 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// announced returns the objects of the Group's Announces among bodies,
// as JSON maps.
func announced(t *testing.T, g storage.Account, bodies [][]byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, b := range bodies {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m["type"] != "Announce" || m["actor"] != g.URI {
			continue
		}
		if inner, ok := m["object"].(map[string]any); ok {
			out = append(out, inner)
		}
	}
	return out
}

func lastLog(t *testing.T, e *Engine, g storage.Account) storage.ModerationEntry {
	t.Helper()
	log, err := e.store.ModerationLog(context.Background(), g.ID, storage.Page{Limit: 1})
	if err != nil || len(log) != 1 {
		t.Fatalf("moderation log = %+v, %v; want an entry", log, err)
	}
	return log[0]
}

func TestCommunityJoinRequests(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", JoinPolicy: "approval"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	carol := remotePerson(t, e, "carol", "mbin.example")
	for _, p := range []storage.Account{bob, carol} {
		follow := activitypub.Activity{ID: p.URI + "/follows/1", Type: activitypub.TypeFollow, Actor: p.URI, Object: activitypub.Object{IRI: g.URI}}
		if err := e.Apply(ctx, follow); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Follow(ctx, dave.ID, g.ID, FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	// Only a moderator sees or decides.
	if _, err := e.JoinRequests(ctx, dave, g.ID, storage.Page{}); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator lists join requests: %v; want denied", err)
	}
	if err := e.AcceptJoin(ctx, dave, g.ID, bob.ID); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator accepts: %v; want denied", err)
	}
	if err := e.RejectJoin(ctx, dave, g.ID, bob.ID, "no"); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator rejects: %v; want denied", err)
	}
	reqs, err := e.JoinRequests(ctx, alice, g.ID, storage.Page{})
	if err != nil || len(reqs) != 3 {
		t.Fatalf("join requests = %+v, %v; want bob, carol and dave", reqs, err)
	}

	tests := []struct {
		name   string
		who    storage.Account
		accept bool
		reason string
	}{
		{"accepted", bob, true, ""},
		{"rejected with a reason", carol, false, "This community is for records managers."},
		{"local member rejected", dave, false, "Ask your manager first."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.accept {
				err = e.AcceptJoin(ctx, alice, g.ID, tt.who.ID)
			} else {
				err = e.RejectJoin(ctx, alice, g.ID, tt.who.ID, tt.reason)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, ferr := e.store.FollowOf(ctx, tt.who.ID, g.ID)
			_, rerr := e.store.FollowRequestOf(ctx, tt.who.ID, g.ID)
			if (ferr == nil) != tt.accept || !errors.Is(rerr, storage.ErrNotFound) {
				t.Errorf("follow %v, request %v; want member %v and no request", ferr, rerr, tt.accept)
			}
			entry := lastLog(t, e, g)
			wantAction := map[bool]string{true: storage.ModAcceptJoin, false: storage.ModRejectJoin}[tt.accept]
			if entry.Action != wantAction || entry.Target != tt.who.URI || entry.Reason != tt.reason || entry.ModeratorID != alice.ID {
				t.Errorf("log entry = %+v", entry)
			}
			if tt.who.Local() {
				if got, err := e.store.MembershipOf(ctx, g.ID, tt.who.ID, e.now()); err != nil || got.State != storage.RejectedState || got.Reason != tt.reason {
					t.Errorf("dave's standing = %+v, %v; want rejected, %q", got, err, tt.reason)
				}
				return
			}
			bodies := sentRaw(t, e, tt.who.Inbox)
			if len(bodies) != 1 {
				t.Fatalf("sent %d activities; want one", len(bodies))
			}
			var m map[string]any
			if err := json.Unmarshal(bodies[0], &m); err != nil {
				t.Fatal(err)
			}
			wantType := map[bool]string{true: "Accept", false: "Reject"}[tt.accept]
			obj, _ := m["object"].(map[string]any)
			if m["type"] != wantType || m["actor"] != g.URI || obj == nil || obj["id"] != tt.who.URI+"/follows/1" {
				t.Errorf("sent %s; want %s{Follow} by the Group", bodies[0], wantType)
			}
			if !tt.accept && (m["summary"] != tt.reason || m["content"] != tt.reason) {
				t.Errorf("Reject summary %v, content %v; want the reason", m["summary"], m["content"])
			}
		})
	}
}

func TestCommunityRemovePost(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	carol := remotePerson(t, e, "carol", "mbin.example")
	follows(t, e, bob, g)
	follows(t, e, carol, g)
	st := postIntoCommunity(t, e, bob, g, 1)
	outside, err := e.Post(ctx, dave.ID, Draft{Text: "not in the community", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	sentRaw(t, e, carol.SharedInbox)
	sentRaw(t, e, bob.SharedInbox)

	if err := e.RemoveCommunityPost(ctx, dave, g.ID, st.ID, "x"); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator removes: %v; want denied", err)
	}
	if err := e.RemoveCommunityPost(ctx, alice, g.ID, outside.ID, "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("removing a post outside the community: %v; want not found", err)
	}
	const reason = "Off topic: see rule 2."
	if err := e.RemoveCommunityPost(ctx, alice, g.ID, st.ID, reason); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.StatusByID(ctx, st.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the removed post is still here: %v", err)
	}
	dels := announced(t, g, sentRaw(t, e, carol.SharedInbox))
	if len(dels) != 1 {
		t.Fatalf("followers got %d announces; want one", len(dels))
	}
	d := dels[0]
	if d["type"] != "Delete" || d["actor"] != alice.URI || d["object"] != st.URI || d["summary"] != reason || d["audience"] != g.URI {
		t.Errorf("announced %v; want the moderator's Delete of %s with the reason", d, st.URI)
	}
	entry := lastLog(t, e, g)
	if entry.Action != storage.ModRemovePost || entry.Target != st.URI || entry.Reason != reason || entry.ActivityURI != d["id"] {
		t.Errorf("log entry = %+v", entry)
	}
}

func TestCommunityBan(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	var offset time.Duration
	e.store.Now = func() time.Time { return time.Now().Add(offset) }
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	carol := remotePerson(t, e, "carol", "mbin.example")
	follows(t, e, bob, g)
	follows(t, e, carol, g)
	old := postIntoCommunity(t, e, bob, g, 1)
	sentRaw(t, e, carol.SharedInbox)

	if err := e.BanFromCommunity(ctx, dave, g.ID, Ban{AccountID: bob.ID}); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator bans: %v; want denied", err)
	}
	var inv *InvalidError
	if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: alice.ID}); !errors.As(err, &inv) {
		t.Errorf("a moderator bans a moderator: %v; want invalid", err)
	}
	if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: bob.ID, Reason: "Spam", ExpiresIn: time.Hour, RemoveData: true}); err != nil {
		t.Fatal(err)
	}
	blocks := announced(t, g, sentRaw(t, e, carol.SharedInbox))
	if len(blocks) != 1 {
		t.Fatalf("followers got %d announces; want one", len(blocks))
	}
	b := blocks[0]
	if b["type"] != "Block" || b["actor"] != alice.URI || b["object"] != bob.URI || b["target"] != g.URI ||
		b["summary"] != "Spam" || b["removeData"] != true || b["endTime"] == nil || b["endTime"] != b["expires"] {
		t.Errorf("announced %v; want the moderator's Block with target, summary, removeData, endTime = expires", b)
	}
	if _, err := e.store.StatusByID(ctx, old.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("removeData left the banned member's post: %v", err)
	}
	if len(sent(t, e, bob.Inbox)) != 0 {
		t.Error("a personal Block went to the banned member's own inbox")
	}
	if got := lastLog(t, e, g); got.Action != storage.ModBan || got.Target != bob.URI || got.ExpiresAt.IsZero() {
		t.Errorf("log entry = %+v", got)
	}

	// While banned, a post is refused with a Reject; after the end, taken.
	st := postIntoCommunity(t, e, bob, g, 2)
	if st.ID != 0 {
		t.Error("a banned member's refused post was kept as a plain post")
	}
	rejects := ofType(sent(t, e, bob.Inbox), activitypub.TypeReject)
	if len(rejects) != 1 {
		t.Errorf("rejects = %+v; want one", rejects)
	}
	offset = time.Hour + time.Second
	st = postIntoCommunity(t, e, bob, g, 3)
	if _, err := e.store.CommunityOfStatus(ctx, st.ID); err != nil {
		t.Errorf("after the ban's end the post is refused: %v", err)
	}
	offset = 0 // the deliveries sentRaw reads are due by the engine's clock

	// Banned again, then lifted: Undo{Block} names the Block.
	if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: bob.ID, Reason: "Again"}); err != nil {
		t.Fatal(err)
	}
	ban, err := e.store.CommunityBan(ctx, g.ID, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	sentRaw(t, e, carol.SharedInbox)
	if err := e.UnbanFromCommunity(ctx, alice, g.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	undos := announced(t, g, sentRaw(t, e, carol.SharedInbox))
	if len(undos) != 1 {
		t.Fatalf("followers got %d announces; want one", len(undos))
	}
	inner, _ := undos[0]["object"].(map[string]any)
	if undos[0]["type"] != "Undo" || inner == nil || inner["id"] != ban.BlockURI || inner["type"] != "Block" || inner["target"] != g.URI {
		t.Errorf("announced %v; want Undo of Block %s", undos[0], ban.BlockURI)
	}
	// A ban with no end ended bob's membership: lifted, he joins again.
	if _, err := e.store.FollowOf(ctx, bob.ID, g.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a ban with no end left the membership: %v", err)
	}
	if st = postIntoCommunity(t, e, bob, g, 5); st.ID != 0 {
		t.Error("a former member's post was taken in, or kept, before he joined again")
	}
	follows(t, e, bob, g)
	st = postIntoCommunity(t, e, bob, g, 4)
	if _, err := e.store.CommunityOfStatus(ctx, st.ID); err != nil {
		t.Errorf("after the unban the post is refused: %v", err)
	}
	if err := e.UnbanFromCommunity(ctx, alice, g.ID, bob.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("lifting a ban twice: %v; want not found", err)
	}
}

// TestCommunityModerationReceived: a node applies a remote community's
// moderation only as the Group's Announce, by the Group's own node or a
// listed moderator, and only of what belongs to that community; forged
// variants are refused and change nothing.
func TestCommunityModerationReceived(t *testing.T) {
	const (
		groupURI = "https://lemmy.example/c/libraries"
		admin    = "https://lemmy.example/u/admin"
		listed   = "https://piefed.example/u/mod"
		stranger = "https://piefed.example/u/troll"
	)
	end := "2030-01-02T03:04:05Z"
	tests := []struct {
		name      string
		announcer string // "group" or "person"
		inner     string // the moderation activity, %[1]s the Group, %[2]s the post, %[3]s bob
		inGroup   bool   // the post was boosted by the Group
		applied   bool
	}{
		{"removal by the Group's own node", "group",
			`{"id":"https://lemmy.example/a/1","type":"Delete","actor":"` + admin + `","object":"%[2]s","summary":"Spam"}`, true, true},
		{"removal by a listed moderator elsewhere", "group",
			`{"id":"https://piefed.example/a/1","type":"Delete","actor":"` + listed + `","object":"%[2]s","summary":"Spam"}`, true, true},
		{"removal by someone not listed", "group",
			`{"id":"https://piefed.example/a/2","type":"Delete","actor":"` + stranger + `","object":"%[2]s","summary":"Spam"}`, true, false},
		{"removal announced by a Person", "person",
			`{"id":"https://lemmy.example/a/3","type":"Delete","actor":"` + admin + `","object":"%[2]s","summary":"Spam"}`, true, false},
		{"removal of a post outside the community", "group",
			`{"id":"https://lemmy.example/a/4","type":"Delete","actor":"` + admin + `","object":"%[2]s","summary":"Spam"}`, false, false},
		{"the author's own Delete relayed by the Group", "group",
			`{"id":"https://mbin.example/a/1","type":"Delete","actor":"%[3]s","object":"%[2]s"}`, true, true},
		{"the author's own Delete of a post outside the community", "group",
			`{"id":"https://mbin.example/a/2","type":"Delete","actor":"%[3]s","object":"%[2]s"}`, false, false},
		{"lock by a listed moderator", "group",
			`{"id":"https://piefed.example/a/8","type":"Lock","actor":"` + listed + `","object":"%[2]s","summary":"Spam"}`, true, true},
		{"lock by someone not listed", "group",
			`{"id":"https://piefed.example/a/9","type":"Lock","actor":"` + stranger + `","object":"%[2]s","summary":"Spam"}`, true, false},
		{"pin by a listed moderator", "group",
			`{"id":"https://piefed.example/a/10","type":"Add","actor":"` + listed + `","object":"%[2]s","target":"%[1]s/featured","summary":"Spam"}`, true, true},
		{"pin by someone not listed", "group",
			`{"id":"https://piefed.example/a/11","type":"Add","actor":"` + stranger + `","object":"%[2]s","target":"%[1]s/featured"}`, true, false},
		{"ban by a listed moderator", "group",
			`{"id":"https://piefed.example/a/5","type":"Block","actor":"` + listed + `","object":"%[3]s","target":"%[1]s","summary":"Spam","removeData":false,"endTime":"` + end + `","expires":"` + end + `"}`, true, true},
		{"ban with another target", "group",
			`{"id":"https://piefed.example/a/6","type":"Block","actor":"` + listed + `","object":"%[3]s","target":"https://lemmy.example/c/other","summary":"Spam"}`, true, false},
		{"ban by someone not listed", "group",
			`{"id":"https://piefed.example/a/7","type":"Block","actor":"` + stranger + `","object":"%[3]s","target":"%[1]s","summary":"Spam"}`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			dave := member(t, e, "dave")
			g := storage.Account{URI: groupURI, Username: "libraries", Domain: "lemmy.example", ActorType: activitypub.TypeGroup,
				Inbox: groupURI + "/inbox", Followers: groupURI + "/followers", Featured: groupURI + "/featured", FetchedAt: e.now()}
			bob := remotePerson(t, e, "bob", "mbin.example")
			person := remotePerson(t, e, "person", "lemmy.example")
			st := storage.Status{URI: bob.URI + "/post/1", AccountID: bob.ID, Visibility: activitypub.Public, Content: "<p>x</p>"}
			err := e.store.InTx(ctx, func(tx *storage.Tx) error {
				if err := tx.InsertAccount(ctx, &g); err != nil {
					return err
				}
				if err := tx.InsertStatus(ctx, &st); err != nil {
					return err
				}
				if tt.inGroup {
					rb := storage.Status{URI: groupURI + "/announce/1", AccountID: g.ID, ReblogOfID: st.ID, Visibility: activitypub.Public}
					if err := tx.InsertStatus(ctx, &rb); err != nil {
						return err
					}
				}
				return tx.SetRemoteModerators(ctx, g.ID, []string{listed})
			})
			if err != nil {
				t.Fatal(err)
			}
			follows(t, e, dave, g)
			announcer := g
			if tt.announcer == "person" {
				announcer = person
			}
			raw := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + announcer.URI + `/announce/9","type":"Announce",` +
				`"actor":"` + announcer.URI + `","to":["https://www.w3.org/ns/activitystreams#Public"],"object":` +
				fmt.Sprintf(tt.inner, groupURI, st.URI, bob.URI) + `}`)
			act, err := activitypub.ParseActivity(raw)
			if err != nil {
				t.Fatal(err)
			}
			err = e.store.InTx(ctx, func(tx *storage.Tx) error {
				return e.applyCommunityModeration(withInboxBody(ctx, raw), tx, announcer, act)
			})
			if tt.applied != (err == nil) || (!tt.applied && !errors.Is(err, ErrDenied)) {
				t.Fatalf("apply: %v; want applied %v (else denied)", err, tt.applied)
			}
			_, stErr := e.store.StatusByID(ctx, st.ID)
			ban, banErr := e.store.CommunityBan(ctx, g.ID, bob.ID)
			log, _ := e.store.ModerationLog(ctx, g.ID, storage.Page{})
			locked, _ := e.store.ThreadLocked(ctx, st.ID)
			pins, _ := e.store.PinnedStatuses(ctx, g.ID)
			if !tt.applied {
				if stErr != nil || banErr == nil || len(log) != 0 || locked || len(pins) != 0 {
					t.Errorf("a refused activity changed something: status %v, ban %v, log %+v", stErr, banErr, log)
				}
				return
			}
			if act.Object.Activity.Actor == bob.URI {
				if !errors.Is(stErr, storage.ErrNotFound) || len(log) != 0 {
					t.Errorf("status %v, log %+v; want the post gone and no moderation logged", stErr, log)
				}
				return
			}
			if len(log) != 1 || log[0].Reason != "Spam" || log[0].ModeratorURI != act.Object.Activity.Actor {
				t.Errorf("log = %+v; want one entry with the reason", log)
			}
			switch act.Object.Activity.Type {
			case activitypub.TypeDelete:
				if !errors.Is(stErr, storage.ErrNotFound) {
					t.Errorf("the removed post is still here: %v", stErr)
				}
			case "Add":
				if len(pins) != 1 || pins[0].ID != st.ID || log[0].Action != storage.ModPin {
					t.Errorf("pins %+v, log %+v; want the thread featured", pins, log)
				}
			case TypeLock:
				if !locked || log[0].Action != storage.ModLock {
					t.Errorf("locked %v, log %+v; want the thread locked", locked, log)
				}
				undo := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + groupURI + `/announce/10","type":"Announce",` +
					`"actor":"` + groupURI + `","object":{"id":"https://piefed.example/a/98","type":"Undo","actor":"` + listed + `",` +
					`"object":` + fmt.Sprintf(tt.inner, groupURI, st.URI, bob.URI) + `}}`)
				uact, err := activitypub.ParseActivity(undo)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.store.InTx(ctx, func(tx *storage.Tx) error {
					return e.applyCommunityModeration(withInboxBody(ctx, undo), tx, g, uact)
				}); err != nil {
					t.Fatal(err)
				}
				if locked, _ := e.store.ThreadLocked(ctx, st.ID); locked {
					t.Error("after Undo{Lock} the thread stays locked")
				}
			case activitypub.TypeBlock:
				if banErr != nil || ban.Reason != "Spam" || ban.ExpiresAt.Format(time.RFC3339) != end {
					t.Errorf("ban = %+v, %v; want one ending %s", ban, banErr, end)
				}
				undo := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + groupURI + `/announce/10","type":"Announce",` +
					`"actor":"` + groupURI + `","object":{"id":"https://piefed.example/a/99","type":"Undo","actor":"` + listed + `",` +
					`"object":` + fmt.Sprintf(tt.inner, groupURI, st.URI, bob.URI) + `}}`)
				uact, err := activitypub.ParseActivity(undo)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.store.InTx(ctx, func(tx *storage.Tx) error {
					return e.applyCommunityModeration(withInboxBody(ctx, undo), tx, g, uact)
				}); err != nil {
					t.Fatal(err)
				}
				if _, err := e.store.CommunityBan(ctx, g.ID, bob.ID); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("after Undo{Block}: %v; want no ban", err)
				}
			}
		})
	}
}

// TestCommunityBanNotPersonal: a Block naming a community as its target,
// sent on its own rather than announced by the Group, is refused, and
// never taken as a personal block.
func TestCommunityBanNotPersonal(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	dave := member(t, e, "dave")
	mod := remotePerson(t, e, "mod", "lemmy.example")
	block := activitypub.Activity{ID: mod.URI + "/block/1", Type: activitypub.TypeBlock, Actor: mod.URI,
		Object: activitypub.Object{IRI: dave.URI}, Target: "https://lemmy.example/c/libraries"}
	if err := e.Apply(ctx, block); !errors.Is(err, ErrDenied) {
		t.Errorf("a bare community ban: %v; want denied", err)
	}
	if blocked, err := e.store.Blocks(ctx, mod.ID, dave.ID); err != nil || blocked {
		t.Errorf("the moderator blocks dave personally: %v, %v", blocked, err)
	}
}

// TestCommunityJoinRejectedReason: a community elsewhere refuses a
// member's request with a reason; the member's node drops the request
// and keeps the reason (in content, or in summary as some servers send).
func TestCommunityJoinRejectedReason(t *testing.T) {
	for _, field := range []string{"content", "summary"} {
		t.Run(field, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			dave := member(t, e, "dave")
			groupURI := "https://lemmy.example/c/records"
			g := storage.Account{URI: groupURI, Username: "records", Domain: "lemmy.example", ActorType: activitypub.TypeGroup,
				Inbox: groupURI + "/inbox", Followers: groupURI + "/followers", FetchedAt: e.now()}
			if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &g) }); err != nil {
				t.Fatal(err)
			}
			if err := e.Follow(ctx, dave.ID, g.ID, FollowOptions{}); err != nil {
				t.Fatal(err)
			}
			req, err := e.store.FollowRequestOf(ctx, dave.ID, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			raw := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + groupURI + `/reject/1","type":"Reject",` +
				`"actor":"` + groupURI + `","` + field + `":"<p>Records managers only.</p>","object":{"id":"` + req.URI + `","type":"Follow",` +
				`"actor":"` + dave.URI + `","object":"` + groupURI + `"}}`)
			act, err := activitypub.ParseActivity(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Apply(withInboxBody(ctx, raw), act); err != nil {
				t.Fatal(err)
			}
			if _, err := e.store.FollowRequestOf(ctx, dave.ID, g.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("the request stays: %v", err)
			}
			if got, err := e.store.MembershipOf(ctx, g.ID, dave.ID, e.now()); err != nil || got.State != storage.RejectedState || got.Reason != "Records managers only." {
				t.Errorf("standing = %+v, %v; want rejected, %q", got, err, "Records managers only.")
			}
		})
	}
}

// replyIntoCommunity applies a remote author's reply to parent, addressed
// to g, and reports whether the community took it in.
func replyIntoCommunity(t *testing.T, e *Engine, author, g storage.Account, parent storage.Status, n int) bool {
	t.Helper()
	ctx := context.Background()
	note := map[string]any{"id": fmt.Sprintf("%s/comment/%d", author.URI, n), "type": "Note", "attributedTo": author.URI,
		"content": "<p>Reply</p>", "inReplyTo": parent.URI, "to": []string{activitypub.PublicIRI, g.URI}, "audience": g.URI}
	raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": fmt.Sprintf("%s/create-comment/%d", author.URI, n), "type": "Create", "actor": author.URI,
		"to": note["to"], "audience": g.URI, "object": note})
	if err != nil {
		t.Fatal(err)
	}
	act, err := activitypub.ParseActivity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(withInboxBody(ctx, raw), act); err != nil {
		t.Fatal(err)
	}
	st, err := e.store.StatusByURI(ctx, note["id"].(string))
	if errors.Is(err, storage.ErrNotFound) {
		return false // refused, and not kept as a plain post either
	}
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.store.CommunityOfStatus(ctx, st.ID)
	return err == nil
}

func TestCommunityLockThread(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	carol := remotePerson(t, e, "carol", "mbin.example")
	follows(t, e, bob, g)
	follows(t, e, carol, g)
	thread := postIntoCommunity(t, e, bob, g, 1)
	if !replyIntoCommunity(t, e, carol, g, thread, 1) {
		t.Fatal("a reply to an open thread was refused")
	}
	reply, err := e.store.StatusByURI(ctx, carol.URI+"/comment/1")
	if err != nil {
		t.Fatal(err)
	}
	sentRaw(t, e, carol.SharedInbox)
	var inv *InvalidError
	if err := e.LockThread(ctx, alice, g.ID, reply.ID, true, ""); !errors.As(err, &inv) {
		t.Errorf("locking a reply: %v; want invalid", err)
	}
	if err := e.LockThread(ctx, dave, g.ID, thread.ID, true, ""); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator locks: %v; want denied", err)
	}
	if err := e.LockThread(ctx, alice, g.ID, thread.ID, true, "Heated"); err != nil {
		t.Fatal(err)
	}
	locks := announced(t, g, sentRaw(t, e, carol.SharedInbox))
	if len(locks) != 1 || locks[0]["type"] != "Lock" || locks[0]["actor"] != alice.URI || locks[0]["object"] != thread.URI {
		t.Fatalf("announced %v; want the moderator's Lock of %s", locks, thread.URI)
	}
	// A reply to the thread, or to a reply in it, is refused; the
	// moderators may still answer.
	if replyIntoCommunity(t, e, carol, g, thread, 2) || replyIntoCommunity(t, e, carol, g, reply, 3) {
		t.Error("a locked thread took a reply")
	}
	if n := len(ofType(sent(t, e, carol.Inbox), activitypub.TypeReject)); n != 2 {
		t.Errorf("%d Rejects; want 2", n)
	}
	modReply, err := e.Post(ctx, alice.ID, Draft{Text: "@libraries Closing this.", InReplyTo: thread.ID, Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CommunityOfStatus(ctx, modReply.ID); err != nil {
		t.Errorf("the moderator's reply to a locked thread was refused: %v", err)
	}
	if err := e.LockThread(ctx, alice, g.ID, thread.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	undos := announced(t, g, sentRaw(t, e, carol.SharedInbox))
	var undo map[string]any
	for _, u := range undos {
		if u["type"] == "Undo" {
			undo = u
		}
	}
	if inner, _ := undo["object"].(map[string]any); inner == nil || inner["type"] != "Lock" || inner["object"] != thread.URI {
		t.Errorf("announced %v; want Undo{Lock}", undos)
	}
	if !replyIntoCommunity(t, e, carol, g, thread, 4) {
		t.Error("an unlocked thread refused a reply")
	}
	if got := lastLog(t, e, g); got.Action != storage.ModUnlock || got.Target != thread.URI {
		t.Errorf("log entry = %+v", got)
	}
}

func TestCommunityPinThread(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	carol := remotePerson(t, e, "carol", "mbin.example")
	follows(t, e, bob, g)
	follows(t, e, carol, g)
	thread := postIntoCommunity(t, e, bob, g, 1)
	sentRaw(t, e, carol.SharedInbox)
	if err := e.PinThread(ctx, dave, g.ID, thread.ID, true); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator pins: %v; want denied", err)
	}
	for _, pin := range []bool{true, false} {
		if err := e.PinThread(ctx, alice, g.ID, thread.ID, pin); err != nil {
			t.Fatal(err)
		}
		pins, err := e.store.PinnedStatuses(ctx, g.ID)
		if err != nil || (len(pins) == 1) != pin {
			t.Errorf("pinned %v: featured = %+v, %v", pin, pins, err)
		}
		want := map[bool]string{true: "Add", false: "Remove"}[pin]
		got := announced(t, g, sentRaw(t, e, carol.SharedInbox))
		if len(got) != 1 || got[0]["type"] != want || got[0]["actor"] != alice.URI || got[0]["object"] != thread.URI ||
			got[0]["target"] != e.urls.Featured(g.Username) {
			t.Errorf("announced %v; want the moderator's %s on the featured collection", got, want)
		}
	}
	if got := lastLog(t, e, g); got.Action != storage.ModUnpin {
		t.Errorf("log entry = %+v", got)
	}
}
