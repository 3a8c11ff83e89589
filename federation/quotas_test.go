package federation

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestMemberQuotas: with a quota of 3, a member's fourth list, filter,
// keyword, followed hashtag, blocked domain or follow is refused (422)
// and not kept; adding again what they have is no error.
func TestMemberQuotas(t *testing.T) {
	ctx := context.Background()
	strp := func(s string) *string { return &s }
	tests := []struct {
		kind  storage.Owned
		again bool // adding the same again adds no row
		add   func(e *Engine, me storage.Account, i int) error
	}{
		{storage.OwnedLists, false, func(e *Engine, me storage.Account, i int) error {
			_, err := e.CreateList(ctx, me.ID, ListParams{Title: fmt.Sprintf("List %d", i)})
			return err
		}},
		{storage.OwnedFilters, false, func(e *Engine, me storage.Account, i int) error {
			_, err := e.CreateFilter(ctx, me.ID, FilterParams{Title: strp(fmt.Sprintf("Filter %d", i)), Context: []string{"home"}})
			return err
		}},
		{storage.OwnedFilterKeywords, false, func(e *Engine, me storage.Account, i int) error {
			fs, err := e.store.Filters(ctx, me.ID)
			if err != nil {
				return err
			}
			if len(fs) == 0 {
				_, err := e.CreateFilter(ctx, me.ID, FilterParams{Title: strp("Words"), Context: []string{"home"},
					Keywords: []KeywordChange{{Keyword: strp(fmt.Sprintf("word%d", i))}}})
				return err
			}
			_, err = e.AddFilterKeyword(ctx, me.ID, fs[0].ID, fmt.Sprintf("word%d", i), true)
			return err
		}},
		{storage.OwnedFollowedTags, true, func(e *Engine, me storage.Account, i int) error {
			_, err := e.FollowTag(ctx, me.ID, fmt.Sprintf("tag%d", i))
			return err
		}},
		{storage.OwnedDomainBlocks, true, func(e *Engine, me storage.Account, i int) error {
			return e.BlockDomain(ctx, me.ID, fmt.Sprintf("spam%d.example", i))
		}},
		{storage.OwnedCommunities, false, func(e *Engine, me storage.Account, i int) error {
			_, err := e.CreateCommunity(ctx, me, NewCommunity{Handle: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("C%d", i)})
			return err
		}},
		{storage.OwnedFollows, true, func(e *Engine, me storage.Account, i int) error {
			name := fmt.Sprintf("f%d", i)
			a, err := e.store.AccountByUsername(ctx, name)
			if errors.Is(err, storage.ErrNotFound) {
				a = storage.Account{URI: e.urls.Base + "/users/" + name, Username: name, ActorType: activitypub.TypePerson}
				err = e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &a) })
			}
			if err != nil {
				return err
			}
			return e.Follow(ctx, me.ID, a.ID, FollowOptions{ShowReblogs: true})
		}},
	}
	for _, tt := range tests {
		t.Run(quotas[tt.kind].what, func(t *testing.T) {
			defer func(q struct {
				max  int
				what string
			}) {
				quotas[tt.kind] = q
			}(quotas[tt.kind])
			q := quotas[tt.kind]
			q.max = 3
			quotas[tt.kind] = q
			e := testEngine(t)
			me := member(t, e, "alice")
			for i := range 3 {
				if err := tt.add(e, me, i); err != nil {
					t.Fatalf("add %d: %v", i+1, err)
				}
			}
			var inv *InvalidError
			if err := tt.add(e, me, 3); !errors.As(err, &inv) {
				t.Errorf("the fourth: %v; want refused as invalid", err)
			}
			if n, err := e.store.CountOwned(ctx, tt.kind, me.ID); err != nil || n != 3 {
				t.Errorf("kept %d (%v); want 3", n, err)
			}
			if err := tt.add(e, me, 2); tt.again && err != nil {
				t.Errorf("adding again what is there: %v; want no error", err)
			}
		})
	}
}
