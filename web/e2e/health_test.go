package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

// TestHealth: /healthz answers 200 with the delivery queue while the
// database answers, and 503 once it does not.
func TestHealth(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	get := func() (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(n.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("decode: %v", err)
		}
		return resp.StatusCode, body
	}
	if code, body := get(); code != http.StatusOK || body["status"] != "ok" || body["deliveries_queued"] != float64(0) ||
		body["peers_failing"] != float64(0) {
		t.Errorf("healthy node: %d %v", code, body)
	}
	n.StopWorkers()
	if err := n.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := get(); code != http.StatusServiceUnavailable || body["status"] != "unavailable" {
		t.Errorf("node without its database: %d %v; want 503", code, body)
	}
}
