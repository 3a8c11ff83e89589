package copseapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// call sends a request with token (none if empty) and body (a value sent
// as JSON, or []byte sent as it is) and returns status, Link header and
// body.
func call(t *testing.T, method, url, token string, body any) (int, string, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte: // sent as it is
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Link"), out
}

func worksAt(t *testing.T, n *testrig.Node, a storage.Account, org, dept, role string) {
	t.Helper()
	_, err := n.Engine.UpdateCredentials(context.Background(), a.ID, federation.Credentials{Profile: federation.Profile{
		DisplayName: a.Username, Discoverable: true, Organisation: org, Department: dept, JobTitle: role}})
	if err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, n *testrig.Node, creator storage.Account, req map[string]any) string {
	t.Helper()
	code, _, body := call(t, http.MethodPost, n.URL+"/api/copse/v1/communities", n.Token(creator), req)
	var c struct{ ID string }
	if code != http.StatusOK || json.Unmarshal(body, &c) != nil {
		t.Fatalf("create community: %d %s", code, body)
	}
	return c.ID
}

// TestCommunityReads: the members of a community, from this node and
// another copse node, with the organisation, department and role their
// actors state; counts per organisation; moderators; threads; the
// directory; and the list of communities.
func TestCommunityReads(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.Member("alice", false)
	dan := a.Member("dan", false)
	bea := b.Member("bea", false)
	worksAt(t, a, alice, "Hampshire County Council", "Libraries", "Information officer")
	worksAt(t, a, dan, "Hampshire County Council", "Archives", "Archivist")
	worksAt(t, b, bea, "Surrey & Co Council", "Libraries", "Librarian")
	id := create(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	create(t, a, alice, map[string]any{"handle": "archives", "name": "Archive keepers"})
	secret := create(t, a, alice, map[string]any{"handle": "hidden", "name": "Hidden", "visibility": "members"})
	group, err := a.Store.AccountByID(ctx, mustID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Follow(ctx, alice.ID, group.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Follow(ctx, dan.ID, group.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	groupOnB := b.Resolve("libraries@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "bea joins", func() bool {
		r, err := a.Store.CommunityRoster(ctx, group.ID, false)
		return err == nil && r.Members == 3
	})
	first, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@libraries Opening hours?", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "the thread is the community's", func() bool {
		_, err := a.Store.CommunityOfStatus(ctx, first.ID)
		return err == nil
	})
	if _, err := a.Engine.Post(ctx, dan.ID, federation.Draft{Text: "Nine to five.", InReplyTo: first.ID, Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}

	hidden, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@hidden Retention schedules?", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "the members-only thread is the community's", func() bool {
		_, err := a.Store.CommunityOfStatus(ctx, hidden.ID)
		return err == nil
	})

	base := a.URL + "/api/copse/v1"
	tests := []struct {
		name, path, token string
		code              int
		contains, absent  []string
		link              string // part of the Link header, when one is due
	}{
		{name: "members with their organisation, a remote one too", path: "/communities/" + id + "/members", code: 200,
			contains: []string{`"acct":"bea@` + b.Host + `"`, `"organisation":"Surrey \u0026 Co Council","department":"Libraries","role":"Librarian"`,
				`"acct":"alice@` + a.Host + `"`, `"organisation":"Hampshire County Council","department":"Libraries","role":"Information officer"`}},
		{name: "members of one organisation", path: "/communities/" + id + "/members?organisation=hampshire%20county%20council", code: 200,
			contains: []string{"alice@", "dan@"}, absent: []string{"bea@"}},
		{name: "members paged", path: "/communities/" + id + "/members?limit=2", code: 200, link: `rel="next"`},
		{name: "counts per organisation", path: "/communities/" + id + "/organisations", code: 200,
			contains: []string{`[{"organisation":"Hampshire County Council","members":2},{"organisation":"Surrey \u0026 Co Council","members":1}]`}},
		{name: "moderators", path: "/communities/" + id + "/moderators", code: 200, contains: []string{`"acct":"alice@` + a.Host + `"`},
			absent: []string{"dan@"}},
		{name: "threads with reply counts", path: "/communities/" + id + "/threads", code: 200,
			contains: []string{`"id":"` + first.ID.String() + `"`, `"replies_count":1`}, absent: []string{"Nine to five"}},
		{name: "a members-only community's threads to its moderator", path: "/communities/" + secret + "/threads", token: a.Token(alice),
			code: 200, contains: []string{`"id":"` + hidden.ID.String() + `"`}},
		{name: "a members-only community's threads to no member", path: "/communities/" + secret + "/threads", token: a.Token(dan),
			code: 403, contains: []string{`"error"`}, absent: []string{"Retention"}},
		{name: "a members-only community's threads to nobody signed in", path: "/communities/" + secret + "/threads",
			code: 403, contains: []string{`"error"`}, absent: []string{"Retention"}},
		{name: "a members-only community's members to nobody signed in", path: "/communities/" + secret + "/members",
			code: 403, contains: []string{`"error"`}, absent: []string{"alice@"}},
		{name: "a members-only community's organisations to no member", path: "/communities/" + secret + "/organisations", token: a.Token(dan),
			code: 403, contains: []string{`"error"`}},
		{name: "a members-only community's members to its moderator", path: "/communities/" + secret + "/members", token: a.Token(alice),
			code: 200},
		{name: "a members-only community's log to no member", path: "/communities/" + secret + "/moderation_log", token: a.Token(dan),
			code: 404, contains: []string{`"error"`}},
		{name: "a members-only community's log to its moderator", path: "/communities/" + secret + "/moderation_log", token: a.Token(alice),
			code: 200},
		{name: "directory by organisation", path: "/directory?organisation=Hampshire%20County%20Council", code: 200,
			contains: []string{"alice@", "dan@"}, absent: []string{"bea@"}},
		{name: "directory by department across nodes", path: "/directory?department=libraries", code: 200,
			contains: []string{"alice@", "bea@" + b.Host}, absent: []string{"dan@"}},
		{name: "directory by role", path: "/directory?role=Archivist", code: 200, contains: []string{"dan@"}, absent: []string{"alice@"}},
		{name: "communities here", path: "/communities", code: 200, contains: []string{`"handle":"libraries"`, `"handle":"archives"`}},
		{name: "communities searched", path: "/communities?q=keepers", code: 200, contains: []string{`"handle":"archives"`},
			absent: []string{`"handle":"libraries"`}},
		{name: "communities paged", path: "/communities?limit=1", code: 200, link: "max_id="},
		{name: "bad cursor", path: "/communities?max_id=x", code: 400, contains: []string{`{"error":`}},
		{name: "bad limit", path: "/directory?limit=-1", code: 400, contains: []string{`{"error":`}},
		{name: "bad remote", path: "/communities?remote=perhaps", code: 400, contains: []string{`{"error":`}},
		{name: "a member is no community", path: "/communities/" + alice.ID.String() + "/members", code: 404, contains: []string{`{"error":`}},
		{name: "the document", path: "/openapi.json", code: 200, contains: []string{`"openapi": "3.1.0"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, link, body := call(t, http.MethodGet, base+tt.path, tt.token, nil)
			if code != tt.code {
				t.Fatalf("GET %s: %d %s; want %d", tt.path, code, body, tt.code)
			}
			for _, s := range tt.contains {
				if !strings.Contains(string(body), s) {
					t.Errorf("GET %s lacks %s\n%s", tt.path, s, body)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(string(body), s) {
					t.Errorf("GET %s shows %s\n%s", tt.path, s, body)
				}
			}
			if tt.link != "" && !strings.Contains(link, tt.link) {
				t.Errorf("GET %s: Link %q; want %q", tt.path, link, tt.link)
			}
		})
	}
	t.Run("remote communities on B", func(t *testing.T) {
		code, _, body := call(t, http.MethodGet, b.URL+"/api/copse/v1/communities?remote=true", "", nil)
		if code != 200 || !strings.Contains(string(body), `"acct":"libraries@`+a.Host+`"`) {
			t.Errorf("remote communities on B: %d %s", code, body)
		}
	})
	t.Run("next page follows on", func(t *testing.T) {
		_, link, _ := call(t, http.MethodGet, base+"/communities/"+id+"/members?limit=2", "", nil)
		next := strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
		code, _, body := call(t, http.MethodGet, next, "", nil)
		var got []map[string]any
		if code != 200 || json.Unmarshal(body, &got) != nil || len(got) != 1 {
			t.Errorf("GET %s: %d %s; want the last member", next, code, body)
		}
	})
}

func mustID(t *testing.T, s string) storage.ID {
	t.Helper()
	id, err := storage.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBodyValuesBounded: a member's JSON body of 8 MiB of empty strings
// is refused (413, with an error) before it is decoded, costing the node
// a few times the body, not hundreds of megabytes; an ordinary body of a
// few hundred values is taken.
func TestBodyValuesBounded(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	token := n.Token(alice)
	ok := []byte(`{"handle":"libraries","name":"Libraries","description":"` + strings.Repeat("Shelving. ", 300) + `"}`)
	api := n.URL + "/api/copse/v1"
	code, _, body := call(t, http.MethodPost, api+"/communities", token, ok)
	var c struct{ ID string }
	if code != http.StatusOK || json.Unmarshal(body, &c) != nil {
		t.Fatalf("an ordinary body: %d %s; want it taken", code, body)
	}
	huge := []byte(`{"title":"Weeding","body":"How we weed.","tags":[` + strings.Repeat(`"",`, 8<<20/3-20) + `""]}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code, _, body = call(t, http.MethodPost, api+"/communities/"+c.ID+"/artefacts", token, huge)
	runtime.ReadMemStats(&after)
	var e struct{ Error string }
	if code != http.StatusRequestEntityTooLarge || json.Unmarshal(body, &e) != nil || e.Error == "" {
		t.Errorf("8 MiB of tiny values: %d %.200s; want 413 with an error", code, body)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("refusing %d MiB allocated %d MiB in this process; want under 64 MiB", len(huge)>>20, got>>20)
	}
}
