package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/web/testrig"
)

// TestIdempotencyKeyAfterRefusal: a request refused keeps no key, so the
// corrected retry with the same key posts; the retry after that answers
// the same status.
func TestIdempotencyKeyAfterRefusal(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ta := n.Token(alice)
	post := func(form url.Values) (int, string) {
		t.Helper()
		var st struct {
			ID string `json:"id"`
		}
		req := request(t, "POST", n.URL+"/api/v1/statuses", ta, form)
		req.Header.Set("Idempotency-Key", "retry-me")
		code, _, _ := send(t, req, &st)
		return code, st.ID
	}
	if code, _ := post(url.Values{"status": {"x"}, "visibility": {"nonsense"}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("a refused post: %d; want 422", code)
	}
	code, first := post(url.Values{"status": {"fixed"}})
	if code != http.StatusOK || first == "" {
		t.Fatalf("the corrected retry: %d %q", code, first)
	}
	if code, again := post(url.Values{"status": {"fixed"}}); code != http.StatusOK || again != first {
		t.Errorf("the next retry: %d %q; want %s", code, again, first)
	}
	if c, _ := n.Store.CountStatuses(context.Background(), alice.ID, []activitypub.Visibility{activitypub.Public}); c != 1 {
		t.Errorf("alice has %d statuses; want 1", c)
	}
}
