package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

func TestFiltersAndExpiry(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	st := storeStatus(t, s, bob, nil)

	spoilers := Filter{AccountID: alice.ID, Title: "Spoilers", Context: []string{"home", "public"}, Action: FilterHide,
		Keywords: []FilterKeyword{{Keyword: "finale", WholeWord: true}, {Keyword: "twist"}},
		Statuses: []FilterStatus{{StatusID: st.ID}}}
	brief := Filter{AccountID: alice.ID, Title: "For an hour", Context: []string{"thread"}, Action: FilterWarn,
		ExpiresAt: now.Add(time.Hour)}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertFilter(ctx, &spoilers); err != nil {
			return err
		}
		return tx.InsertFilter(ctx, &brief)
	})

	got, err := s.FilterByID(ctx, alice.ID, spoilers.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Context, []string{"home", "public"}) || len(got.Keywords) != 2 || !got.Keywords[0].WholeWord ||
		got.Keywords[1].WholeWord || len(got.Statuses) != 1 || got.Statuses[0].StatusID != st.ID {
		t.Errorf("filter = %+v", got)
	}
	if _, err := s.FilterByID(ctx, bob.ID, spoilers.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads alice's filter: %v", err)
	}
	if _, err := s.FilterKeywordByID(ctx, bob.ID, got.Keywords[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads alice's keyword: %v", err)
	}
	dup := FilterStatus{FilterID: spoilers.ID, StatusID: st.ID}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertFilterStatus(ctx, &dup) }); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same status twice: %v", err)
	}

	active := func() []string {
		t.Helper()
		fs, err := s.ActiveFilters(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, f := range fs {
			titles = append(titles, f.Title)
		}
		return titles
	}
	if got := active(); !slices.Equal(got, []string{"Spoilers", "For an hour"}) {
		t.Errorf("active = %v", got)
	}
	now = now.Add(2 * time.Hour)
	if got := active(); !slices.Equal(got, []string{"Spoilers"}) {
		t.Errorf("active after an hour = %v; want the expired filter gone", got)
	}
	if all, _ := s.Filters(ctx, alice.ID); len(all) != 2 {
		t.Errorf("all filters = %d; want the expired one listed still", len(all))
	}

	// Deleting the status drops it from the filter; deleting the filter
	// drops its keywords.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, st.ID) })
	if got, _ := s.FilterByID(ctx, alice.ID, spoilers.ID); len(got.Statuses) != 0 {
		t.Errorf("statuses after the status went: %+v", got.Statuses)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteFilter(ctx, alice.ID, spoilers.ID) })
	if _, err := s.FilterKeywordByID(ctx, alice.ID, got.Keywords[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("keyword of a deleted filter: %v", err)
	}
}

func TestConversations(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	carol := mustAccount(t, s, "carol", "remote.example")
	dm := func(author Account, tweak func(*Status)) Status {
		return storeStatus(t, s, author, func(st *Status) {
			st.Visibility = activitypub.Direct
			if tweak != nil {
				tweak(st)
			}
		})
	}
	add := func(account ID, thread string, st Status, others []ID, unread bool) {
		inTx(t, s, func(tx *Tx) error { return tx.AddToConversation(ctx, account, thread, st.ID, others, unread) })
	}
	first := dm(alice, nil)
	add(alice.ID, first.URI, first, []ID{bob.ID}, false)
	add(bob.ID, first.URI, first, []ID{alice.ID}, true)
	reply := dm(bob, replyTo(first))
	add(alice.ID, first.URI, reply, []ID{bob.ID}, true)
	add(bob.ID, first.URI, reply, []ID{alice.ID}, false)
	other := dm(alice, nil)
	add(alice.ID, other.URI, other, []ID{carol.ID}, false)

	cs, err := s.ConversationPage(ctx, alice.ID, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].LastStatusID != other.ID || cs[1].LastStatusID != reply.ID || !cs[1].Unread ||
		!slices.Equal(cs[1].Participants, []ID{bob.ID}) {
		t.Fatalf("alice's conversations = %+v", cs)
	}
	page2, _ := s.ConversationPage(ctx, alice.ID, Page{MaxID: other.ID})
	if len(page2) != 1 || page2[0].ID != cs[1].ID {
		t.Errorf("second page = %+v", page2)
	}
	if c, err := s.ConversationOfStatus(ctx, bob.ID, first.ID); err != nil || c.Unread || c.LastStatusID != reply.ID {
		t.Errorf("bob's conversation of the first DM = %+v, %v", c, err)
	}

	inTx(t, s, func(tx *Tx) error { return tx.MarkConversationRead(ctx, alice.ID, cs[1].ID) })
	if c, _ := s.ConversationByID(ctx, alice.ID, cs[1].ID); c.Unread {
		t.Error("read conversation still unread")
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.MarkConversationRead(ctx, bob.ID, cs[1].ID) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads alice's conversation: %v", err)
	}

	// Deleting the last status falls back to the one before; deleting
	// every status hides the conversation.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, reply.ID) })
	if c, _ := s.ConversationByID(ctx, alice.ID, cs[1].ID); c.LastStatusID != first.ID {
		t.Errorf("last status after deleting the reply = %d, want %d", c.LastStatusID, first.ID)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, other.ID) })
	cs, _ = s.ConversationPage(ctx, alice.ID, Page{})
	if len(cs) != 1 || cs[0].LastStatusID != first.ID {
		t.Errorf("after deleting every status of one: %+v", cs)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteConversation(ctx, alice.ID, cs[0].ID) })
	if cs, _ := s.ConversationPage(ctx, alice.ID, Page{}); len(cs) != 0 {
		t.Errorf("after deleting it: %+v", cs)
	}
	if cs, _ := s.ConversationPage(ctx, bob.ID, Page{}); len(cs) != 1 {
		t.Errorf("bob's conversations after alice deleted hers: %+v", cs)
	}
}
