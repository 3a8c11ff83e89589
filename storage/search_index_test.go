package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// TestSearchIndexedAtCommit: statuses are indexed when the transaction
// that wrote them commits (migration 0049), whatever happened to them in
// it, through both ways of writing (InTx, and a write batch whose members
// share one transaction).
func TestSearchIndexedAtCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	errRefused := errors.New("refused")
	type step func(tx *Tx, alice Account) error
	insert := func(id *ID, text string) step {
		return func(tx *Tx, alice Account) error {
			st := Status{ID: tx.NewID(), AccountID: alice.ID, Content: "<p>" + text + "</p>", Visibility: activitypub.Public, Local: true}
			st.URI = fmt.Sprintf("https://local.example/statuses/%d", st.ID)
			*id = st.ID
			return tx.InsertStatus(ctx, &st)
		}
	}
	edit := func(id *ID, text string) step {
		return func(tx *Tx, _ Account) error {
			st, err := tx.StatusByID(ctx, *id)
			if err != nil {
				return err
			}
			st.Content, st.EditedAt = "<p>"+text+"</p>", time.Now()
			return tx.UpdateStatus(ctx, &st)
		}
	}
	del := func(id *ID) step { return func(tx *Tx, _ Account) error { return tx.DeleteStatus(ctx, *id) } }
	fail := func(tx *Tx, _ Account) error { return errRefused }

	for _, tc := range []struct {
		name  string
		batch bool // each step a member of one write batch, not one transaction
		steps func(id *ID) []step
		found map[string]bool // query: finds the status
	}{
		{"inserted", false, func(id *ID) []step { return []step{insert(id, "agenda")} }, map[string]bool{"agenda": true}},
		{"inserted and edited", false, func(id *ID) []step { return []step{insert(id, "draft agenda"), edit(id, "final minutes")} },
			map[string]bool{"draft": false, "agenda": false, "final": true, "minutes": true}},
		{"inserted and deleted", false, func(id *ID) []step { return []step{insert(id, "agenda"), del(id)} }, map[string]bool{"agenda": false}},
		{"rolled back", false, func(id *ID) []step { return []step{insert(id, "agenda"), fail} }, map[string]bool{"agenda": false}},
		{"batch members", true, func(id *ID) []step { return []step{insert(id, "draft agenda"), edit(id, "final minutes")} },
			map[string]bool{"draft": false, "final": true}},
		{"batch member refused", true, func(id *ID) []step {
			return []step{func(tx *Tx, alice Account) error {
				if err := insert(id, "agenda")(tx, alice); err != nil {
					return err
				}
				return errRefused
			}}
		}, map[string]bool{"agenda": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t)
			alice := mustAccount(t, s, "alice", "")
			var id ID
			steps := tc.steps(&id)
			if tc.batch {
				// Members of one batch run in order; each waits for the
				// one before it to be part of the transaction.
				var wg sync.WaitGroup
				for _, st := range steps {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := s.InBatch(ctx, func(tx *Tx) error { return st(tx, alice) }); err != nil && !errors.Is(err, errRefused) {
							t.Error(err)
						}
					}()
					wg.Wait()
				}
			} else {
				err := s.InTx(ctx, func(tx *Tx) error {
					for _, st := range steps {
						if err := st(tx, alice); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil && !errors.Is(err, errRefused) {
					t.Fatal(err)
				}
			}
			for q, want := range tc.found {
				got := slices.Contains(searchIDs(t, s, StatusSearch{Query: q, Viewer: alice.ID}, Page{}), id)
				if got != want {
					t.Errorf("search %q finds the status: %v; want %v", q, got, want)
				}
			}
			var pending int
			if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM statuses_fts_pending`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if pending != 0 {
				t.Errorf("%d statuses still wait to be indexed after the commit", pending)
			}
		})
	}
}
