package e2e

import (
	"context"
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// Issue 14's "Speed": policy is checked on every inbox activity, and with
// 10,000 domain blocks and 1,000 allows the inbox must still apply at
// least 2,000 activities a second.
const (
	benchPolicyBlocks = 10_000
	benchPolicyAllows = 1_000
)

// BenchmarkInboxCreatePolicy is BenchmarkInboxCreate's mention shape on a
// node that holds benchPolicyBlocks domain blocks (a third of them
// limits, which the visibility rule reads for every mention) and
// benchPolicyAllows allows, in allow-list mode with the sender's node
// allowed: every POST is checked against the policy (the signer's host,
// before any signature work) and every applied note against the limits.
func BenchmarkInboxCreatePolicy(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	benchInboxCreate(b, benchMention, 0, loadBenchPolicy)
}

// loadBenchPolicy stores the blocks and allows in one transaction, then
// puts allow-list mode in force through the engine (which loads them).
func loadBenchPolicy(b *testing.B, a, peer *testrig.Node) {
	b.Helper()
	ctx := context.Background()
	err := a.Store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range benchPolicyBlocks {
			blk := storage.NodeDomainBlock{Domain: fmt.Sprintf("blocked%05d.example", i), Severity: storage.SeveritySuspend}
			if i%3 == 0 {
				blk.Severity = storage.SeverityLimit
			}
			if err := tx.InsertNodeDomainBlock(ctx, &blk); err != nil {
				return err
			}
		}
		for i := range benchPolicyAllows - 1 {
			if err := tx.InsertNodeDomainAllow(ctx, &storage.NodeDomainAllow{Domain: fmt.Sprintf("partner%04d.example", i)}); err != nil {
				return err
			}
		}
		return tx.InsertNodeDomainAllow(ctx, &storage.NodeDomainAllow{Domain: peer.Host})
	})
	if err != nil {
		b.Fatalf("load policy: %v", err)
	}
	if err := a.Engine.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		b.Fatalf("allow-list mode: %v", err)
	}
	if !a.Engine.Policy().Allows(peer.Host).Federate || a.Engine.Policy().Allows("blocked00001.example").Federate {
		b.Fatal("the policy is not in force")
	}
}
