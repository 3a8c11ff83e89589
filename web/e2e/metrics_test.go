package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// TestMetrics scrapes a node's Prometheus metrics after it has answered
// requests and delivered a post to a peer.
func TestMetrics(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789"
	a := testrig.StartOne(t, func(c *node.Config) { c.MetricsToken = token })
	b := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	follow(t, b, bob, a, "alice")
	st := post(t, a, alice, "Minutes of the enquiries meeting", activitypub.Public)
	testrig.Eventually(t, wait, "the post on B", func() bool { return b.HomeHas(bob.ID, st.URI) })

	scrape := func(n *testrig.Node, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, n.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := scrape(a, ""); code != http.StatusUnauthorized {
		t.Errorf("scrape without the token: %d; want 401", code)
	}
	if code, _ := scrape(a, "a guess that is long enough"); code != http.StatusUnauthorized {
		t.Errorf("scrape with a wrong token: %d; want 401", code)
	}
	if code, _ := scrape(b, token); code != http.StatusNotFound {
		t.Errorf("scrape of a node configured without metrics: %d; want 404", code)
	}
	if resp, err := http.Get(a.URL + "/api/v1/instance"); err == nil {
		resp.Body.Close()
	}
	var body string
	testrig.Eventually(t, wait, "the delivery to B counted", func() bool {
		var code int
		code, body = scrape(a, token)
		return code == http.StatusOK && strings.Contains(body, `copse_deliveries_total{host="`+b.Host+`",outcome="delivered"}`)
	})
	for _, want := range []string{
		`copse_http_requests_total{code="200",method="GET",route="/api/v1/instance"} 1`,
		`copse_http_request_duration_seconds_bucket{method="GET",route="/api/v1/instance",le="+Inf"} 1`,
		`copse_http_requests_total{code="202",method="POST",route="/users/{username}/inbox"}`,
		"copse_delivery_queue_depth ",
		"copse_inbox_queue_depth ",
		`copse_db_transaction_duration_seconds_count{kind="tx"}`,
		`copse_db_transaction_duration_seconds_count{kind="batch"}`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
