package federation

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// idempotencyEngine is testEngine with the database's path, for a second
// connection that can break the engine's transactions.
func idempotencyEngine(t *testing.T) (*Engine, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copse.db")
	store, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, path
}

func publicCount(t *testing.T, e *Engine, author storage.ID) int {
	t.Helper()
	n, err := e.store.CountStatuses(context.Background(), author, []activitypub.Visibility{activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func duplicateOf(err error) (storage.Idempotent, bool) {
	var dup *DuplicateError
	if errors.As(err, &dup) {
		return dup.Earlier, true
	}
	return storage.Idempotent{}, false
}

func TestPostIdempotencyKey(t *testing.T) {
	t.Parallel()
	e, _ := idempotencyEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	draft := Draft{Text: "Once only", Visibility: activitypub.Public, IdempotencyKey: "k1"}

	first, err := e.Post(ctx, alice.ID, draft)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Post(ctx, alice.ID, draft)
	if made, ok := duplicateOf(err); !ok || made.StatusID != first.ID {
		t.Fatalf("retry: %v; want a DuplicateError naming %d", err, first.ID)
	}
	if _, err := e.Post(ctx, bob.ID, draft); err != nil {
		t.Fatalf("bob's post with alice's key: %v; keys are per member", err)
	}
	if n := publicCount(t, e, alice.ID); n != 1 {
		t.Errorf("alice has %d statuses; want 1", n)
	}

	// Requests racing with one key make one post, and the others name it.
	const racers = 6
	var wg sync.WaitGroup
	posted := make([]storage.ID, racers)
	earlier := make([]storage.ID, racers)
	errs := make([]error, racers)
	race := Draft{Text: "Raced", Visibility: activitypub.Public, IdempotencyKey: "race"}
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := e.Post(ctx, alice.ID, race)
			if made, ok := duplicateOf(err); ok {
				earlier[i] = made.StatusID
				return
			}
			posted[i], errs[i] = st.ID, err
		}()
	}
	wg.Wait()
	var winner storage.ID
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if posted[i] != 0 {
			if winner != 0 {
				t.Fatalf("two racers posted: %d and %d", winner, posted[i])
			}
			winner = posted[i]
		}
	}
	for i, id := range earlier {
		if posted[i] == 0 && id != winner {
			t.Errorf("racer %d was answered %d; want the one post %d", i, id, winner)
		}
	}
	if n := publicCount(t, e, alice.ID); n != 2 {
		t.Errorf("alice has %d statuses after the race; want 2", n)
	}
}

// TestPostIdempotencyKeyCrash: a post whose transaction fails after the
// status is inserted leaves neither the status nor the key, so the retry
// posts, once.
func TestPostIdempotencyKeyCrash(t *testing.T) {
	t.Parallel()
	e, path := idempotencyEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The author's own home-feed row is written after the status and its
	// key: failing there is a crash between the post and the rest.
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER crash_after_post BEFORE INSERT ON home_feed
BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`); err != nil {
		t.Fatal(err)
	}
	draft := Draft{Text: "After the crash", Visibility: activitypub.Public, IdempotencyKey: "crash"}
	if _, err := e.Post(ctx, alice.ID, draft); err == nil {
		t.Fatal("the post succeeded through the simulated crash")
	}
	if n := publicCount(t, e, alice.ID); n != 0 {
		t.Errorf("a status without its key: alice has %d statuses", n)
	}
	since := time.Now().Add(-IdempotencyTTL)
	if made, err := e.store.IdempotencyKey(ctx, alice.ID, "crash", since); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a key without its status: %+v, %v", made, err)
	}

	if _, err := db.ExecContext(ctx, `DROP TRIGGER crash_after_post`); err != nil {
		t.Fatal(err)
	}
	st, err := e.Post(ctx, alice.ID, draft)
	if err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if made, err := e.store.IdempotencyKey(ctx, alice.ID, "crash", since); err != nil || made.StatusID != st.ID {
		t.Errorf("the retry's key names %+v (%v); want %d", made, err, st.ID)
	}
	if _, err := e.Post(ctx, alice.ID, draft); err == nil {
		t.Error("a second retry posted again")
	}
	if n := publicCount(t, e, alice.ID); n != 1 {
		t.Errorf("alice has %d statuses; want 1", n)
	}
}

func TestScheduleIdempotencyKey(t *testing.T) {
	t.Parallel()
	e, _ := idempotencyEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	at := time.Now().Add(time.Hour)
	draft := Draft{Text: "Later", Visibility: activitypub.Public, IdempotencyKey: "later"}
	first, err := e.Schedule(ctx, alice.ID, draft, at, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Schedule(ctx, alice.ID, draft, at, 0)
	if made, ok := duplicateOf(err); !ok || made.ScheduledID != first.ID {
		t.Fatalf("retry: %v; want a DuplicateError naming scheduled status %d", err, first.ID)
	}
	// The key is the member's, whichever way it was first used.
	_, err = e.Post(ctx, alice.ID, draft)
	if made, ok := duplicateOf(err); !ok || made.ScheduledID != first.ID {
		t.Fatalf("posting now with the key of a scheduled post: %v; want a DuplicateError", err)
	}
}
