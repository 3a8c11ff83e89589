package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

func TestRateLimit(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Tuning.RateLimitRequests = 3
		c.Tuning.RateLimitWindow = time.Hour
	})
	alice := n.Member("alice", false)
	token := n.Token(alice)
	get := func(token string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, n.URL+"/api/v1/instance", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i, want := range []struct {
		code      int
		remaining string
	}{{200, "2"}, {200, "1"}, {200, "0"}, {429, "0"}} {
		resp := get(token)
		if resp.StatusCode != want.code || resp.Header.Get("X-RateLimit-Remaining") != want.remaining ||
			resp.Header.Get("X-RateLimit-Limit") != "3" || resp.Header.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d: %d, remaining %q, limit %q, reset %q", i+1, resp.StatusCode,
				resp.Header.Get("X-RateLimit-Remaining"), resp.Header.Get("X-RateLimit-Limit"), resp.Header.Get("X-RateLimit-Reset"))
		}
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// Another token, and the anonymous address, have budgets of their own.
	if resp := get(n.Token(alice)); resp.StatusCode != http.StatusOK {
		t.Errorf("a second token: %d", resp.StatusCode)
	}
	if resp := get(""); resp.StatusCode != http.StatusOK {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}
