package copseapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityReportsAPI: the community's queue is its moderators',
// with its errors, and a moderator added through the API works it.
func TestCommunityReportsAPI(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, dave := n.Member("alice", false), n.Member("bob", false), n.Member("dave", false)
	id := create(t, n, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	gid, err := storage.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, bob.ID, gid, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "@libraries buy cheap watches"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Store.CommunityOfStatus(ctx, st.ID); err != nil {
		t.Fatalf("the post is not in the community: %v", err)
	}
	rep, err := n.Engine.Report(ctx, dave, federation.NewReport{TargetID: bob.ID, StatusIDs: []storage.ID{st.ID}, Comment: "Spam"})
	if err != nil {
		t.Fatal(err)
	}
	queue := n.URL + "/api/copse/v1/communities/" + id + "/reports"
	one := queue + "/" + rep.ID.String()
	for _, tt := range []struct {
		name, method, url, token string
		body                     any
		code                     int
	}{
		{"no token", "GET", queue, "", nil, http.StatusUnauthorized},
		{"a member who moderates nothing", "GET", queue, n.Token(dave), nil, http.StatusForbidden},
		{"an unknown community", "GET", n.URL + "/api/copse/v1/communities/999/reports", n.Token(alice), nil, http.StatusNotFound},
		{"a state that is none", "GET", queue + "?state=closed", n.Token(alice), nil, http.StatusUnprocessableEntity},
		{"an unknown report", "GET", queue + "/12345", n.Token(alice), nil, http.StatusNotFound},
		{"an unknown action", "POST", one + "/resolve", n.Token(alice), map[string]any{"action": "exploded"}, http.StatusUnprocessableEntity},
		{"a note without text", "POST", one + "/notes", n.Token(alice), map[string]any{}, http.StatusUnprocessableEntity},
		{"a non-moderator adds a moderator", "POST", n.URL + "/api/copse/v1/communities/" + id + "/moderators/" + dave.ID.String(), n.Token(bob), nil, http.StatusForbidden},
		{"removing the last moderator", "DELETE", n.URL + "/api/copse/v1/communities/" + id + "/moderators/" + alice.ID.String(), n.Token(alice), nil, http.StatusUnprocessableEntity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := call(t, tt.method, tt.url, tt.token, tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if code != tt.code || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("answer %d %s; want %d with an error", code, body, tt.code)
			}
		})
	}
	code, _, body := call(t, "POST", n.URL+"/api/copse/v1/communities/"+id+"/moderators/"+dave.ID.String(), n.Token(alice), nil)
	var mods []struct {
		ID string `json:"id"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &mods) != nil || len(mods) != 2 {
		t.Fatalf("add dave: %d %s", code, body)
	}
	var got []struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		Comment  string `json:"comment"`
		Reporter struct {
			ID string `json:"id"`
		} `json:"reporter"`
		Statuses []struct {
			ID string `json:"id"`
		} `json:"statuses"`
	}
	code, _, body = call(t, "GET", queue, n.Token(dave), nil)
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got) != 1 || got[0].ID != rep.ID.String() ||
		got[0].Comment != "Spam" || got[0].Reporter.ID != dave.ID.String() || len(got[0].Statuses) != 1 {
		t.Fatalf("queue = %d %s", code, body)
	}
	code, _, body = call(t, "POST", one+"/resolve", n.Token(dave), map[string]any{"action": "removed", "reason": "Advertising"})
	if code != http.StatusOK {
		t.Fatalf("resolve: %d %s", code, body)
	}
	code, _, body = call(t, "GET", queue, n.Token(dave), nil)
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got) != 0 {
		t.Errorf("open reports after resolving = %d %s", code, body)
	}
	code, _, body = call(t, "GET", queue+"?state=all", n.Token(alice), nil)
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got) != 1 || got[0].State != "resolved" {
		t.Errorf("all reports = %d %s", code, body)
	}
	code, _, body = call(t, "DELETE", n.URL+"/api/copse/v1/communities/"+id+"/moderators/"+dave.ID.String(), n.Token(alice), nil)
	if code != http.StatusOK || json.Unmarshal(body, &mods) != nil || len(mods) != 1 {
		t.Fatalf("remove dave: %d %s", code, body)
	}
	if code, _, _ := call(t, "GET", queue, n.Token(dave), nil); code != http.StatusForbidden {
		t.Errorf("a removed moderator reads the queue: %d", code)
	}
}
