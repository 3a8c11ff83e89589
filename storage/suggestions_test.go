package storage

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSuggestions reads a member's follow suggestions on a node of
// 5,000 discoverable members in 60 organisations, 2,000 of whom share a
// community with the member: the query walks every candidate once.
func BenchmarkSuggestions(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	var me, g Account
	err := s.InTx(ctx, func(tx *Tx) error {
		g = Account{Username: "libraries", URI: "https://local.example/users/libraries", ActorType: "Group"}
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		if err := tx.InsertCommunity(ctx, &Community{AccountID: g.ID, JoinPolicy: JoinOpen, PostingPolicy: PostingMembers, Visibility: CommunityPublic}); err != nil {
			return err
		}
		for i := range 5000 {
			a := Account{Username: fmt.Sprintf("m%d", i), URI: fmt.Sprintf("https://local.example/users/m%d", i), ActorType: "Person",
				Discoverable: true, Organisation: fmt.Sprintf("Council %d", i%60), Department: fmt.Sprintf("Dept %d", i%7)}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			if i == 0 {
				me = a
			}
			if i%5 < 2 {
				if err := tx.InsertFollow(ctx, &Follow{AccountID: a.ID, TargetID: g.ID, URI: a.URI + "#f"}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Suggestions(ctx, me.ID, me.Organisation, me.Department, 40)
		if err != nil || len(got) != 40 || !got[0].SameDepartment {
			b.Fatalf("suggestions: %d (%v)", len(got), err)
		}
	}
}
