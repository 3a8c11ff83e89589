package storage

import (
	"context"
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

// counts is a status's replies, reblogs and favourites.
type counts struct{ replies, reblogs, favourites int }

// keptCounts reads the counts StatusStats gives for id.
func keptCounts(t *testing.T, s *Store, id ID) counts {
	t.Helper()
	st, err := s.StatusStats(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return counts{st.Replies, st.Reblogs, st.Favourites}
}

// checkRecounted fails when any status's kept counts differ from the
// counts of the rows they stand for (what StatusStats counted before
// migration 0044).
func checkRecounted(t *testing.T, s *Store, step string) {
	t.Helper()
	rows, err := s.write.QueryContext(context.Background(), `SELECT id, replies_count, reblogs_count, favourites_count,
(SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = s.id),
(SELECT count(*) FROM statuses r WHERE r.reblog_of_id = s.id),
(SELECT count(*) FROM favourites f WHERE f.status_id = s.id)
FROM statuses s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ID
		var kept, counted counts
		if err := rows.Scan(&id, &kept.replies, &kept.reblogs, &kept.favourites,
			&counted.replies, &counted.reblogs, &counted.favourites); err != nil {
			t.Fatal(err)
		}
		if kept != counted {
			t.Errorf("%s: status %d keeps %+v; its rows count %+v", step, id, kept, counted)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestStatusCountsKeptByTriggers runs a status through what changes its
// counts, local and remote, in order: after each step its counts are the
// expected ones, and every status's kept counts are its rows' counts.
func TestStatusCountsKeptByTriggers(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", ""), mustAccount(t, s, "carol", "")
	far := mustAccount(t, s, "far", "far.example")
	top := storeStatus(t, s, carol, nil)
	post := storeStatus(t, s, bob, replyTo(top)) // the status whose counts the steps change
	var aliceReply, farReply, orphan, aliceBoost Status
	tests := []struct {
		name    string
		do      func(tx *Tx) error
		want    counts // post's
		wantTop counts
	}{
		{"a local reply", func(tx *Tx) error {
			aliceReply = Status{AccountID: alice.ID, Visibility: activitypub.Public, Local: true, URI: "https://local.example/r1"}
			replyTo(post)(&aliceReply)
			return tx.InsertStatus(ctx, &aliceReply)
		}, counts{1, 0, 0}, counts{1, 0, 0}},
		{"a remote reply, direct", func(tx *Tx) error {
			farReply = Status{AccountID: far.ID, Visibility: activitypub.Direct, URI: "https://far.example/r2"}
			replyTo(post)(&farReply)
			return tx.InsertStatus(ctx, &farReply)
		}, counts{2, 0, 0}, counts{1, 0, 0}},
		{"a reply that came first, attached", func(tx *Tx) error {
			orphan = Status{AccountID: far.ID, Visibility: activitypub.Public, URI: "https://far.example/r3", InReplyToURI: post.URI}
			if err := tx.InsertStatus(ctx, &orphan); err != nil {
				return err
			}
			return tx.AttachReplies(ctx, post)
		}, counts{3, 0, 0}, counts{1, 0, 0}},
		{"a reply deleted", func(tx *Tx) error { return tx.DeleteStatus(ctx, aliceReply.ID) }, counts{2, 0, 0}, counts{1, 0, 0}},
		{"a local boost", func(tx *Tx) error {
			aliceBoost = Status{AccountID: alice.ID, Visibility: activitypub.Public, Local: true, URI: "https://local.example/b1", ReblogOfID: post.ID}
			return tx.InsertStatus(ctx, &aliceBoost)
		}, counts{2, 1, 0}, counts{1, 0, 0}},
		{"a remote boost", func(tx *Tx) error {
			return tx.InsertStatus(ctx, &Status{AccountID: far.ID, Visibility: activitypub.Public, URI: "https://far.example/b2", ReblogOfID: post.ID})
		}, counts{2, 2, 0}, counts{1, 0, 0}},
		{"a boost undone", func(tx *Tx) error { return tx.DeleteStatus(ctx, aliceBoost.ID) }, counts{2, 1, 0}, counts{1, 0, 0}},
		{"local and remote likes", func(tx *Tx) error {
			for _, a := range []Account{alice, carol, far} {
				if err := tx.InsertFavourite(ctx, &Favourite{AccountID: a.ID, StatusID: post.ID}); err != nil {
					return err
				}
			}
			return nil
		}, counts{2, 1, 3}, counts{1, 0, 0}},
		{"a like undone", func(tx *Tx) error {
			_, err := tx.DeleteFavourite(ctx, carol.ID, post.ID)
			return err
		}, counts{2, 1, 2}, counts{1, 0, 0}},
		{"a like undone twice", func(tx *Tx) error {
			_, err := tx.DeleteFavourite(ctx, carol.ID, post.ID)
			return err
		}, counts{2, 1, 2}, counts{1, 0, 0}},
		{"a remote account purged: its replies, boost and like go", func(tx *Tx) error {
			_, err := tx.DeleteRemoteAccounts(ctx, "far.example", 10)
			return err
		}, counts{0, 0, 1}, counts{1, 0, 0}},
		{"another reply to the post's parent: not the post's", func(tx *Tx) error {
			r := Status{AccountID: carol.ID, Visibility: activitypub.Public, Local: true, URI: "https://local.example/r4"}
			replyTo(top)(&r)
			return tx.InsertStatus(ctx, &r)
		}, counts{0, 0, 1}, counts{2, 0, 0}},
		{"the post deleted", func(tx *Tx) error { return tx.DeleteStatus(ctx, post.ID) }, counts{}, counts{1, 0, 0}},
	}
	for _, tt := range tests {
		inTx(t, s, tt.do)
		if got := keptCounts(t, s, post.ID); got != tt.want {
			t.Errorf("%s: the post counts %+v; want %+v", tt.name, got, tt.want)
		}
		if got := keptCounts(t, s, top.ID); got != tt.wantTop {
			t.Errorf("%s: the post it answers counts %+v; want %+v", tt.name, got, tt.wantTop)
		}
		checkRecounted(t, s, tt.name)
	}
}

// Migration 0044 counts what was there before it: rows made before the
// columns and triggers existed get their counts.
func TestStatusCountsBackfilled(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	// Undo migration 0044, then make rows as an older node did.
	for _, q := range []string{
		`DROP TRIGGER statuses_counts_insert`, `DROP TRIGGER statuses_counts_delete`, `DROP TRIGGER statuses_counts_update`,
		`DROP TRIGGER favourites_counts_insert`, `DROP TRIGGER favourites_counts_delete`, `DROP TRIGGER favourites_counts_update`,
		`ALTER TABLE statuses DROP COLUMN replies_count`, `ALTER TABLE statuses DROP COLUMN reblogs_count`,
		`ALTER TABLE statuses DROP COLUMN favourites_count`, `DELETE FROM schema_migrations WHERE version = 44`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	alice, bob, far := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", ""), mustAccount(t, s, "far", "far.example")
	post := storeStatus(t, s, bob, nil)
	reply := storeStatus(t, s, alice, replyTo(post))
	storeStatus(t, s, far, replyTo(post))
	storeStatus(t, s, bob, replyTo(reply))
	storeStatus(t, s, alice, func(st *Status) { st.ReblogOfID = post.ID })
	storeStatus(t, s, far, func(st *Status) { st.ReblogOfID = reply.ID })
	alone := storeStatus(t, s, far, nil)
	inTx(t, s, func(tx *Tx) error {
		for _, f := range []Favourite{{AccountID: alice.ID, StatusID: post.ID}, {AccountID: far.ID, StatusID: post.ID},
			{AccountID: bob.ID, StatusID: reply.ID}} {
			if err := tx.InsertFavourite(ctx, &f); err != nil {
				return err
			}
		}
		return nil
	})
	if err := migrate(ctx, s.write); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		id   ID
		want counts
	}{
		{"post", post.ID, counts{2, 1, 2}},
		{"reply", reply.ID, counts{1, 1, 1}},
		{"a status nobody answered", alone.ID, counts{}},
	} {
		if got := keptCounts(t, s, tt.id); got != tt.want {
			t.Errorf("%s: counts %+v; want %+v", tt.name, got, tt.want)
		}
	}
	checkRecounted(t, s, "after the migration")
	// The triggers are back: a like after the migration counts.
	inTx(t, s, func(tx *Tx) error { return tx.InsertFavourite(ctx, &Favourite{AccountID: far.ID, StatusID: alone.ID}) })
	if got := keptCounts(t, s, alone.ID); got != (counts{0, 0, 1}) {
		t.Errorf("a like after the migration: counts %+v; want %+v", got, counts{0, 0, 1})
	}
}
