package storage

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// countedStats is AccountStats as it was before migration 0010 kept the
// counts: counted from the rows, the truth the kept counts must match.
func countedStats(t *testing.T, s *Store, id ID) AccountStats {
	t.Helper()
	var st AccountStats
	var last int64
	err := s.read.QueryRow(`SELECT
(SELECT count(*) FROM follows WHERE target_account_id = ?1),
(SELECT count(*) FROM follows WHERE account_id = ?1),
(SELECT count(*) FROM statuses WHERE account_id = ?1 AND reblog_of_id IS NULL),
(SELECT coalesce(max(created_at), 0) FROM statuses WHERE account_id = ?1)`, id).Scan(&st.Followers, &st.Following, &st.Statuses, &last)
	if err != nil {
		t.Fatal(err)
	}
	st.LastStatusAt = fromMillis(last)
	return st
}

func TestAccountStatsKeptByTriggers(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "remote.example"), mustAccount(t, s, "carol", "")
	check := func(step string) {
		t.Helper()
		for _, a := range []Account{alice, bob, carol} {
			want := countedStats(t, s, a.ID)
			got, err := s.AccountStats(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: %s has %+v, counting gives %+v", step, a.Username, got, want)
			}
		}
	}
	check("new accounts")

	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	first := storeStatus(t, s, bob, func(st *Status) { st.CreatedAt = t0 })
	second := storeStatus(t, s, bob, func(st *Status) { st.CreatedAt = t0.Add(time.Hour) })
	older := storeStatus(t, s, bob, func(st *Status) { st.CreatedAt = t0.Add(-time.Hour) }) // arrived late
	boost := storeStatus(t, s, alice, func(st *Status) { st.ReblogOfID, st.CreatedAt = first.ID, t0.Add(2*time.Hour) })
	storeStatus(t, s, alice, func(st *Status) { st.CreatedAt = t0.Add(time.Minute) })
	check("statuses and a reblog")

	inTx(t, s, func(tx *Tx) error {
		for _, f := range []Follow{{AccountID: alice.ID, TargetID: bob.ID}, {AccountID: carol.ID, TargetID: bob.ID},
			{AccountID: bob.ID, TargetID: alice.ID}} {
			if err := tx.InsertFollow(ctx, &f); err != nil {
				return err
			}
		}
		// Following again updates the follow; it is not a second one.
		return tx.InsertFollow(ctx, &Follow{AccountID: alice.ID, TargetID: bob.ID, Notify: true})
	})
	check("follows")

	inTx(t, s, func(tx *Tx) error {
		if _, err := tx.DeleteFollow(ctx, carol.ID, bob.ID); err != nil {
			return err
		}
		if err := tx.DeleteStatus(ctx, second.ID); err != nil { // bob's latest: the one before it counts
			return err
		}
		return tx.DeleteStatus(ctx, boost.ID) // alice's latest, a reblog
	})
	check("unfollow and deletes")

	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, first.ID) })
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, older.ID) })
	check("bob's last status gone")

	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, alice.ID) })
	alice = Account{} // gone: zero counts
	check("alice deleted")
}

func TestBatchReadsMatchOneByOne(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "remote.example"), mustAccount(t, s, "carol", "")
	root := storeStatus(t, s, bob, func(st *Status) {
		st.Tags = []string{"zebra", "archive"}
		st.Attachments = []Attachment{{MediaType: "image/png", URL: "https://remote.example/a.png"},
			{MediaType: "image/png", URL: "https://remote.example/b.png"}}
	})
	reply := storeStatus(t, s, carol, func(st *Status) {
		st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID = root.ID, root.URI, bob.ID
		st.Mentions = []ID{bob.ID, alice.ID}
	})
	deeper := storeStatus(t, s, bob, func(st *Status) {
		st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID = reply.ID, reply.URI, carol.ID
	})
	other := storeStatus(t, s, carol, func(st *Status) { st.Visibility = activitypub.Unlisted })
	boost := storeStatus(t, s, alice, func(st *Status) { st.ReblogOfID = root.ID })
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertFavourite(ctx, &Favourite{AccountID: alice.ID, StatusID: root.ID}); err != nil {
			return err
		}
		if err := tx.InsertFavourite(ctx, &Favourite{AccountID: carol.ID, StatusID: root.ID}); err != nil {
			return err
		}
		if err := tx.Bookmark(ctx, alice.ID, reply.ID); err != nil {
			return err
		}
		if _, err := tx.Pin(ctx, alice.ID, boost.ID, 5); err != nil {
			return err
		}
		return tx.InsertFollow(ctx, &Follow{AccountID: alice.ID, TargetID: bob.ID})
	})
	ids := []ID{root.ID, reply.ID, deeper.ID, other.ID, boost.ID}

	compare := func(step string) {
		t.Helper()
		statuses, err := s.StatusesByIDs(ctx, append(ids, 12345))
		if err != nil {
			t.Fatal(err)
		}
		stats, err := s.StatusStatsByIDs(ctx, ids, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		flags, err := s.StatusFlagsByIDs(ctx, ids, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(statuses) != len(ids) || len(stats) != len(ids) || len(flags) != len(ids) {
			t.Fatalf("%s: %d statuses, %d stats, %d flags for %d IDs", step, len(statuses), len(stats), len(flags), len(ids))
		}
		for _, id := range ids {
			one, err := s.StatusByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(statuses[id], one) {
				t.Errorf("%s: status %d batched %+v, alone %+v", step, id, statuses[id], one)
			}
			st, err := s.StatusStats(ctx, id, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stats[id] != st {
				t.Errorf("%s: stats of %d batched %+v, alone %+v", step, id, stats[id], st)
			}
			f, err := s.StatusFlags(ctx, id, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if flags[id] != f {
				t.Errorf("%s: flags of %d batched %+v, alone %+v", step, id, flags[id], f)
			}
		}
		accounts, err := s.AccountsByIDs(ctx, []ID{alice.ID, bob.ID, carol.ID, 12345})
		if err != nil {
			t.Fatal(err)
		}
		counts, err := s.AccountStatsByIDs(ctx, []ID{alice.ID, bob.ID, carol.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []Account{alice, bob, carol} {
			one, err := s.AccountByID(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			one.PublicKeyPEM, one.PrivateKeyPEM = "", "" // left out of accounts to show
			if !reflect.DeepEqual(accounts[a.ID], one) {
				t.Errorf("%s: account %s batched %+v, alone %+v", step, a.Username, accounts[a.ID], one)
			}
			c, err := s.AccountStats(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if counts[a.ID] != c {
				t.Errorf("%s: counts of %s batched %+v, alone %+v", step, a.Username, counts[a.ID], c)
			}
		}
	}
	if strings.Contains(accountShownColumns, "_pem") {
		t.Errorf("accounts to show are read with their keys: %s", accountShownColumns)
	}
	compare("no muted conversation")
	if f := mustFlags(t, s, reply.ID, alice.ID); !f.Bookmarked || f.Muted {
		t.Errorf("flags of the bookmarked reply = %+v", f)
	}

	// Muting the thread mutes every status in it, and only those.
	inTx(t, s, func(tx *Tx) error { return tx.MuteConversation(ctx, alice.ID, deeper.ID) })
	compare("a muted conversation")
	for id, want := range map[ID]bool{root.ID: true, reply.ID: true, deeper.ID: true, other.ID: false} {
		if f := mustFlags(t, s, id, alice.ID); f.Muted != want {
			t.Errorf("status %d muted = %v, want %v", id, f.Muted, want)
		}
	}
}

func mustFlags(t *testing.T, s *Store, status, viewer ID) StatusFlags {
	t.Helper()
	flags, err := s.StatusFlagsByIDs(context.Background(), []ID{status}, viewer)
	if err != nil {
		t.Fatal(err)
	}
	return flags[status]
}
