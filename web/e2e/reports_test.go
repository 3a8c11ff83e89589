package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type queuedReport struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Comment string `json:"comment"`
	Action  string `json:"action"`
	Target  struct {
		ActorID string `json:"actor_id"`
	} `json:"target"`
	Statuses []struct {
		URI string `json:"uri"`
	} `json:"statuses"`
}

// TestReportReachesRemoteModerator: alice on A adds cid on C as a
// moderator of her community; a member of B (ben) reports bea's post in
// it from his app; C's moderator sees the report in the community's
// queue on C, and resolving it there closes it on A too. Nobody else
// hears of it.
func TestReportReachesRemoteModerator(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	ctx := context.Background()
	m.join(t)
	ben := m.b.Member("ben", false)

	cidOnA := m.a.Resolve(m.cid.URI)
	modsURL := m.a.URL + "/api/copse/v1/communities/" + m.id + "/moderators/" + cidOnA.ID.String()
	if code, body := communityCall(t, http.MethodPost, modsURL, m.a.Token(m.a.Member("ann", false)), nil); code != http.StatusForbidden {
		t.Errorf("a non-moderator adds a moderator: %d %s; want 403", code, body)
	}
	code, body := communityCall(t, http.MethodPost, modsURL, m.a.Token(m.alice), nil)
	if code != http.StatusOK || !strings.Contains(string(body), m.cid.URI) {
		t.Fatalf("add cid as moderator: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "C hears that cid moderates the community", func() bool {
		ok, err := m.c.Store.IsRemoteModerator(ctx, m.groupOnC.ID, m.cid.URI)
		return err == nil && ok
	})

	st := m.postThread(t, "Cheap watches, DM me", true)
	form := url.Values{"account_id": {m.bea.ID.String()}, "status_ids[]": {st.ID.String()},
		"comment": {"Advertising"}, "category": {"spam"}}
	req, err := http.NewRequest(http.MethodPost, m.b.URL+"/api/v1/reports", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+m.b.Token(ben))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ID        string   `json:"id"`
		Category  string   `json:"category"`
		StatusIDs []string `json:"status_ids"`
	}
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || rep.Category != "spam" || len(rep.StatusIDs) != 1 {
		t.Fatalf("POST /api/v1/reports: %d %+v %v", resp.StatusCode, rep, err)
	}

	queueC := m.c.URL + "/api/copse/v1/communities/" + m.groupOnC.ID.String() + "/reports"
	var onC []queuedReport
	testrig.Eventually(t, communityWait, "the report reaches C's moderator", func() bool {
		return getJSON(t, queueC, m.c.Token(m.cid), &onC) == http.StatusOK && len(onC) == 1
	})
	if r := onC[0]; r.State != "open" || r.Comment != "Advertising" || r.Target.ActorID != m.bea.URI ||
		len(r.Statuses) != 1 || r.Statuses[0].URI != st.URI {
		t.Errorf("report on C = %+v", r)
	}
	queueA := m.a.URL + "/api/copse/v1/communities/" + m.id + "/reports"
	var onA []queuedReport
	if code := getJSON(t, queueA, m.a.Token(m.alice), &onA); code != http.StatusOK || len(onA) != 1 {
		t.Fatalf("A's queue: %d %+v", code, onA)
	}
	if code := getJSON(t, queueC, m.c.Token(m.c.Member("carl", false)), &onC); code != http.StatusForbidden {
		t.Errorf("a member of C who moderates nothing reads the queue: %d", code)
	}

	code, body = communityCall(t, http.MethodPost, queueC+"/"+onC[0].ID+"/resolve", m.c.Token(m.cid),
		map[string]any{"action": "none", "reason": "An offer of the library's own"})
	if code != http.StatusOK || !strings.Contains(string(body), `"state":"resolved"`) {
		t.Fatalf("resolve on C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the report is resolved on A", func() bool {
		var got []queuedReport
		return getJSON(t, queueA+"?state=resolved", m.a.Token(m.alice), &got) == http.StatusOK && len(got) == 1 && got[0].ID == onA[0].ID
	})
	var log []logEntry
	if code := getJSON(t, m.a.URL+"/api/copse/v1/communities/"+m.id+"/moderation_log", "", &log); code != http.StatusOK ||
		len(log) < 2 || log[0].Action != storage.ModResolveReport || log[0].Target != m.bea.URI {
		t.Errorf("log on A: %d %+v; want the resolution first", code, log)
	}
	// The follower's node (B) got the post's announces, never the report.
	if reps, err := m.b.Store.Reports(ctx, storage.ReportFilter{CommunityID: m.groupOnB.ID}, storage.Page{}); err != nil || len(reps) != 1 {
		t.Errorf("B's reports of the community = %+v, %v; want only ben's own", reps, err)
	}
}

// TestReportReachesModeratorWhoDoesNotFollow: a remote moderator whose
// node never saw the reported post still gets the report, with the
// post, which that node fetches from its origin.
func TestReportReachesModeratorWhoDoesNotFollow(t *testing.T) {
	m := startModCommunity(t, map[string]any{})
	ctx := context.Background()
	if err := m.b.Engine.Follow(ctx, m.bea.ID, m.groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, m.b, m.bea, m.groupOnB)
	cidOnA := m.a.Resolve(m.cid.URI)
	if err := m.a.Engine.SetCommunityModerator(ctx, m.alice, mustID(t, m.id), cidOnA.ID, true); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "C hears that cid moderates the community", func() bool {
		ok, err := m.c.Store.IsRemoteModerator(ctx, m.groupOnC.ID, m.cid.URI)
		return err == nil && ok
	})
	st := m.postThread(t, "Cheap watches", false)
	if _, err := m.c.Store.StatusByURI(ctx, st.URI); err == nil {
		t.Fatal("C has the post already; the test needs a node that never saw it")
	}
	ben := m.b.Member("ben", false)
	if _, err := m.b.Engine.Report(ctx, ben, federation.NewReport{TargetID: m.bea.ID, StatusIDs: []storage.ID{st.ID}, Comment: "Spam"}); err != nil {
		t.Fatal(err)
	}
	queueC := m.c.URL + "/api/copse/v1/communities/" + m.groupOnC.ID.String() + "/reports"
	var onC []queuedReport
	testrig.Eventually(t, communityWait, "the report reaches C's moderator", func() bool {
		return getJSON(t, queueC, m.c.Token(m.cid), &onC) == http.StatusOK && len(onC) == 1
	})
	if r := onC[0]; r.Target.ActorID != m.bea.URI || len(r.Statuses) != 1 || r.Statuses[0].URI != st.URI || r.Comment != "Spam" {
		t.Errorf("report on C = %+v; want bea's post, fetched", r)
	}
}

func mustID(t *testing.T, s string) storage.ID {
	t.Helper()
	id, err := storage.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
