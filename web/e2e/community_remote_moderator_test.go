package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityRemoteModerator: alice on A makes cid on C a moderator
// of her community. From C's API cid removes bea's post (B), locks a
// thread and bans bea with removeData; each goes to the Group on A,
// which applies and announces it, and it holds on A, B and C with the
// reason in every node's log. The ban, having no end, ends bea's
// membership on A and on B.
func TestCommunityRemoteModerator(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	ctx := context.Background()
	m.join(t)
	cidOnA := m.a.Resolve(m.cid.URI)
	modsURL := m.a.URL + "/api/copse/v1/communities/" + m.id + "/moderators/" + cidOnA.ID.String()
	if code, body := communityCall(t, http.MethodPost, modsURL, m.a.Token(m.alice), nil); code != http.StatusOK {
		t.Fatalf("add cid as moderator: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "C hears that cid moderates the community", func() bool {
		ok, err := m.c.Store.IsRemoteModerator(ctx, m.groupOnC.ID, m.cid.URI)
		return err == nil && ok
	})
	spam := m.postThread(t, "Selling cheap watches", true)
	kept := m.postThread(t, "Which catalogue do you use?", true)
	later := m.postThread(t, "More watches", true)
	onC := func(st storage.Status) storage.Status {
		t.Helper()
		s, err := m.c.Store.StatusByURI(ctx, st.URI)
		if err != nil {
			t.Fatalf("%s on C: %v", st.URI, err)
		}
		return s
	}
	base := m.c.URL + "/api/copse/v1/communities/" + m.groupOnC.ID.String()
	goneEverywhere := func(st storage.Status) {
		t.Helper()
		for _, n := range []*testrig.Node{m.a, m.b, m.c} {
			testrig.Eventually(t, communityWait, st.URI+" is gone on "+n.Host, func() bool {
				_, err := n.Store.StatusByURI(ctx, st.URI)
				return errors.Is(err, storage.ErrNotFound)
			})
		}
	}

	// A member of C who moderates nothing is refused on C.
	other := m.c.Member("cora", false)
	if code, body := communityCall(t, http.MethodDelete, base+"/statuses/"+onC(spam).ID.String(), m.c.Token(other),
		map[string]any{"reason": "x"}); code != http.StatusForbidden {
		t.Errorf("a non-moderator removes: %d %s; want 403", code, body)
	}

	const reason = "Advertising is against rule 3."
	if code, body := communityCall(t, http.MethodDelete, base+"/statuses/"+onC(spam).ID.String(), m.c.Token(m.cid),
		map[string]any{"reason": reason}); code != http.StatusOK {
		t.Fatalf("remove from C: %d %s", code, body)
	}
	goneEverywhere(spam)
	var logA []logEntry
	if code := getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/moderation_log", "", &logA); code != http.StatusOK ||
		len(logA) == 0 || logA[0].Action != "remove_post" || logA[0].Reason != reason || logA[0].Target != spam.URI ||
		logA[0].Moderator != "cid@"+m.c.Host {
		t.Errorf("log on A: %d %+v", code, logA)
	}
	for _, n := range []struct {
		node *testrig.Node
		g    storage.Account
	}{{m.b, m.groupOnB}, {m.c, m.groupOnC}} {
		testrig.Eventually(t, communityWait, "the removal is in the log on "+n.node.Host, func() bool {
			log, err := n.node.Store.ModerationLog(ctx, n.g.ID, storage.Page{})
			return err == nil && len(log) > 0 && log[0].Action == storage.ModRemovePost && log[0].Reason == reason
		})
	}

	if code, body := communityCall(t, http.MethodPost, base+"/statuses/"+onC(kept).ID.String()+"/lock", m.c.Token(m.cid),
		map[string]any{}); code != http.StatusOK {
		t.Fatalf("lock from C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the thread is locked on A, B and C", func() bool {
		onA, errA := m.a.Store.StatusByURI(ctx, kept.URI)
		lockedA, _ := m.a.Store.ThreadLocked(ctx, onA.ID)
		lockedB, _ := m.b.Store.ThreadLocked(ctx, kept.ID)
		lockedC, _ := m.c.Store.ThreadLocked(ctx, onC(kept).ID)
		return errA == nil && lockedA && lockedB && lockedC
	})
	// Every node holds the Lock as C sent it, and C's Undo{Lock} embeds
	// that Lock: a peer matching the undone activity by id opens the
	// thread too.
	lockOnC, err := m.c.Store.ThreadLockOf(ctx, onC(kept).ID)
	if err != nil || lockOnC.URI == "" || lockOnC.ActorURI != m.cid.URI {
		t.Fatalf("the Lock on C: %+v %v", lockOnC, err)
	}
	onA, err := m.a.Store.StatusByURI(ctx, kept.URI)
	if err != nil {
		t.Fatal(err)
	}
	for node, id := range map[*testrig.Node]storage.ID{m.a: onA.ID, m.b: kept.ID} {
		if l, err := node.Store.ThreadLockOf(ctx, id); err != nil || l != lockOnC {
			t.Errorf("the Lock on %s: %+v %v; want %+v", node.Host, l, err, lockOnC)
		}
	}
	if code, body := communityCall(t, http.MethodPost, base+"/statuses/"+onC(kept).ID.String()+"/unlock", m.c.Token(m.cid),
		map[string]any{}); code != http.StatusOK {
		t.Fatalf("unlock from C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the thread is open on A, B and C", func() bool {
		lockedA, errA := m.a.Store.ThreadLocked(ctx, onA.ID)
		lockedB, errB := m.b.Store.ThreadLocked(ctx, kept.ID)
		lockedC, errC := m.c.Store.ThreadLocked(ctx, onC(kept).ID)
		return errA == nil && errB == nil && errC == nil && !lockedA && !lockedB && !lockedC
	})
	unlocked, err := m.a.Store.ModerationLog(ctx, mustID(t, m.id), storage.Page{Limit: 1})
	if err != nil || len(unlocked) != 1 || unlocked[0].Action != storage.ModUnlock {
		t.Fatalf("log on A: %+v %v", unlocked, err)
	}
	undo, err := m.c.Store.ActivityByURI(ctx, unlocked[0].ActivityURI)
	if err != nil {
		t.Fatalf("C's Undo{Lock} %s: %v", unlocked[0].ActivityURI, err)
	}
	var sent struct {
		Object struct {
			ID string `json:"id"`
		} `json:"object"`
	}
	if err := json.Unmarshal(undo.Body, &sent); err != nil || sent.Object.ID != lockOnC.URI {
		t.Errorf("C's Undo{Lock} embeds %q (%v); want the Lock sent, %s", sent.Object.ID, err, lockOnC.URI)
	}
	if code, body := communityCall(t, http.MethodPost, base+"/statuses/"+onC(kept).ID.String()+"/lock", m.c.Token(m.cid),
		map[string]any{}); code != http.StatusOK {
		t.Fatalf("lock again from C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the thread is locked again on A", func() bool {
		locked, _ := m.a.Store.ThreadLocked(ctx, onA.ID)
		return locked
	})

	beaOnC := m.c.Resolve(m.bea.URI)
	if code, body := communityCall(t, http.MethodPost, base+"/bans", m.c.Token(m.cid),
		map[string]any{"account_id": beaOnC.ID.String(), "reason": "spam", "remove_data": true}); code != http.StatusOK {
		t.Fatalf("ban from C: %d %s", code, body)
	}
	goneEverywhere(later)
	goneEverywhere(kept)
	beaOnA := m.a.Resolve(m.bea.URI)
	if ban, err := m.a.Store.CommunityBan(ctx, mustID(t, m.id), beaOnA.ID); err != nil || ban.Reason != "spam" {
		t.Errorf("ban on A: %+v %v", ban, err)
	}
	testrig.Eventually(t, communityWait, "B knows bea is banned", func() bool {
		ban, err := m.b.Store.CommunityBan(ctx, m.groupOnB.ID, m.bea.ID)
		return err == nil && ban.Reason == "spam"
	})
	// A ban with no end ends the membership, on A and on bea's node.
	if _, err := m.a.Store.FollowOf(ctx, beaOnA.ID, mustID(t, m.id)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bea still follows the Group on A: %v", err)
	}
	if _, err := m.b.Store.FollowOf(ctx, m.bea.ID, m.groupOnB.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bea still follows the Group on B: %v", err)
	}
}

// TestRemoteModeratorEditsCommunity: cid on C, a moderator of alice's
// community on A, renames it, rewrites its description and lets only
// moderators post, from C's API; the Group on A applies his Update (202
// on C until then), and B, which follows it, learns of it. Rules cannot
// be changed from C (422), and a member of C who moderates nothing
// cannot edit it (403).
func TestRemoteModeratorEditsCommunity(t *testing.T) {
	m := startModCommunity(t, map[string]any{"rules": "Be kind"})
	ctx := context.Background()
	m.join(t)
	cidOnA := m.a.Resolve(m.cid.URI)
	if err := m.a.Engine.SetCommunityModerator(ctx, m.alice, mustID(t, m.id), cidOnA.ID, true); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "C hears that cid moderates the community", func() bool {
		ok, err := m.c.Store.IsRemoteModerator(ctx, m.groupOnC.ID, m.cid.URI)
		return err == nil && ok
	})
	onC := m.c.URL + "/api/copse/v1/communities/" + m.groupOnC.ID.String()
	edit := map[string]any{"name": "Library staff", "description": "For **library** staff.", "posting_policy": "moderators"}
	if code, body := communityCall(t, http.MethodPatch, onC, m.c.Token(m.c.Member("cora", false)), edit); code != http.StatusForbidden {
		t.Errorf("a non-moderator edits: %d %s; want 403", code, body)
	}
	if code, body := communityCall(t, http.MethodPatch, onC, m.c.Token(m.cid), map[string]any{"rules": "None"}); code != http.StatusUnprocessableEntity {
		t.Errorf("rules from C: %d %s; want 422", code, body)
	}
	if code, body := communityCall(t, http.MethodPatch, onC, m.c.Token(m.cid), edit); code != http.StatusAccepted {
		t.Fatalf("edit from C: %d %s; want 202", code, body)
	}
	groupOnA := m.a.Resolve("libraries@" + m.a.Host)
	testrig.Eventually(t, communityWait, "A applies cid's edit", func() bool {
		c, err := m.a.Store.CommunityByAccount(ctx, groupOnA.ID)
		return err == nil && c.PostingPolicy == "moderators"
	})
	c, err := m.a.Store.CommunityByAccount(ctx, groupOnA.ID)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.a.Store.AccountByID(ctx, groupOnA.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.DisplayName != "Library staff" || c.DescriptionSource != "For **library** staff." || c.Rules != "Be kind" {
		t.Errorf("on A: name %q, description %q, rules %q", g.DisplayName, c.DescriptionSource, c.Rules)
	}
	testrig.Eventually(t, communityWait, "B learns the new name and policy", func() bool {
		g, err := m.b.Store.AccountByID(ctx, m.groupOnB.ID)
		if err != nil || g.DisplayName != "Library staff" {
			return false
		}
		rc, err := m.b.Store.RemoteCommunity(ctx, m.groupOnB.ID)
		return err == nil && rc.PostingRestricted
	})

	// On C's pages: the community's page offers cid its edit form, which
	// starts from the description as A serves it and leaves out what
	// only A changes; saving it renames the community on A.
	cb := testrig.SignIn(t, m.c, "cid")
	page := "/c/libraries@" + m.a.Host
	if _, _, body := cb.Do(http.MethodGet, page, nil); !strings.Contains(body, `href="`+page+`/edit"`) {
		t.Errorf("the community's page on C offers cid no edit form")
	}
	code, _, body := cb.Do(http.MethodGet, page+"/edit", nil)
	if code != http.StatusOK || !strings.Contains(body, m.a.Host+" hosts this community") ||
		!strings.Contains(body, "For **library** staff.</textarea>") || strings.Contains(body, `name="rules"`) {
		t.Fatalf("the edit form on C: %d\n%s", code, body)
	}
	form := testrig.Hidden(body)
	form.Set("name", "Library people")
	form.Set("description", "For **library** staff.")
	form.Set("join_policy", "open")
	form.Set("posting_policy", "moderators")
	if code, _, body := cb.Multipart(page+"/edit", form); code != http.StatusSeeOther {
		t.Fatalf("save the form on C: %d\n%s", code, body)
	}
	testrig.Eventually(t, communityWait, "A renames the community", func() bool {
		g, err := m.a.Store.AccountByID(ctx, groupOnA.ID)
		return err == nil && g.DisplayName == "Library people"
	})
}
