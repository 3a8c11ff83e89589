package copseapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestHostileSearchQueriesAreAnsweredOrRefused: what a query may hold that
// FTS5 would read as syntax, or that is merely enormous, gives hits or a
// 4xx with a JSON error, never a 500, on every route that searches.
func TestHostileSearchQueriesAreAnsweredOrRefused(t *testing.T) {
	a := testrig.Start(t, 1)[0]
	alice := a.Member("alice", false)
	id := create(t, a, alice, map[string]any{"handle": "roads", "name": "Roads"})
	if _, err := a.Engine.CreateArtefact(context.Background(), alice, mustID(t, id),
		federation.NewArtefact{Title: "Winter gritting plan", Body: "Salt the *hills* first."}); err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{
		"FTS5 operators":      `gritting AND NOT OR NEAR(a b, 3) col:x ^a`,
		"unclosed NEAR":       `NEAR(gritting`,
		"prefix stars":        `* gr* *** "*"`,
		"unbalanced quotes":   `"gritting "plan`,
		"a lone quote":        `"`,
		"NUL":                 "grit\x00ting",
		"parentheses":         `((((gritting`,
		"only punctuation":    `-"" ^ : ( ) *`,
		"minus only":          `-gritting`,
		"at the length limit": strings.Repeat("a ", federation.MaxSearchQuery/2),
		"100,000 characters":  strings.Repeat("x", 100_000),
		"thousands of terms":  strings.Repeat("gritting ", 3_000),
		"a long phrase":       `"` + strings.Repeat("w ", 240) + `"`,
		"invalid UTF-8":       "grit\xff\xfeting",
	}
	routes := map[string]string{
		"community":  a.URL + "/api/copse/v1/communities/" + id + "/search?q=",
		"node-wide":  a.URL + "/api/copse/v1/search?q=",
		"client API": a.URL + "/api/v2/search?q=",
	}
	for route, prefix := range routes {
		for name, q := range queries {
			t.Run(route+"/"+name, func(t *testing.T) {
				code, _, body := call(t, http.MethodGet, prefix+url.QueryEscape(q), a.Token(alice), nil)
				switch {
				case code == http.StatusOK:
				case code >= 400 && code < 500:
					if !strings.Contains(string(body), `"error"`) {
						t.Errorf("%d without a JSON error: %.200s", code, body)
					}
				default:
					t.Errorf("%d %.200s; want 200 or a 4xx", code, body)
				}
			})
		}
	}
	// The community's search page answers the same queries with a page.
	for name, q := range queries {
		t.Run("page/"+name, func(t *testing.T) {
			resp, err := http.Get(a.URL + "/c/roads/search?q=" + url.QueryEscape(q))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
				t.Errorf("%d; want 200 or a 4xx", resp.StatusCode)
			}
		})
	}
}

// TestHostileListParametersAreRefusedOrClamped: limit, max_id, offset and
// after with negative, huge or non-numeric values give a page or a 4xx,
// never a 500, on the copse API's lists.
func TestHostileListParametersAreRefusedOrClamped(t *testing.T) {
	a := testrig.Start(t, 1)[0]
	alice := a.Member("alice", false)
	id := create(t, a, alice, map[string]any{"handle": "roads", "name": "Roads"})
	art, err := a.Engine.CreateArtefact(context.Background(), alice, mustID(t, id), federation.NewArtefact{Title: "Plan"})
	if err != nil {
		t.Fatal(err)
	}
	base := a.URL + "/api/copse/v1"
	lists := []string{
		"/communities", "/communities/" + id + "/members", "/communities/" + id + "/organisations",
		"/communities/" + id + "/moderators", "/communities/" + id + "/threads", "/communities/" + id + "/artefacts",
		"/communities/" + id + "/glossary", "/communities/" + id + "/events", "/communities/" + id + "/moderation_log",
		"/communities/" + id + "/join_requests", "/communities/" + id + "/reports", "/artefacts/" + art.ID.String() + "/versions",
		"/directory", "/search?q=plan", "/communities/" + id + "/search?q=plan",
	}
	values := []string{"-1", "0", "-9223372036854775808", "9223372036854775807", "99999999999999999999999", "abc", "1e9", "0x10", "%00", "1.5", " 3"}
	for _, l := range lists {
		for _, p := range []string{"limit", "max_id", "offset", "after", "since_id", "min_id"} {
			for _, v := range values {
				sep := "?"
				if strings.Contains(l, "?") {
					sep = "&"
				}
				u := base + l + sep + p + "=" + url.QueryEscape(v)
				code, _, body := call(t, http.MethodGet, u, a.Token(alice), nil)
				if code >= 500 {
					t.Errorf("GET %s: %d %.200s; want a page or a 4xx", u, code, body)
				}
			}
		}
	}
}
