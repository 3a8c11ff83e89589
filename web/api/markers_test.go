package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

type markerEntity struct {
	LastReadID string `json:"last_read_id"`
	Version    int
	UpdatedAt  string `json:"updated_at"`
}

func TestMarkersRoundTrip(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ta := n.Token(alice)
	endpoint := n.URL + "/api/v1/markers"

	var got map[string]markerEntity
	if code, _, _ := call(t, "GET", endpoint, ta, url.Values{"timeline[]": {"home", "notifications"}}, &got); code != http.StatusOK || len(got) != 0 {
		t.Fatalf("no markers yet = %d %v", code, got)
	}
	code, _, _ := call(t, "POST", endpoint, ta, url.Values{"home[last_read_id]": {"1001"}, "notifications[last_read_id]": {"2002"}}, &got)
	if code != http.StatusOK || got["home"].LastReadID != "1001" || got["home"].Version != 0 ||
		got["notifications"].LastReadID != "2002" || got["home"].UpdatedAt == "" {
		t.Fatalf("save = %d %+v", code, got)
	}
	// JSON, as masto.js sends it; only home changes.
	got = nil
	if code, _, _ := call(t, "POST", endpoint, ta, map[string]any{"home": map[string]any{"last_read_id": "1005"}}, &got); code != http.StatusOK ||
		len(got) != 1 || got["home"].LastReadID != "1005" || got["home"].Version != 1 {
		t.Fatalf("move home = %d %+v", code, got)
	}
	call(t, "POST", endpoint, ta, url.Values{"home[last_read_id]": {"1009"}}, nil)
	got = nil
	if code, _, _ := call(t, "GET", endpoint, ta, url.Values{"timeline[]": {"home", "notifications"}}, &got); code != http.StatusOK ||
		got["home"].LastReadID != "1009" || got["home"].Version != 2 || got["notifications"].Version != 0 {
		t.Errorf("markers = %d %+v", code, got)
	}
	got = nil
	if call(t, "GET", endpoint, ta, url.Values{"timeline[]": {"notifications"}}, &got); len(got) != 1 || got["notifications"].LastReadID != "2002" {
		t.Errorf("notifications marker alone = %+v", got)
	}
	got = nil
	if call(t, "GET", endpoint, n.Token(bob), url.Values{"timeline[]": {"home"}}, &got); len(got) != 0 {
		t.Errorf("bob's markers = %+v; want none", got)
	}
	if code, _, _ := call(t, "POST", endpoint, ta, url.Values{"home[last_read_id]": {"latest"}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("a marker that is no ID: %d; want 422", code)
	}
	if code, _, _ := call(t, "POST", endpoint, n.Token(alice, "read"), url.Values{"home[last_read_id]": {"1"}}, nil); code != http.StatusForbidden {
		t.Errorf("save with a read-only token: %d; want 403", code)
	}
}
