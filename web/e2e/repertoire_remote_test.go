package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestRepertoireFromAnyNode: a member on B creates an artefact in a
// community hosted on A from B's API (202, pending), and it becomes A's
// artefact with her as author, reaching B as version 1; her edit naming
// version 1 becomes version 2 on A and B; a stale edit (still naming
// version 1) is refused by A and changes nothing anywhere; she adds and
// edits a glossary term the same way, and an event; a file uploaded on B
// goes to A with a proposal (202), and A's version with it reaches B.
func TestRepertoireFromAnyNode(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, bea := a.Member("alice", false), b.Member("bea", false)
	groupOnA, groupOnB := wardsOnA(t, a, alice, b, bea)
	token := b.Token(bea)
	api := b.URL + "/api/copse/v1"

	var pending struct {
		Pending    bool   `json:"pending"`
		ID         string `json:"id"`
		ProposalID string `json:"proposal_id"`
	}
	type proposal struct {
		State    string  `json:"state"`
		Reason   string  `json:"reason"`
		Kind     string  `json:"kind"`
		Action   string  `json:"action"`
		Title    string  `json:"title"`
		ObjectID *string `json:"object_id"`
	}
	// proposalOn reads bea's proposal id from B's API.
	proposalOn := func(id string) proposal {
		t.Helper()
		code, body := communityCall(t, http.MethodGet, api+"/proposals/"+id, token, nil)
		var p proposal
		if code != http.StatusOK || json.Unmarshal(body, &p) != nil {
			t.Fatalf("proposal %s: %d %s", id, code, body)
		}
		return p
	}
	code, body := communityCall(t, http.MethodPost, api+"/communities/"+groupOnB.ID.String()+"/artefacts", token, map[string]any{
		"title": "Handover checklist", "body": "Check the **drugs chart**.", "tags": []string{"handover"},
		"edit_policy": "authors", "note": "first"})
	if code != http.StatusAccepted || json.Unmarshal(body, &pending) != nil || !pending.Pending ||
		!strings.HasPrefix(pending.ID, b.URL+"/users/bea/") {
		t.Fatalf("create from B: %d %s", code, body)
	}
	var uri string
	testrig.Eventually(t, communityWait, "A makes the artefact and B gets version 1", func() bool {
		arts, err := a.Store.CommunityArtefacts(ctx, groupOnA.ID, storage.Page{Limit: 10})
		if err != nil || len(arts) != 1 {
			return false
		}
		uri = arts[0].URI
		onB, vs := versionsOn(t, b, uri)
		return len(vs) == 1 && onB.Title == "Handover checklist"
	})
	onA, vsA := versionsOn(t, a, uri)
	beaOnA := a.Resolve("bea@" + b.Host)
	if !onA.Local || onA.CreatedBy != beaOnA.ID || len(onA.Authors) != 1 || onA.Authors[0] != beaOnA.ID ||
		vsA[0].EditorURI != bea.URI || vsA[0].Note != "first" || len(onA.Tags) != 1 || onA.Tags[0] != "handover" {
		t.Fatalf("artefact on A: %+v %+v", onA, vsA)
	}
	onB, _ := versionsOn(t, b, uri)
	if onB.Local || len(onB.Authors) != 1 || onB.Authors[0] != bea.ID {
		t.Fatalf("artefact on B: %+v; want a copy with bea as author", onB)
	}
	created := pending.ProposalID
	testrig.Eventually(t, communityWait, "A's Accept reaches B", func() bool {
		return proposalOn(created).State == "accepted"
	})
	if p := proposalOn(created); p.Kind != "artefact" || p.Action != "create" || p.Title != "Handover checklist" ||
		p.ObjectID == nil || *p.ObjectID != onB.ID.String() {
		t.Fatalf("bea's accepted proposal: %+v; want it to name the artefact %s", p, onB.ID)
	}

	// Bea edits version 1 from B: A makes version 2, and B gets it.
	code, body = communityCall(t, http.MethodPatch, api+"/artefacts/"+onB.ID.String(), token,
		map[string]any{"base_version": 1, "body": "Check the **drugs chart** and the fluids.", "note": "fluids"})
	if code != http.StatusAccepted {
		t.Fatalf("edit from B: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "version 2 reaches B", func() bool {
		a, _ := versionsOn(t, b, uri)
		return a.Version == 2
	})
	onB, vsB := versionsOn(t, b, uri)
	if !strings.Contains(onB.BodySource, "fluids") || len(vsB) != 2 || vsB[1].Note != "fluids" || vsB[1].EditorID != bea.ID {
		t.Fatalf("B after the edit: %+v %+v", onB, vsB)
	}

	// A stale edit (still from version 1) is sent, and refused by A.
	code, body = communityCall(t, http.MethodPatch, api+"/artefacts/"+onB.ID.String(), token,
		map[string]any{"base_version": 1, "title": "Old checklist"})
	if code != http.StatusAccepted {
		t.Fatalf("stale edit from B: %d %s", code, body)
	}
	json.Unmarshal(body, &pending)
	testrig.Eventually(t, communityWait, "A takes the stale edit", func() bool {
		return processedOn(t, a, pending.ID)
	})
	onA, vsA = versionsOn(t, a, uri)
	onB, _ = versionsOn(t, b, uri)
	if onA.Version != 2 || len(vsA) != 2 || onA.Title != "Handover checklist" || onB.Version != 2 || onB.Title != "Handover checklist" {
		t.Fatalf("a stale edit changed something: A %+v, B %+v", onA, onB)
	}
	// Bea is told, on her node: her proposal reads refused, with A's
	// reason, and she has a notification naming it.
	stale := pending.ProposalID
	testrig.Eventually(t, communityWait, "A's Reject reaches B", func() bool {
		return proposalOn(stale).State == "refused"
	})
	if p := proposalOn(stale); !strings.Contains(p.Reason, "stale edit: it started from version 1") || p.Action != "update" {
		t.Fatalf("bea's refused proposal: %+v", p)
	}
	code, body = communityCall(t, http.MethodGet, b.URL+"/api/v1/notifications?types[]=proposal_refused", token, nil)
	var notes []struct {
		Type     string `json:"type"`
		Account  struct{ Acct string }
		Proposal struct {
			ID     string `json:"id"`
			Reason string `json:"reason"`
		} `json:"proposal"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &notes) != nil || len(notes) != 1 || notes[0].Proposal.ID != stale ||
		notes[0].Account.Acct != "wards@"+a.Host || !strings.Contains(notes[0].Proposal.Reason, "stale edit") {
		t.Fatalf("bea's notifications: %d %s", code, body)
	}
	code, body = communityCall(t, http.MethodGet, api+"/proposals?state=pending", token, nil)
	if code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("pending proposals once both are answered: %d %s", code, body)
	}
	if code, body := communityCall(t, http.MethodGet, api+"/proposals/"+stale, b.Token(b.Member("carl", false)), nil); code != http.StatusNotFound {
		t.Fatalf("another member's proposal: %d %s", code, body)
	}

	// Bea restores version 1 from B: A makes version 3 with its body.
	code, body = communityCall(t, http.MethodPost, api+"/artefacts/"+onB.ID.String()+"/restore", token,
		map[string]any{"version": 1, "base_version": 2})
	if code != http.StatusAccepted || json.Unmarshal(body, &pending) != nil || !pending.Pending {
		t.Fatalf("restore from B: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "version 3 reaches B", func() bool {
		a, _ := versionsOn(t, b, uri)
		return a.Version == 3
	})
	if onA, _ = versionsOn(t, a, uri); onA.BodySource != "Check the **drugs chart**." {
		t.Fatalf("A after the restore: %+v", onA)
	}
	onB, _ = versionsOn(t, b, uri)

	// A term from B: A makes it with bea as its creator, and B gets it;
	// her edit from version 1 becomes version 2 on both.
	code, body = communityCall(t, http.MethodPost, api+"/communities/"+groupOnB.ID.String()+"/glossary", token, map[string]any{
		"term": "Triage", "definition": "Sorting patients by **urgency**.", "aliases": []string{"sorting"},
		"reference_url": "https://www.nhs.uk/", "reference_text": "NHS"})
	if code != http.StatusAccepted || json.Unmarshal(body, &pending) != nil || !pending.Pending {
		t.Fatalf("term from B: %d %s", code, body)
	}
	var termOnA storage.Term
	testrig.Eventually(t, communityWait, "A makes the term and B gets it", func() bool {
		var err error
		if termOnA, err = a.Store.TermByName(ctx, groupOnA.ID, "Triage"); err != nil {
			return false
		}
		_, vs := termVersionsOn(t, b, termOnA.URI)
		return len(vs) == 1
	})
	termOnB, _ := termVersionsOn(t, b, termOnA.URI)
	if !termOnA.Local || termOnA.CreatedBy != beaOnA.ID || len(termOnA.Aliases) != 1 || termOnA.ReferenceURL != "https://www.nhs.uk/" ||
		termOnB.Local || termOnB.CreatedBy != bea.ID || termOnB.Term != "Triage" {
		t.Fatalf("term on A %+v, on B %+v", termOnA, termOnB)
	}
	code, body = communityCall(t, http.MethodPatch, api+"/glossary/"+termOnB.ID.String(), token,
		map[string]any{"base_version": 1, "definition": "Sorting patients by **urgency** and need.", "note": "need"})
	if code != http.StatusAccepted {
		t.Fatalf("term edit from B: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the term's version 2 reaches B", func() bool {
		term, vs := termVersionsOn(t, b, termOnA.URI)
		return len(vs) == 2 && strings.Contains(term.DefinitionSource, "need")
	})
	if _, vs := termVersionsOn(t, a, termOnA.URI); len(vs) != 2 || vs[1].EditorURI != bea.URI || vs[1].Note != "need" {
		t.Fatalf("term versions on A: %+v", vs)
	}

	// An event from B: A makes it with bea as its organiser, and B gets
	// it; her change of its capacity reaches both.
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	code, body = communityCall(t, http.MethodPost, api+"/communities/"+groupOnB.ID.String()+"/events", token, map[string]any{
		"name": "Handover workshop", "description": "Bring a *chart*.", "starts_at": start, "ends_at": start.Add(time.Hour),
		"time_zone": "Europe/London", "place": map[string]string{"name": "Ward 7", "address": "Royal Devon"}, "capacity": 12})
	if code != http.StatusAccepted || json.Unmarshal(body, &pending) != nil || !pending.Pending {
		t.Fatalf("event from B: %d %s", code, body)
	}
	var evOnA, evOnB storage.CommunityEvent
	testrig.Eventually(t, communityWait, "A makes the event and B gets it", func() bool {
		evs, err := a.Store.CommunityEvents(ctx, groupOnA.ID, time.Now(), true, 10)
		if err != nil || len(evs) != 1 {
			return false
		}
		evOnA = evs[0]
		evOnB, err = b.Store.CommunityEventByURI(ctx, evOnA.URI)
		return err == nil
	})
	if !evOnA.Local || evOnA.OrganiserID != beaOnA.ID || evOnA.Name != "Handover workshop" || !evOnA.Start.Equal(start) ||
		evOnA.PlaceName != "Ward 7" || evOnA.Capacity != 12 || evOnA.TimeZone != "Europe/London" ||
		evOnB.Local || evOnB.OrganiserID != bea.ID || evOnB.Capacity != 12 {
		t.Fatalf("event on A %+v, on B %+v", evOnA, evOnB)
	}
	code, body = communityCall(t, http.MethodPatch, api+"/events/"+evOnB.ID.String(), token, map[string]any{"capacity": 20})
	if code != http.StatusAccepted {
		t.Fatalf("event change from B: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the change reaches B", func() bool {
		ev, err := b.Store.CommunityEventByURI(ctx, evOnA.URI)
		return err == nil && ev.Capacity == 20
	})
	if ev, _ := a.Store.CommunityEventByURI(ctx, evOnA.URI); ev.Capacity != 20 || ev.PlaceName != "Ward 7" {
		t.Fatalf("event on A after the change: %+v", ev)
	}

	// A file uploaded on B goes to A with a proposal; A fetches it and
	// makes a version with it, which reaches B.
	onB, _ = versionsOn(t, b, uri)
	code, body = uploadArtefactFile(t, b, token, onB.ID.String(), "chart.pdf", []byte("%PDF-1.7\n%%EOF\n"), strconv.Itoa(onB.Version))
	if code != http.StatusAccepted || json.Unmarshal(body, &pending) != nil || !pending.Pending {
		t.Fatalf("file from B: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "bea's file is accepted", func() bool {
		p := proposalOn(pending.ProposalID)
		if p.State == "refused" {
			t.Fatalf("A refused the file: %s", p.Reason)
		}
		return p.State == "accepted"
	})
	testrig.Eventually(t, communityWait, "the version with the file reaches B", func() bool {
		_, vs := versionsOn(t, b, uri)
		return len(vs) == onB.Version+1 && len(vs[onB.Version].Files) == 1 && vs[onB.Version].Files[0].Name == "chart.pdf"
	})
	// She removes it by its name (a remote copy's files have no ids
	// here); a name the version does not hold is refused on B at once.
	next := onB.Version + 1
	if code, body := communityCall(t, http.MethodPatch, api+"/artefacts/"+onB.ID.String(), token,
		map[string]any{"base_version": next, "remove_files": []string{"plan.pdf"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(string(body), "plan.pdf is not a file of version") {
		t.Fatalf("removing a file the version lacks: %d %s", code, body)
	}
	if code, body := communityCall(t, http.MethodPatch, api+"/artefacts/"+onB.ID.String(), token,
		map[string]any{"base_version": next, "remove_files": []string{"CHART.pdf"}, "note": "chart moved"}); code != http.StatusAccepted {
		t.Fatalf("removing chart.pdf from B: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the version without the file reaches B", func() bool {
		_, vs := versionsOn(t, b, uri)
		return len(vs) == next+1 && len(vs[next].Files) == 0 && vs[next].Note == "chart moved"
	})
}

// wardsOnA is the community "wards" that alice makes on a, as a and b
// know it, once bea of b has joined it.
func wardsOnA(t *testing.T, a *testrig.Node, alice storage.Account, b *testrig.Node, bea storage.Account) (onA, onB storage.Account) {
	t.Helper()
	createCommunity(t, a, alice, map[string]any{"handle": "wards", "name": "Wards"})
	onB = b.Resolve("wards@" + a.Host)
	if err := b.Engine.Follow(context.Background(), bea.ID, onB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, onB)
	return a.Resolve("wards@" + a.Host), onB
}

// processedOn reports whether node n has applied (or refused) the
// activity id, without marking it: the probe is rolled back.
func processedOn(t *testing.T, n *testrig.Node, id string) bool {
	t.Helper()
	probe := errors.New("probe")
	var fresh bool
	err := n.Store.InTx(context.Background(), func(tx *storage.Tx) error {
		var err error
		if fresh, err = tx.MarkProcessed(context.Background(), id); err != nil {
			return err
		}
		return probe
	})
	if !errors.Is(err, probe) {
		t.Fatal(err)
	}
	return !fresh
}
