package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
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
	// A new token is no new budget for the member; another member, and
	// the anonymous address, have budgets of their own.
	if code, _, _ := call(t, http.MethodGet, endpoint, n.Token(alice), nil, nil); code != http.StatusTooManyRequests {
		t.Errorf("the member's second token: %d; want 429", code)
	}
	if code, _, _ := call(t, http.MethodGet, endpoint, n.Token(n.Member("bob", false)), nil, nil); code != http.StatusOK {
		t.Errorf("another member: %d", code)
	}
	if code, _, _ := call(t, http.MethodGet, endpoint, "", nil, nil); code != http.StatusOK {
		t.Errorf("anonymous: %d", code)
	}
}

// yearWindow is a rate limit window no test run crosses the end of.
const yearWindow = 365 * 24 * time.Hour

// from sends req as if from addr, through the node's reverse proxy.
func from(req *http.Request, addr string) *http.Request {
	req.Header.Set("X-Forwarded-For", addr)
	return req
}

// TestRateLimitMembersBehindOneAddress checks that members sharing an
// office's address keep a budget each, and do not spend the address's.
func TestRateLimitMembersBehindOneAddress(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Tuning.RateLimitRequests = 300
		c.Tuning.RateLimitWindow = yearWindow
	})
	const office = "203.0.113.7"
	endpoint := n.URL + "/api/v1/accounts/verify_credentials"
	tokens := []string{n.Token(n.Member("alice", false)), n.Token(n.Member("bob", false))}
	for i, tok := range tokens {
		for j := range 300 {
			if code, _, raw := send(t, from(request(t, http.MethodGet, endpoint, tok, nil), office), nil); code != http.StatusOK {
				t.Fatalf("member %d, request %d from the office: %d %s; want 200 (300 each)", i+1, j+1, code, raw)
			}
		}
		if code, _, _ := send(t, from(request(t, http.MethodGet, endpoint, tok, nil), office), nil); code != http.StatusTooManyRequests {
			t.Errorf("member %d, request 301: %d; want 429", i+1, code)
		}
	}
	code, h, _ := send(t, from(request(t, http.MethodGet, n.URL+"/api/v1/instance", "", nil), office), nil)
	if code != http.StatusOK || h.Get("X-RateLimit-Remaining") != "299" {
		t.Errorf("anonymous from the office: %d, remaining %q; want 200, 299 (members spend their own)",
			code, h.Get("X-RateLimit-Remaining"))
	}
}

// TestRateLimitAppTokensDoNotMultiply checks that tokens minted with
// client_credentials spend their address's budget, so minting more buys
// no more requests, and that an address may mint only a few.
func TestRateLimitAppTokensDoNotMultiply(t *testing.T) {
	const budget = 20
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Tuning.RateLimitRequests = budget
		c.Tuning.RateLimitWindow = yearWindow
	})
	const attacker = "198.51.100.9"
	var app testrig.App
	if code, _, raw := send(t, from(request(t, http.MethodPost, n.URL+"/api/v1/apps", "",
		url.Values{"client_name": {"Minter"}, "redirect_uris": {testrig.OOB}}), attacker), &app); code != http.StatusOK {
		t.Fatalf("register app: %d %s", code, raw)
	}
	granted, minted, answered := 1, 0, 0 // the registration was one request
	for range 3 * budget {
		var tok testrig.TokenAnswer
		code, _, _ := send(t, from(request(t, http.MethodPost, n.URL+"/oauth/token", "", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}), attacker), &tok)
		if code == http.StatusOK {
			granted++
			minted++
		}
		if tok.AccessToken == "" {
			continue
		}
		for range budget {
			if code, _, _ := send(t, from(request(t, http.MethodGet, n.URL+"/api/v1/apps/verify_credentials", tok.AccessToken, nil), attacker), nil); code == http.StatusOK {
				granted++
				answered++
			}
		}
	}
	t.Logf("%d tokens minted, %d requests answered with them", minted, answered)
	if granted > budget {
		t.Errorf("%d requests granted from one address; want at most its budget of %d", granted, budget)
	}
	if minted > 5 {
		t.Errorf("%d app tokens minted from one address; want at most 5", minted)
	}
	// Another address is not held back.
	if code, _, _ := send(t, from(request(t, http.MethodGet, n.URL+"/api/v1/instance", "", nil), "198.51.100.10"), nil); code != http.StatusOK {
		t.Errorf("another address: %d", code)
	}
}

// TestAppRegistrationLimit checks Mastodon's limit of 5 app registrations
// per 10 minutes per address: the 6th is refused with 429 until the
// window has passed, and an IPv6 client cannot escape it by moving
// within its /64.
func TestAppRegistrationLimit(t *testing.T) {
	n := testrig.StartOne(t, nil)
	register := func(addr string) (int, http.Header) {
		t.Helper()
		code, h, _ := send(t, from(request(t, http.MethodPost, n.URL+"/api/v1/apps", "",
			url.Values{"client_name": {"App"}, "redirect_uris": {testrig.OOB}}), addr), nil)
		return code, h
	}
	tests := []struct {
		name string
		addr string
		want int
	}{
		{"1st", "192.0.2.1", 200}, {"2nd", "192.0.2.1", 200}, {"3rd", "192.0.2.1", 200},
		{"4th", "192.0.2.1", 200}, {"5th", "192.0.2.1", 200}, {"6th", "192.0.2.1", 429},
		{"another address", "192.0.2.2", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h := register(tt.addr)
			if code != tt.want {
				t.Fatalf("%d; want %d", code, tt.want)
			}
			if code == http.StatusTooManyRequests && (h.Get("Retry-After") == "" || h.Get("X-RateLimit-Limit") != "5" ||
				h.Get("X-RateLimit-Remaining") != "0") {
				t.Errorf("429 headers: Retry-After %q, limit %q, remaining %q", h.Get("Retry-After"),
					h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"))
			}
		})
	}
	t.Run("IPv6 /64", func(t *testing.T) {
		for i := range 5 {
			if code, _ := register("2001:db8:1:2::" + string(rune('a'+i))); code != http.StatusOK {
				t.Fatalf("registration %d: %d", i+1, code)
			}
		}
		if code, _ := register("2001:db8:1:2:ffff::1"); code != http.StatusTooManyRequests {
			t.Errorf("6th from the same /64: %d; want 429", code)
		}
	})
	t.Run("after 10 minutes", func(t *testing.T) {
		n.Clock.Advance(10*time.Minute + time.Second)
		if code, _ := register("192.0.2.1"); code != http.StatusOK {
			t.Errorf("%d; want 200", code)
		}
	})
}

// TestAppTokensExpireUnused checks that an app-only token stops working
// once unused for a week, that using it keeps it alive, and that a
// member's token does not expire.
func TestAppTokensExpireUnused(t *testing.T) {
	n := testrig.StartOne(t, nil)
	member := n.Token(n.Member("alice", false))
	app := testrig.RegisterApp(t, n, testrig.OOB, "read")
	mint := func() string {
		t.Helper()
		code, tok := testrig.PostToken(t, n, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
			"client_secret": {app.ClientSecret}})
		if code != http.StatusOK {
			t.Fatalf("client_credentials: %d %+v", code, tok)
		}
		return tok.AccessToken
	}
	idle, used := mint(), mint()
	use := func(tok string) int {
		t.Helper()
		code, _, _ := call(t, http.MethodGet, n.URL+"/api/v1/apps/verify_credentials", tok, nil, nil)
		return code
	}
	day := 24 * time.Hour
	n.Clock.Advance(6 * day)
	if code := use(used); code != http.StatusOK {
		t.Fatalf("app token after 6 days: %d", code)
	}
	n.Clock.Advance(2 * day)
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"unused for 8 days", idle, http.StatusUnauthorized},
		{"used 2 days ago", used, http.StatusOK},
		{"member's, 8 days on", member, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := use(tt.token); code != tt.want {
				t.Errorf("%d; want %d", code, tt.want)
			}
		})
	}
}

// TestPostsPerMemberLimit: as on Mastodon, a member posts at most 300
// statuses in 3 hours, whatever the request budget; the 301st is 429
// with Retry-After and an error saying so, and another member posts.
func TestPostsPerMemberLimit(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Tuning.NoActionLimits = false
		c.Tuning.RateLimitRequests = 1 << 20
	})
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	token := n.Token(alice)
	for i := range 300 {
		if code, _, body := call(t, http.MethodPost, n.URL+"/api/v1/statuses", token, url.Values{"status": {"post " + strconv.Itoa(i)}}, nil); code != http.StatusOK {
			t.Fatalf("post %d: %d %s", i+1, code, body)
		}
	}
	var refused struct{ Error string }
	code, h, _ := call(t, http.MethodPost, n.URL+"/api/v1/statuses", token, url.Values{"status": {"one too many"}}, &refused)
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.Contains(refused.Error, "300 posts") {
		t.Errorf("the 301st post: %d, Retry-After %q, %q; want 429 saying at most 300 posts", code, h.Get("Retry-After"), refused.Error)
	}
	if code, _, body := call(t, http.MethodPost, n.URL+"/api/v1/statuses", n.Token(bob), url.Values{"status": {"bob's"}}, nil); code != http.StatusOK {
		t.Errorf("another member's post: %d %s", code, body)
	}
}
