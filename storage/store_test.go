package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustAccount(t *testing.T, s *Store, username, domain string) Account {
	t.Helper()
	a := Account{Username: username, Domain: domain, URI: "https://" + hostOr(domain) + "/users/" + username}
	if err := s.InTx(context.Background(), func(tx *Tx) error { return tx.InsertAccount(context.Background(), &a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

func hostOr(d string) string {
	if d == "" {
		return "local.example"
	}
	return d
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "copse.db")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a := Account{Username: "alice", URI: "https://local.example/users/alice"}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.AccountByUsername(ctx, "ALICE")
	if err != nil || got.ID != a.ID {
		t.Fatalf("AccountByUsername after reopen = %v, %v; want id %d", got.ID, err, a.ID)
	}
}

func TestInsertAccountDuplicate(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	mustAccount(t, s, "alice", "")
	b := Account{Username: "Alice", URI: "https://local.example/users/other"}
	err := s.InTx(context.Background(), func(tx *Tx) error { return tx.InsertAccount(context.Background(), &b) })
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate username: err = %v, want ErrDuplicate", err)
	}
}

func TestFailedTxLeavesNothing(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *Tx) error {
		a := Account{Username: "ghost", URI: "https://local.example/users/ghost"}
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.AccountByUsername(ctx, "ghost"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("half-written account visible: %v", err)
	}
}

func TestCancelledContextDoesNotBreakPool(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	mustAccount(t, s, "alice", "")
	for i := 0; i < 50; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _ = s.AccountByUsername(ctx, "alice")
		_ = s.InTx(ctx, func(tx *Tx) error { return nil })
		ctx, cancel = context.WithTimeout(context.Background(), time.Microsecond)
		_, _ = s.HomeTimeline(ctx, 1, Page{})
		cancel()
	}
	ctx := context.Background()
	if _, err := s.AccountByUsername(ctx, "alice"); err != nil {
		t.Fatalf("read after cancellations: %v", err)
	}
	b := Account{Username: "bob", URI: "https://local.example/users/bob"}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &b) }); err != nil {
		t.Fatalf("write after cancellations: %v", err)
	}
}

func TestConcurrentWritersNeverLock(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a := Account{Username: fmt.Sprintf("u%d", i), URI: fmt.Sprintf("https://local.example/users/u%d", i)}
			errs <- s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) })
			_, err := s.LocalAccounts(ctx)
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestHomeTimelinePaging(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	reader := mustAccount(t, s, "reader", "")
	author := mustAccount(t, s, "author", "remote.example")
	var ids []ID
	for i := 0; i < 45; i++ {
		err := s.InTx(ctx, func(tx *Tx) error {
			st := Status{URI: fmt.Sprintf("https://remote.example/s/%d", i), AccountID: author.ID,
				Visibility: activitypub.Public, Content: "<p>hi</p>", Tags: []string{"#Practice"}}
			if err := tx.InsertStatus(ctx, &st); err != nil {
				return err
			}
			ids = append(ids, st.ID)
			return tx.AddToHomeFeeds(ctx, st.ID, []ID{reader.ID})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		page  Page
		first ID
		n     int
	}{
		{"newest", Page{Limit: 20}, ids[44], 20},
		{"max_id", Page{MaxID: ids[10], Limit: 20}, ids[9], 10},
		{"since_id", Page{SinceID: ids[40], Limit: 20}, ids[44], 4},
		{"min_id is the oldest above", Page{MinID: ids[0], Limit: 5}, ids[5], 5},
		{"default limit", Page{}, ids[44], 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.HomeTimeline(ctx, reader.ID, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.n || got[0].ID != tt.first {
				t.Fatalf("got %d statuses starting %d; want %d starting %d", len(got), got[0].ID, tt.n, tt.first)
			}
			for i := 1; i < len(got); i++ {
				if got[i].ID >= got[i-1].ID {
					t.Fatalf("not newest first at %d", i)
				}
			}
			if len(got[0].Tags) != 1 || got[0].Tags[0] != "practice" {
				t.Fatalf("tags = %v", got[0].Tags)
			}
		})
	}
}

func TestMarkProcessedOnce(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	var first, second bool
	_ = s.InTx(ctx, func(tx *Tx) (err error) { first, err = tx.MarkProcessed(ctx, "https://r.example/a/1"); return })
	_ = s.InTx(ctx, func(tx *Tx) (err error) { second, err = tx.MarkProcessed(ctx, "https://r.example/a/1"); return })
	if !first || second {
		t.Fatalf("first = %v, second = %v; want true, false", first, second)
	}
}

func TestDeliveryQueueAndHostBackoff(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	alice := mustAccount(t, s, "alice", "")
	err := s.InTx(ctx, func(tx *Tx) error {
		act := Activity{URI: "https://local.example/a/1", AccountID: alice.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertActivity(ctx, &act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, []string{"https://a.example/inbox", "https://b.example/inbox", "https://a.example/inbox"})
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueDeliveries(ctx, now, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %d, %v; want 2 (deduplicated)", len(due), err)
	}
	var toA Delivery
	for _, d := range due {
		if d.Host == "a.example" {
			toA = d
		}
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		if err := tx.DeliveryFailed(ctx, toA, now.Add(time.Minute), "503"); err != nil {
			return err
		}
		return tx.HostFailed(ctx, "a.example", "503", func(int) time.Time { return now.Add(time.Hour) })
	})
	if err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueDeliveries(ctx, now.Add(2*time.Minute), 10)
	if len(due) != 1 || due[0].Host != "b.example" {
		t.Fatalf("while a.example is backed off, due = %+v", due)
	}
	due, _ = s.DueDeliveries(ctx, now.Add(2*time.Hour), 10)
	if len(due) != 2 {
		t.Fatalf("after back-off, due = %d; want 2", len(due))
	}
	queued, hosts, err := s.DeliveryStats(ctx)
	if err != nil || queued != 2 || len(hosts) != 2 || hosts[0].Host != "a.example" || hosts[0].Failures != 1 {
		t.Fatalf("stats = %d %+v %v", queued, hosts, err)
	}
}

// TestPanicInTxFreesWriter: a transaction whose work panics is rolled
// back, and the single writer connection takes the next one.
func TestPanicInTxFreesWriter(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	func() {
		defer func() { _ = recover() }()
		_ = s.InTx(ctx, func(tx *Tx) error {
			a := Account{Username: "half", URI: "https://local.example/users/half"}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	// Bounded, so that a held writer fails the test instead of hanging it.
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.InTx(wait, func(tx *Tx) error {
		a := Account{Username: "after", URI: "https://local.example/users/after"}
		return tx.InsertAccount(ctx, &a)
	}); err != nil {
		t.Fatalf("the writer is still held by the transaction that panicked: %v", err)
	}
	if _, err := s.AccountByUsername(ctx, "half"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the panicking transaction's write was kept (%v)", err)
	}
}

// queryPlan is what EXPLAIN QUERY PLAN says of query with args, a step
// a line.
func queryPlan(t testing.TB, q querier, query string, args ...any) []string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
