package copseapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestSearch: a community's artefacts, glossary and events found through
// the API, with filters (an event with its start and place); a members-only community searched by its member
// only, on its own route and node-wide; bad queries answered 422.
func TestSearch(t *testing.T) {
	a := testrig.Start(t, 1)[0]
	ctx := context.Background()
	alice := a.Member("alice", false)
	stranger := a.Member("stranger", false)
	id := create(t, a, alice, map[string]any{"handle": "roads", "name": "Roads"})
	secret := create(t, a, alice, map[string]any{"handle": "hidden", "name": "Hidden", "visibility": "members"})
	plan, err := a.Engine.CreateArtefact(ctx, alice, mustID(t, id), federation.NewArtefact{Title: "Winter gritting plan",
		Summary: "Which roads come first", Tags: []string{"highways"}, Organisation: "Hampshire County Council"})
	if err != nil {
		t.Fatal(err)
	}
	term, err := a.Engine.CreateTerm(ctx, alice, mustID(t, id), federation.NewTerm{Term: "Gritter", Definition: "A lorry for **gritting**."})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := a.Engine.CreateArtefact(ctx, alice, mustID(t, secret), federation.NewArtefact{Title: "Gritting budget"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	briefing, err := a.Engine.CreateEvent(ctx, alice, mustID(t, id), federation.NewEvent{Name: "Gritting briefing", Start: start,
		End: start.Add(time.Hour), TimeZone: "UTC", PlaceName: "Winchester depot", Description: "Before the first frost."})
	if err != nil {
		t.Fatal(err)
	}
	hiddenEvent, err := a.Engine.CreateEvent(ctx, alice, mustID(t, secret), federation.NewEvent{Name: "Gritting budget meeting", Start: start,
		End: start.Add(time.Hour), TimeZone: "UTC", PlaceName: "Town Hall"})
	if err != nil {
		t.Fatal(err)
	}

	type hit struct{ ID, Type, Title, Snippet, URL, Organisation string }
	base := a.URL + "/api/copse/v1"
	tests := []struct {
		name, path, token string
		code              int
		want              []string // IDs in order
		contains          string
	}{
		{"a community, all types", "/communities/" + id + "/search?q=gritting", "", 200, []string{plan.ID.String(), term.ID.String(), briefing.ID.String()}, ""},
		{"only events", "/communities/" + id + "/search?q=gritting&type=event", "", 200, []string{briefing.ID.String()},
			`"type":"event","community_id":"` + id + `","title":"Gritting briefing"`},
		{"an event by its place, with its start and place", "/communities/" + id + "/search?q=winchester", "", 200, []string{briefing.ID.String()},
			`"starts_at":"` + start.Format(time.RFC3339) + `","place":"Winchester depot"`},
		{"an event by its description", "/communities/" + id + "/search?q=frost&type=event", "", 200, []string{briefing.ID.String()}, `"snippet":"Before the first frost."`},
		{"members-only events, a stranger", "/search?q=gritting&type=event", a.Token(stranger), 200, []string{briefing.ID.String()}, ""},
		{"members-only events, a member", "/search?q=gritting&type=event", a.Token(alice), 200, []string{hiddenEvent.ID.String(), briefing.ID.String()}, ""},
		{"only terms", "/communities/" + id + "/search?q=gritting&type=term", "", 200, []string{term.ID.String()}, ""},
		{"by tag", "/communities/" + id + "/search?q=gritting&tag=highways", "", 200, []string{plan.ID.String()}, ""},
		{"by organisation", "/communities/" + id + "/search?q=gritting&organisation=" + url.QueryEscape("hampshire county council"), "", 200, []string{plan.ID.String()}, ""},
		{"by another organisation", "/communities/" + id + "/search?q=gritting&organisation=Surrey", "", 200, []string{}, ""},
		{"a snippet of the summary", "/communities/" + id + "/search?q=roads", "", 200, []string{plan.ID.String()}, `"snippet":"Which roads come first"`},
		{"limit", "/communities/" + id + "/search?q=gritting&limit=1", "", 200, []string{plan.ID.String()}, ""},
		{"members-only, anonymous", "/communities/" + secret + "/search?q=gritting", "", 403, nil, "members"},
		{"members-only, a stranger", "/communities/" + secret + "/search?q=gritting", a.Token(stranger), 403, nil, "members"},
		{"members-only, its moderator", "/communities/" + secret + "/search?q=gritting", a.Token(alice), 200, []string{hidden.ID.String(), hiddenEvent.ID.String()}, ""},
		{"node-wide, anonymous", "/search?q=gritting&type=artefact", "", 200, []string{plan.ID.String()}, ""},
		{"node-wide, a stranger", "/search?q=gritting&type=artefact", a.Token(stranger), 200, []string{plan.ID.String()}, ""},
		{"node-wide, a member", "/search?q=gritting&type=artefact", a.Token(alice), 200, []string{hidden.ID.String(), plan.ID.String()}, ""},
		{"blank query", "/search?q=", "", 422, nil, "q can't be blank"},
		{"bad type", "/communities/" + id + "/search?q=x&type=person", "", 422, nil, "type"},
		{"bad limit", "/communities/" + id + "/search?q=x&limit=many", "", 422, nil, "limit"},
		{"not a community", "/communities/999999/search?q=x", "", 404, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := call(t, http.MethodGet, base+tt.path, tt.token, nil)
			if code != tt.code {
				t.Fatalf("%s: %d %s; want %d", tt.path, code, body, tt.code)
			}
			if tt.contains != "" && !strings.Contains(string(body), tt.contains) {
				t.Errorf("body %s lacks %s", body, tt.contains)
			}
			if tt.want == nil {
				return
			}
			var hits []hit
			if err := json.Unmarshal(body, &hits); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			got := []string{}
			for _, h := range hits {
				got = append(got, h.ID)
				if h.Type == "" || h.Title == "" || h.URL == "" {
					t.Errorf("hit %+v lacks a type, title or url", h)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("hits %v; want %v (%s)", got, tt.want, body)
			}
		})
	}
}
