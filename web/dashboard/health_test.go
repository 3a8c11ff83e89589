package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
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
	if page := b.page("/admin/health"); !strings.Contains(page, "Nothing is waiting") || !strings.Contains(page, "This server sends no mail") {
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

// TestHealthShowsMailQueue: with the SMTP server down, a member's
// mention mail waits, and the health page says so with the reason.
func TestHealthShowsMailQueue(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, func(c *node.Config) {
		c.SMTP = federation.MailConfig{Host: "127.0.0.1", Port: 1, Security: federation.MailNone, From: "copse@council-a.example"}
	})
	mod, ann := n.Member("mod", false), n.Member("ann", false)
	if err := n.Engine.SetRole(context.Background(), "mod", storage.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.Post(context.Background(), mod.ID, federation.Draft{Text: "@ann are you in today?"}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "the mail fails once", func() bool {
		q, err := n.Store.QueuedMail(context.Background(), 10)
		return err == nil && len(q) == 1 && q[0].Attempts > 0 && q[0].AccountID == ann.ID
	})
	page := signedIn(t, n, "mod").page("/admin/health")
	for _, want := range []string{"<strong>1</strong> mails waiting", "<strong>1</strong> of them have failed at least once",
		"connection refused"} {
		if !strings.Contains(page, want) {
			t.Errorf("health page lacks %q:\n%s", want, page)
		}
	}
}
