package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// qThreadWalk is how a thread was named before migration 0030 stored it:
// walking up from the status to its topmost known ancestor.
const qThreadWalk = `WITH RECURSIVE up(id, parent, uri, reply_uri, depth) AS (
	SELECT id, in_reply_to_id, uri, in_reply_to_uri, 0 FROM statuses WHERE id = ?1
	UNION ALL
	SELECT s.id, s.in_reply_to_id, s.uri, s.in_reply_to_uri, up.depth + 1 FROM statuses s JOIN up ON s.id = up.parent
	WHERE up.depth < 4096
)
SELECT CASE WHEN reply_uri <> '' THEN reply_uri ELSE uri END FROM up ORDER BY depth DESC LIMIT 1`

// threadsAgreeWithTheWalk fails t unless every status's stored thread is
// the one the walk up its ancestors names.
func threadsAgreeWithTheWalk(t *testing.T, s *Store, when string) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.q.QueryContext(ctx, `SELECT id, thread_uri FROM statuses`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[ID]string{}
	for rows.Next() {
		var id ID
		var thread string
		if err := rows.Scan(&id, &thread); err != nil {
			t.Fatal(err)
		}
		stored[id] = thread
	}
	rows.Close()
	for id, thread := range stored {
		var walked string
		if err := s.q.QueryRowContext(ctx, qThreadWalk, id).Scan(&walked); err != nil {
			t.Fatal(err)
		}
		if thread != walked || thread == "" {
			t.Errorf("%s: status %d: thread %q stored, %q by the walk", when, id, thread, walked)
		}
	}
}

// TestThreadStoredWithTheStatus: a status's thread, stored when it is
// (and when a parent that was missing arrives), is the thread the walk up
// its ancestors names, whatever order a forest of replies arrives in; a
// deletion above a status leaves it in its thread.
func TestThreadStoredWithTheStatus(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	peer := mustAccount(t, s, "peer", "peer.example")
	// A forest: status i answers status parent[i] (-1: none), or an IRI
	// never stored (-2).
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 120
	parent := make([]int, n)
	for i := range parent {
		switch r := rng.IntN(10); {
		case i == 0 || r == 0:
			parent[i] = -1
		case r == 1:
			parent[i] = -2
		default:
			parent[i] = rng.IntN(i)
		}
	}
	uri := func(i int) string { return fmt.Sprintf("https://peer.example/notes/%d", i) }
	stored := map[int]Status{}
	for _, i := range rng.Perm(n) { // in any order: replies before their parents
		st := storeStatus(t, s, peer, func(st *Status) {
			st.URI = uri(i)
			switch p := parent[i]; p {
			case -1:
			case -2:
				st.InReplyToURI = "https://elsewhere.example/gone"
			default:
				st.InReplyToURI = uri(p)
				if ps, ok := stored[p]; ok {
					st.InReplyToID, st.InReplyToAccountID = ps.ID, ps.AccountID
				}
			}
		})
		inTx(t, s, func(tx *Tx) error { return tx.AttachReplies(ctx, st) })
		stored[i] = st
	}
	threadsAgreeWithTheWalk(t, s, "all stored")

	// Deleting a status in the middle of a thread leaves the replies
	// below it in the thread (the walk would now stop at them).
	var middle int
	for i := n - 1; i > 0; i-- {
		if parent[i] >= 0 {
			middle = parent[i]
			break
		}
	}
	var below ID
	for i := range n {
		if parent[i] == middle {
			below = stored[i].ID
		}
	}
	before, err := s.ThreadURI(ctx, below)
	if err != nil {
		t.Fatal(err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, stored[middle].ID) })
	if after, err := s.ThreadURI(ctx, below); err != nil || after != before {
		t.Errorf("thread of a reply to a deleted status = %q, %v; want %q, as before", after, err, before)
	}
}

// TestThreadMigration: migration 0030 names every stored status's thread
// as the walk did.
func TestThreadMigration(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	peer := mustAccount(t, s, "peer", "peer.example")
	root := storeStatus(t, s, peer, nil)
	reply := storeStatus(t, s, peer, replyTo(root))
	storeStatus(t, s, peer, replyTo(reply))
	orphan := storeStatus(t, s, peer, func(st *Status) { st.InReplyToURI = "https://elsewhere.example/gone" })
	storeStatus(t, s, peer, replyTo(orphan))
	// A loop, which no root reaches.
	a := storeStatus(t, s, peer, func(st *Status) { st.InReplyToURI = "https://peer.example/statuses/loop-b" })
	storeStatus(t, s, peer, func(st *Status) { st.URI = "https://peer.example/statuses/loop-b"; replyTo(a)(st) })
	inTx(t, s, func(tx *Tx) error {
		_, err := tx.exec(ctx, "loop", `UPDATE statuses SET in_reply_to_id = (SELECT id FROM statuses WHERE uri = ?)
WHERE id = ?`, "https://peer.example/statuses/loop-b", a.ID)
		return err
	})
	body, err := os.ReadFile("migrations/0030_thread_uri.sql")
	if err != nil {
		t.Fatal(err)
	}
	inTx(t, s, func(tx *Tx) error {
		if _, err := tx.exec(ctx, "forget threads", `UPDATE statuses SET thread_uri = ''`); err != nil {
			return err
		}
		// The migration's statements that fill the column (not the ALTER
		// and the indexes, already made).
		for _, stmt := range strings.Split(string(body), ";\n") {
			var code []string
			for _, line := range strings.Split(stmt, "\n") {
				if !strings.HasPrefix(strings.TrimSpace(line), "--") {
					code = append(code, line)
				}
			}
			c := strings.TrimSpace(strings.Join(code, "\n"))
			if strings.HasPrefix(c, "WITH") || strings.HasPrefix(c, "UPDATE") {
				if _, err := tx.exec(ctx, "migration 0030", c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	var blank int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM statuses WHERE thread_uri = ''`).Scan(&blank); err != nil || blank != 0 {
		t.Fatalf("%d statuses without a thread after the migration (%v)", blank, err)
	}
	// The walk names a loop's thread after wherever 4096 steps end: the
	// migration names each by itself instead. Compare the rest.
	inTx(t, s, func(tx *Tx) error {
		_, err := tx.exec(ctx, "drop the loop", `DELETE FROM statuses WHERE id = ? OR in_reply_to_id = ?`, a.ID, a.ID)
		return err
	})
	threadsAgreeWithTheWalk(t, s, "migrated")
}
