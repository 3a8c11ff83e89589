package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestSuggestions: a member is suggested colleagues of their own
// organisation and department first, then of their organisation, then
// people met in their communities, then others who let themselves be
// discovered; never someone they follow, block or who blocks them, nor
// someone hidden from discovery; one dismissed is not suggested again.
// v2 says why each is suggested; anyone not signed in gets 401.
func TestSuggestions(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	people := map[string]storage.Account{}
	for _, p := range []struct {
		name, org, dept string
		discoverable    bool
	}{
		{"ann", "Hampshire County Council", "Libraries", true},
		{"bea", "Hampshire County Council", "Libraries", true},
		{"cal", "Hampshire County Council", "Archives", true},
		{"dee", "Devon County Council", "Libraries", true},
		{"eve", "Kent County Council", "Museums", true},
		{"fay", "Hampshire County Council", "Libraries", false},
		{"gus", "Hampshire County Council", "Libraries", true},
		{"hal", "Hampshire County Council", "Libraries", true},
		{"ivy", "Hampshire County Council", "Libraries", true},
	} {
		a := n.Member(p.name, false)
		a, err := n.Engine.UpdateProfile(ctx, a.ID, federation.Profile{DisplayName: p.name, Organisation: p.org,
			Department: p.dept, Discoverable: p.discoverable})
		if err != nil {
			t.Fatal(err)
		}
		people[p.name] = a
	}
	ann := people["ann"]
	g, err := n.Engine.CreateCommunity(ctx, ann, federation.NewCommunity{Handle: "reading", Name: "Reading groups"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, people["dee"].ID, g.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, ann.ID, people["gus"].ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Block(ctx, ann.ID, people["hal"].ID); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Block(ctx, people["ivy"].ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	token := n.Token(ann)
	type suggestion struct {
		Source  string
		Sources []string
		Account struct{ Username string }
	}
	v2 := func() []suggestion {
		t.Helper()
		var out []suggestion
		if code, _, raw := call(t, http.MethodGet, n.URL+"/api/v2/suggestions", token, nil, &out); code != http.StatusOK {
			t.Fatalf("suggestions: %d %s", code, raw)
		}
		return out
	}
	names := func(list []suggestion) []string {
		var out []string
		for _, s := range list {
			out = append(out, s.Account.Username)
		}
		return out
	}
	got := v2()
	want := []string{"bea", "cal", "dee", "eve"}
	if len(got) != len(want) {
		t.Fatalf("suggested %v; want %v", names(got), want)
	}
	why := []string{"featured", "featured", "similar_to_recently_followed", "most_followed"}
	for i := range want {
		if got[i].Account.Username != want[i] || len(got[i].Sources) != 1 || got[i].Sources[0] != why[i] {
			t.Fatalf("suggested %v (%+v); want %v for %v", names(got), got, want, why)
		}
	}
	if code, _, raw := call(t, http.MethodDelete, n.URL+"/api/v1/suggestions/"+people["eve"].ID.String(), token, nil, nil); code != http.StatusOK {
		t.Fatalf("dismiss: %d %s", code, raw)
	}
	var v1 []struct{ Username string }
	if code, _, raw := call(t, http.MethodGet, n.URL+"/api/v1/suggestions?limit=2", token, nil, &v1); code != http.StatusOK ||
		len(v1) != 2 || v1[0].Username != "bea" || v1[1].Username != "cal" {
		t.Fatalf("v1 suggestions, two: %d %s", code, raw)
	}
	if got := names(v2()); len(got) != 3 || got[2] != "dee" {
		t.Errorf("after dismissing eve: %v", got)
	}
	for _, tt := range []struct {
		name, method, url, token string
		code                     int
	}{
		{"nobody signed in", http.MethodGet, n.URL + "/api/v2/suggestions", "", http.StatusUnauthorized},
		{"a bad limit", http.MethodGet, n.URL + "/api/v2/suggestions?limit=x", token, http.StatusBadRequest},
		{"dismissing nobody", http.MethodDelete, n.URL + "/api/v1/suggestions/12345", token, http.StatusNotFound},
	} {
		if code, _, raw := call(t, tt.method, tt.url, tt.token, nil, nil); code != tt.code {
			t.Errorf("%s: %d %s; want %d", tt.name, code, raw, tt.code)
		}
	}
}
