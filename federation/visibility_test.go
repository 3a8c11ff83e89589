package federation

import (
	"context"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A notification about a status its owner may no longer see (here: its
// author suspended since) is not pushed: push asks the visibility rule
// as every other path does. Before, it pushed the post's text.
func TestPushLeavesOutStatusesTheOwnerMayNotSee(t *testing.T) {
	t.Parallel()
	e := pushEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	tok := pushTokenOf(t, e, alice)
	p256dh, auth := appKeys(t)
	if _, err := e.SubscribePush(ctx, tok, "plain", PushRequest{Endpoint: "http://127.0.0.1:1/push/alice", P256dh: p256dh,
		Auth: auth, Alerts: []string{storage.NotifyMention}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, bob.ID, Draft{Text: "@alice the rota is out", Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}
	ns, err := e.store.NotificationPage(ctx, alice.ID, storage.NotificationFilter{}, storage.Page{Limit: 10})
	if err != nil || len(ns) != 1 {
		t.Fatalf("alice's notifications: %v, %v", ns, err)
	}
	tests := []struct {
		name     string
		suspend  bool
		wantPush bool
	}{
		{"author in good standing", false, true},
		{"author suspended", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.suspend {
				b, err := e.store.AccountByID(ctx, bob.ID)
				if err != nil {
					t.Fatal(err)
				}
				b.SuspendedAt = e.now()
				if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &b) }); err != nil {
					t.Fatal(err)
				}
			}
			pushes, err := e.pushesFor(ctx, alice.ID, ns[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(pushes) > 0; got != tt.wantPush {
				t.Errorf("pushed: %v; want %v", got, tt.wantPush)
			}
		})
	}
}
