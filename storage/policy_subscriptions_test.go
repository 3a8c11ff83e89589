package storage

import (
	"context"
	"testing"
)

// A subscription and its drafts carry their list's kind (blocks unless
// said), and an allow remembers the list it came from until the list is
// unsubscribed, when it stays as if made by hand.
func TestPolicyListKinds(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	blocks := PolicySubscription{URL: "https://lists.example/blocks.csv"}
	allows := PolicySubscription{URL: "https://lists.example/allows.csv", Kind: ListAllows}
	var allow, own NodeDomainAllow
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, sub := range []*PolicySubscription{&blocks, &allows} {
			if err := tx.InsertPolicySubscription(ctx, sub); err != nil {
				return err
			}
		}
		for _, d := range []PolicyDraft{
			{SubscriptionID: blocks.ID, Domain: "spam.example", Severity: SeveritySuspend},
			{SubscriptionID: allows.ID, Kind: ListAllows, Domain: "council-b.example", Severity: SeveritySuspend},
		} {
			if err := tx.InsertPolicyDraft(ctx, &d); err != nil {
				return err
			}
		}
		allow = NodeDomainAllow{Domain: "council-c.example", SubscriptionID: allows.ID}
		own = NodeDomainAllow{Domain: "council-d.example"}
		for _, a := range []*NodeDomainAllow{&allow, &own} {
			if err := tx.InsertNodeDomainAllow(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := s.PolicySubscriptions(ctx)
	if err != nil || len(subs) != 2 || subs[0].Kind != ListBlocks || subs[1].Kind != ListAllows {
		t.Fatalf("subscriptions %+v, %v; want a blocks list and an allows list", subs, err)
	}
	drafts, err := s.PolicyDrafts(ctx, 0, "")
	if err != nil || len(drafts) != 2 {
		t.Fatalf("drafts %+v, %v", drafts, err)
	}
	if d := drafts[0]; d.Kind != ListBlocks || d.Severity != SeveritySuspend {
		t.Errorf("block draft %+v; want kind blocks, severity suspend", d)
	}
	if d := drafts[1]; d.Kind != ListAllows || d.Severity != SeverityNoop {
		t.Errorf("allow draft %+v; want kind allows, no severity (noop)", d)
	}
	of, err := s.NodeDomainAllowsOf(ctx, allows.ID)
	if err != nil || len(of) != 1 || of[0].ID != allow.ID || of[0].SubscriptionID != allows.ID {
		t.Fatalf("allows of the list %+v, %v; want %s alone", of, err, allow.Domain)
	}
	if a, err := s.NodeDomainAllowNamed(ctx, own.Domain); err != nil || a.SubscriptionID != 0 {
		t.Errorf("allow made by hand %+v, %v; want no list", a, err)
	}
	// A kind that is neither is refused by the database.
	err = s.InTx(ctx, func(tx *Tx) error {
		return tx.InsertPolicySubscription(ctx, &PolicySubscription{URL: "https://lists.example/x", Kind: "mutes"})
	})
	if err == nil {
		t.Error("subscription of kind mutes stored; want it refused")
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DeletePolicySubscription(ctx, allows.ID) }); err != nil {
		t.Fatal(err)
	}
	if a, err := s.NodeDomainAllowByID(ctx, allow.ID); err != nil || a.SubscriptionID != 0 {
		t.Errorf("allow after unsubscribing %+v, %v; want it kept, of no list", a, err)
	}
}
