package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// termVersionsOn lists the versions a node holds of the term with uri.
func termVersionsOn(t *testing.T, n *testrig.Node, uri string) (storage.Term, []storage.TermVersion) {
	t.Helper()
	ctx := context.Background()
	term, err := n.Store.TermByURI(ctx, uri)
	if err != nil {
		return storage.Term{}, nil
	}
	vs, err := n.Store.TermVersions(ctx, term.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return term, vs
}

type glossaryEntry struct {
	ID        string   `json:"id"`
	URI       string   `json:"uri"`
	Term      string   `json:"term"`
	Tag       string   `json:"tag"`
	Aliases   []string `json:"aliases"`
	Version   int      `json:"version"`
	Posts     *int     `json:"posts"`
	Artefacts *int     `json:"artefacts"`
}

// usageOn is how many posts of the community a node's glossary counts
// for term, through the copse API (-1 when the term is not listed).
func usageOn(t *testing.T, n *testrig.Node, groupID storage.ID, term string) int {
	t.Helper()
	code, body := communityCall(t, http.MethodGet, n.URL+"/api/copse/v1/communities/"+groupID.String()+"/glossary", "", nil)
	if code != http.StatusOK {
		t.Fatalf("glossary on %s: %d %s", n, code, body)
	}
	var list []glossaryEntry
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Term == term && e.Posts != nil {
			return *e.Posts
		}
	}
	return -1
}

// TestGlossaryAcrossNodes: a term created on A, in a community a member
// of B follows, reaches B; an edit reaches B as a new version; a stale
// edit is refused with 409 and what changed; the term's usage count, on A
// and on B, follows the community's new posts, from either node; and C,
// which follows only later, fills the versions it missed from the term's
// history collection.
func TestGlossaryAcrossNodes(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, ann := a.Member("alice", false), a.Member("ann", false)
	bea, cid := b.Member("bea", false), c.Member("cid", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "wards", "name": "Wards"})
	groupID := community["id"].(string)
	groupOnA := a.Resolve("wards@" + a.Host)
	if err := a.Engine.Follow(ctx, ann.ID, groupOnA.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, ann, groupOnA)
	groupOnB := b.Resolve("wards@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)

	token := a.Token(alice)
	code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/communities/"+groupID+"/glossary", token, map[string]any{
		"term": "Triage", "definition": "Sorting patients by **urgency**.", "aliases": []string{"sorting"},
		"related": []string{"A&E"}, "reference_url": "https://www.nhs.uk/", "reference_text": "NHS", "note": "First draft"})
	if code != http.StatusOK {
		t.Fatalf("create term: %d %s", code, body)
	}
	var created glossaryEntry
	json.Unmarshal(body, &created)
	if created.Tag != "triage" || created.Version != 1 {
		t.Fatalf("created: %s", body)
	}
	testrig.Eventually(t, communityWait, "the term reaches B", func() bool {
		_, vs := termVersionsOn(t, b, created.URI)
		return len(vs) == 1
	})
	onB, vsB := termVersionsOn(t, b, created.URI)
	if onB.Term != "Triage" || onB.Local || onB.CommunityID != groupOnB.ID || onB.Tag != "triage" ||
		!strings.Contains(onB.DefinitionHTML, "<strong>urgency</strong>") || len(onB.Aliases) != 1 || onB.Related[0] != "A&E" ||
		onB.ReferenceURL != "https://www.nhs.uk/" || onB.ReferenceText != "NHS" || vsB[0].Note != "First draft" ||
		vsB[0].EditorURI != alice.URI {
		t.Fatalf("term on B: %+v\nversions %+v", onB, vsB)
	}

	// Alice and Ann both edit version 1: Ann's lands, Alice is told what changed.
	one := a.URL + "/api/copse/v1/glossary/" + created.ID
	code, body = communityCall(t, http.MethodPatch, one, a.Token(ann),
		map[string]any{"base_version": 1, "definition": "Sorting patients by clinical **urgency**.", "note": "clinical"})
	if code != http.StatusOK {
		t.Fatalf("ann's edit: %d %s", code, body)
	}
	code, body = communityCall(t, http.MethodPatch, one, token, map[string]any{"base_version": 1, "aliases": []string{}})
	var stale struct {
		CurrentVersion int `json:"current_version"`
		Changes        []struct {
			Note   string `json:"note"`
			Editor string `json:"editor"`
		} `json:"changes"`
	}
	if code != http.StatusConflict || json.Unmarshal(body, &stale) != nil || stale.CurrentVersion != 2 ||
		len(stale.Changes) != 1 || stale.Changes[0].Note != "clinical" || stale.Changes[0].Editor != "ann@"+a.Host {
		t.Fatalf("stale edit: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the edit reaches B as version 2", func() bool {
		_, vs := termVersionsOn(t, b, created.URI)
		return len(vs) == 2
	})
	if onB, _ = termVersionsOn(t, b, created.URI); onB.Version != 2 || !strings.Contains(onB.DefinitionSource, "clinical") {
		t.Errorf("term on B after the edit: %+v", onB)
	}

	// The usage count follows new posts, on both nodes.
	if n := usageOn(t, a, groupOnA.ID, "Triage"); n != 0 {
		t.Fatalf("usage before any post on A: %d", n)
	}
	post := func(n *testrig.Node, who storage.Account, text string) {
		t.Helper()
		if _, err := n.Engine.Post(ctx, who.ID, federation.Draft{Text: text, Visibility: activitypub.Public}); err != nil {
			t.Fatal(err)
		}
	}
	post(a, ann, "@wards How do you do #triage at night?")
	post(b, bea, "@wards@"+a.Host+" We #Triage by phone first.")
	post(a, ann, "#triage outside the community")
	for _, n := range []*testrig.Node{a, b} {
		g := groupOnA
		if n == b {
			g = groupOnB
		}
		testrig.Eventually(t, communityWait, "two uses counted on "+n.String(), func() bool {
			return usageOn(t, n, g.ID, "Triage") == 2
		})
	}
	page := secGet(t, a.URL+"/c/wards/glossary", nil)
	if page.code != http.StatusOK || !strings.Contains(string(page.body), "used in 2 posts and 0 artefacts") {
		t.Errorf("glossary page: %d %s", page.code, page.body)
	}

	// C follows only now; the next version brings it the whole history.
	groupOnC := c.Resolve("wards@" + a.Host)
	if err := c.Engine.Follow(ctx, cid.ID, groupOnC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, c, cid, groupOnC)
	code, body = communityCall(t, http.MethodPost, one+"/restore", token, map[string]any{"base_version": 2, "version": 1})
	if code != http.StatusOK {
		t.Fatalf("restore: %d %s", code, body)
	}
	for _, n := range []*testrig.Node{b, c} {
		testrig.Eventually(t, communityWait, "all three versions on "+n.String(), func() bool {
			_, vs := termVersionsOn(t, n, created.URI)
			return len(vs) == 3
		})
		onN, vs := termVersionsOn(t, n, created.URI)
		if onN.Version != 3 || vs[2].Note != "Restored version 1" || vs[1].Note != "clinical" ||
			onN.DefinitionSource != vs[0].DefinitionSource {
			t.Errorf("on %s: %+v %+v", n, onN, vs)
		}
	}
}

// TestGlossaryAPI: what a client is told when it gets something wrong,
// who may do what, and the DefinedTerm and history served to peers.
func TestGlossaryAPI(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carl := a.Member("alice", false), a.Member("bob", false), a.Member("carl", false)
	open := createCommunity(t, a, alice, map[string]any{"handle": "records", "name": "Records"})
	closed := createCommunity(t, a, alice, map[string]any{"handle": "hr", "name": "HR", "visibility": "members"})
	group := a.Resolve("records@" + a.Host)
	if err := a.Engine.Follow(ctx, bob.ID, group.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, bob, group)
	api := a.URL + "/api/copse/v1"
	list := api + "/communities/" + open["id"].(string) + "/glossary"
	code, body := communityCall(t, http.MethodPost, list, a.Token(bob), map[string]any{"term": "Retention", "definition": "How *long* we keep records."})
	if code != http.StatusOK {
		t.Fatalf("create: %d %s", code, body)
	}
	var term glossaryEntry
	json.Unmarshal(body, &term)
	one := api + "/glossary/" + term.ID
	closedList := api + "/communities/" + closed["id"].(string) + "/glossary"
	tests := []struct {
		name, method, url, token string
		body                     any
		code                     int
	}{
		{"create without a token", http.MethodPost, list, "", map[string]any{"term": "x", "definition": "y"}, http.StatusUnauthorized},
		{"create by a non-member", http.MethodPost, list, a.Token(carl), map[string]any{"term": "x", "definition": "y"}, http.StatusForbidden},
		{"create without a definition", http.MethodPost, list, a.Token(bob), map[string]any{"term": "x"}, http.StatusUnprocessableEntity},
		{"create a term twice", http.MethodPost, list, a.Token(alice), map[string]any{"term": "retention", "definition": "y"}, http.StatusUnprocessableEntity},
		{"create with a bad reference", http.MethodPost, list, a.Token(bob), map[string]any{"term": "x", "definition": "y", "reference_url": "ftp://x"}, http.StatusUnprocessableEntity},
		{"edit without base_version", http.MethodPatch, one, a.Token(alice), map[string]any{"definition": "y"}, http.StatusUnprocessableEntity},
		{"edit by a non-member", http.MethodPatch, one, a.Token(carl), map[string]any{"base_version": 1, "definition": "y"}, http.StatusForbidden},
		{"edit by a moderator", http.MethodPatch, one, a.Token(alice), map[string]any{"base_version": 1, "definition": "How long we keep them."}, http.StatusOK},
		{"restore a missing version", http.MethodPost, one + "/restore", a.Token(alice), map[string]any{"base_version": 2, "version": 5}, http.StatusUnprocessableEntity},
		{"restore from a stale version", http.MethodPost, one + "/restore", a.Token(alice), map[string]any{"base_version": 1, "version": 1}, http.StatusConflict},
		{"restore", http.MethodPost, one + "/restore", a.Token(bob), map[string]any{"base_version": 2, "version": 1}, http.StatusOK},
		{"a missing term", http.MethodGet, api + "/glossary/123", "", nil, http.StatusNotFound},
		{"a term", http.MethodGet, one, "", nil, http.StatusOK},
		{"versions", http.MethodGet, one + "/versions", "", nil, http.StatusOK},
		{"a diff", http.MethodGet, one + "/diff?from=1&to=2", "", nil, http.StatusOK},
		{"a diff from a missing version", http.MethodGet, one + "/diff?from=9&to=2", "", nil, http.StatusNotFound},
		{"a diff of a version that is no number", http.MethodGet, one + "/diff?from=one", "", nil, http.StatusBadRequest},
		{"a members-only glossary, anonymously", http.MethodGet, closedList, "", nil, http.StatusForbidden},
		{"a members-only glossary, by its moderator", http.MethodGet, closedList, a.Token(alice), nil, http.StatusOK},
		{"a public glossary", http.MethodGet, list, "", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := communityCall(t, tt.method, tt.url, tt.token, tt.body)
			if code != tt.code {
				t.Fatalf("answer %d %s; want %d", code, body, tt.code)
			}
			var e struct {
				Error string `json:"error"`
			}
			if code >= 400 && (json.Unmarshal(body, &e) != nil || e.Error == "") {
				t.Fatalf("answer %d %s: no JSON error", code, body)
			}
		})
	}
	// The moderator's edit, word by word: version 3 restored version 1.
	code, body = communityCall(t, http.MethodGet, one+"/diff?from=1&to=2", "", nil)
	var d federation.TermDiff
	if code != http.StatusOK || json.Unmarshal(body, &d) != nil || d.From != 1 || d.To != 2 ||
		!slices.Contains(d.Definition, federation.DiffSpan{Op: federation.DiffDelete, Text: "records"}) ||
		!slices.Contains(d.Definition, federation.DiffSpan{Op: federation.DiffInsert, Text: "them"}) {
		t.Errorf("diff of versions 1 and 2: %d %s", code, body)
	}
	if code, body = communityCall(t, http.MethodGet, one+"/diff", "", nil); code != http.StatusOK ||
		json.Unmarshal(body, &d) != nil || d.From != 2 || d.To != 3 {
		t.Errorf("diff with no versions named (the last change): %d %s", code, body)
	}
	code, body = communityCall(t, http.MethodGet, one+"/versions?limit=2", "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"number":2`) || strings.Contains(string(body), `"number":3`) {
		t.Errorf("versions page: %d %s", code, body)
	}

	// What peers are served: the DefinedTerm, its history, the glossary.
	doc := secGet(t, term.URI, nil)
	var dt map[string]any
	if doc.code != http.StatusOK || json.Unmarshal(doc.body, &dt) != nil || dt["type"] != "DefinedTerm" ||
		dt["history"] != term.URI+"/history" || dt["audience"] != group.URI || dt["version"] != float64(3) ||
		dt["inDefinedTermSet"] != group.URI+"/glossary" || !strings.Contains(string(doc.body), `"schema":"https://schema.org/"`) ||
		!strings.Contains(dt["description"].(string), "<em>long</em>") {
		t.Fatalf("defined term: %d %s", doc.code, doc.body)
	}
	hist := secGet(t, term.URI+"/history?page=1", nil)
	items, _, err := activitypub.ParseTermHistoryPage(hist.body)
	if hist.code != http.StatusOK || err != nil || len(items) != 3 || items[0].Doc.Version != 3 || items[2].Type != "Create" {
		t.Errorf("history: %d %s", hist.code, hist.body)
	}
	coll := secGet(t, group.URI+"/glossary", nil)
	if coll.code != http.StatusOK || !strings.Contains(string(coll.body), term.URI) {
		t.Errorf("glossary collection: %d %s", coll.code, coll.body)
	}
	hidden := a.Resolve("hr@" + a.Host)
	if got := secGet(t, hidden.URI+"/glossary", nil); got.code != http.StatusNotFound {
		t.Errorf("members-only glossary collection, unsigned: %d", got.code)
	}
}
