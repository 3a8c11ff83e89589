package storage

import (
	"context"
	"fmt"
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

// BenchmarkInsertRemoteReply is the storage half of a reply arriving in
// the inbox: the parent's lookup by URI, the reply's row (with its
// mention, its thread and its parent's count), and the look for replies
// that waited for it. Batches of 64 share a transaction, as the inbox's
// write batches do.
func BenchmarkInsertRemoteReply(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/copse.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var alice, bob Account
	var parent Status
	err = s.InTx(ctx, func(tx *Tx) error {
		alice = Account{Username: "alice", URI: "https://local.example/users/alice"}
		bob = Account{Username: "bob", Domain: "remote.example", URI: "https://remote.example/users/bob"}
		if err := tx.InsertAccount(ctx, &alice); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctx, &bob); err != nil {
			return err
		}
		parent = Status{URI: "https://local.example/users/alice/statuses/1", AccountID: alice.ID, Visibility: activitypub.Public, Local: true}
		return tx.InsertStatus(ctx, &parent)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 64 {
		err := s.InTx(ctx, func(tx *Tx) error {
			for j := i; j < min(i+64, b.N); j++ {
				id, author, err := tx.StatusRefByURI(ctx, parent.URI)
				if err != nil {
					return err
				}
				st := Status{URI: fmt.Sprintf("https://remote.example/users/bob/statuses/%d", j), AccountID: bob.ID,
					InReplyToURI: parent.URI, InReplyToID: id, InReplyToAccountID: author, Visibility: activitypub.Public,
					Content:  "<p>@alice Our enquiry desk now answers in two days, not five: the routine is on the shared drive.</p>",
					Mentions: []ID{alice.ID}}
				if err := tx.InsertStatus(ctx, &st); err != nil {
					return err
				}
				if err := tx.AttachReplies(ctx, st); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
