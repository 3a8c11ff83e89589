package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestHealthShowsFailingHost takes a peer offline, follows one of its
// members, and checks that the health page shows the delivery waiting
// and failing for the peer's host, with the error.
func TestHealthShowsFailingHost(t *testing.T) {
	t.Parallel()
	n, accts := staff(t)
	peer := testrig.StartOne(t, nil)
	peer.Member("carol", false)
	ctx := context.Background()
	carol := n.Resolve(peer.Acct("carol"))
	b := signedIn(t, n, "mod")
	if page := b.page("/admin/health"); !strings.Contains(page, "Nothing is waiting") {
		t.Errorf("health with nothing queued:\n%s", page)
	}
	peer.SetOffline(true)
	if err := n.Engine.Follow(ctx, accts["alice"].ID, carol.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "the delivery to the peer fails", func() bool {
		hosts, err := n.Store.Reader().DeliveryHealth(ctx)
		return err == nil && len(hosts) > 0 && hosts[0].Host == peer.Host && hosts[0].Failing > 0
	})
	// Stop the retries, so the page and the store are read in the same state.
	n.StopWorkers()
	hosts, err := n.Store.Reader().DeliveryHealth(ctx)
	if err != nil || len(hosts) == 0 || hosts[0].Host != peer.Host || hosts[0].Failing == 0 || hosts[0].LastError == "" {
		t.Fatalf("health after stopping the workers: %+v %v", hosts, err)
	}
	h := hosts[0]
	page := b.page("/admin/health")
	for _, want := range []string{fmt.Sprintf("<td>%s</td><td>%d</td><td>%d</td>", h.Host, h.Queued, h.Failing),
		html.EscapeString(h.LastError), fmt.Sprintf("<strong>%d</strong> deliveries waiting", h.Queued)} {
		if !strings.Contains(page, want) {
			t.Errorf("health page lacks %q:\n%s", want, page)
		}
	}
}
