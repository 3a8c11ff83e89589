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
	endpoint := n.URL + "/api/v1/instance"
	for i, want := range []struct {
		code      int
		remaining string
	}{{200, "2"}, {200, "1"}, {200, "0"}, {429, "0"}} {
		code, h, _ := call(t, http.MethodGet, endpoint, token, nil, nil)
		if code != want.code || h.Get("X-RateLimit-Remaining") != want.remaining ||
			h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d: %d, remaining %q, limit %q, reset %q", i+1, code,
				h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Reset"))
		}
		if code == http.StatusTooManyRequests && h.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// Another token, and the anonymous address, have budgets of their own.
	if code, _, _ := call(t, http.MethodGet, endpoint, n.Token(alice), nil, nil); code != http.StatusOK {
		t.Errorf("a second token: %d", code)
	}
	if code, _, _ := call(t, http.MethodGet, endpoint, "", nil, nil); code != http.StatusOK {
		t.Errorf("anonymous: %d", code)
	}
}
