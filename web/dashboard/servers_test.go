package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// TestServersShowWhatEachRuns: the servers page lists each server the
// node asked, what it runs, and how a community here treats it: the
// announces it is sent and the key deliveries there are signed with.
func TestServersShowWhatEachRuns(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		for _, in := range []storage.Instance{
			{Host: "council-b.example", Software: "copse", Version: "0.11", FetchedAt: at},
			{Host: "social.council-c.example", Software: "mastodon", Version: "4.3.2", FetchedAt: at},
			{Host: "lemmy.example", Software: "lemmy", Version: "0.19.8", FetchedAt: at},
			{Host: "down.example", Failed: true, FetchedAt: at},
		} {
			if err := tx.PutInstance(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	page := signedIn(t, n, "mod").page("/admin/servers")
	rows := map[string][]string{
		"council-b.example":        {"copse 0.11", "1 Dec 2026, 09:30 UTC", "group-aware", "Ed25519"},
		"social.council-c.example": {"mastodon 4.3.2", "mastodon-like", "A boost of each new thread", "RSA"},
		"lemmy.example":            {"lemmy 0.19.8", "group-aware", "as received", "RSA"},
		"down.example":             {"Not known: its NodeInfo could not be read", "unknown", "Both:", "RSA"},
	}
	for host, want := range rows {
		i := strings.Index(page, "<td>"+host+"</td>")
		if i < 0 {
			t.Errorf("no row for %s:\n%s", host, page)
			continue
		}
		row, _, _ := strings.Cut(page[i:], "</tr>")
		for _, w := range want {
			if !strings.Contains(row, w) {
				t.Errorf("row of %s lacks %q: %s", host, w, row)
			}
		}
	}
	if i, j := strings.Index(page, "council-b.example"), strings.Index(page, "social.council-c.example"); i > j {
		t.Error("servers are not listed by name")
	}
}
