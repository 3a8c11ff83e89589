package federation

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// These tests run the real delivery loop (runDeliveries with its
// workQueue and DueDeliveriesExcept reads) against peers on loopback, and
// check what a node operator would see: a peer that is owed a few posts
// gets them while another peer's backlog, or slowness, is still being
// worked through. storage's TestDueDeliveriesExcept covers one read of
// the queue; these cover the loop that makes the reads.
//
// They are not parallel: they measure time and the order of arrivals,
// and share two cores with the rest of the package when it runs.

// TestDeliveryBacklogDoesNotHoldBackOtherHosts: host A has 2,000 jobs
// queued; host B is owed 5, queued once A's have begun to go out. B gets
// all 5 before A has had a quarter of its backlog: a read of the queue
// takes a few of A's jobs, not the oldest screenful, and steps over A
// while it is at its connection limit. Either of the two keeps B moving
// here; without both, every read is A's oldest 4*workers jobs and B
// waits until A's backlog is nearly gone.
func TestDeliveryBacklogDoesNotHoldBackOtherHosts(t *testing.T) {
	const (
		backlog = 2000
		owedB   = 5
	)
	e := fairnessEngine(t, 32, 4)
	alice := member(t, e, "alice")
	a := newCountingInbox(t, 0, nil)
	var aWhenBDone atomic.Int64 // A's requests when B's last one came in
	aWhenBDone.Store(-1)
	b := newCountingInbox(t, 0, func(n int64) {
		if n == owedB {
			aWhenBDone.Store(a.posts.Load())
		}
	})

	queueTo(t, e, alice, "a", backlog, a.url)
	startDeliveries(t, e)
	// B's jobs are queued once the loop is busy with A, as a post made
	// during a backlog is: behind all of A's jobs in the queue's order.
	waitUntil(t, "A's backlog starts going out", 5*time.Second, func() bool { return a.posts.Load() >= 10 })
	queued := time.Now()
	queueTo(t, e, alice, "b", owedB, b.url)
	waitUntil(t, fmt.Sprintf("B gets its %d deliveries", owedB), 5*time.Second, func() bool { return aWhenBDone.Load() >= 0 })

	got := aWhenBDone.Load()
	t.Logf("B's %d deliveries arrived %v after they were queued, when A had received %d of %d",
		owedB, time.Since(queued).Round(time.Millisecond), got, backlog)
	if got >= backlog/4 {
		t.Errorf("B got its %d deliveries only after A had received %d of its %d: B waited behind A's backlog", owedB, got, backlog)
	}
}

// TestDeliverySlowHostDoesNotTakeEveryWorker: host A answers each request
// only after 2 s (a peer under load) and has a backlog; host B answers at
// once. B's deliveries arrive within half a second of being queued, because
// A holds at most PerHost connections and the other workers stay free;
// and A itself never sees more than PerHost requests at once. B is owed
// more jobs than one read takes of a host (perHostRead*PerHost), so it
// also needs a read while A's requests hang: A's jobs left waiting for
// their host must not stop the loop reading for others.
func TestDeliverySlowHostDoesNotTakeEveryWorker(t *testing.T) {
	const (
		workers = 8
		perHost = 2
		backlog = 100
		owedB   = perHostRead*perHost + 5
		// Half the poll interval (fairnessPoll) and of A's delay: a job
		// that waits for the loop's periodic read, or for one of A's
		// requests to end, instead of a read when it was queued, is
		// late. B takes about 60 ms; the margin is for a loaded CI.
		prompt = fairnessPoll / 2
	)
	e := fairnessEngine(t, workers, perHost)
	alice := member(t, e, "alice")
	a := newCountingInbox(t, fairnessPoll, nil)
	b := newCountingInbox(t, 0, nil)

	queueTo(t, e, alice, "a", backlog, a.url)
	startDeliveries(t, e)
	waitUntil(t, "A is sent its first requests", 5*time.Second, func() bool { return a.open.Load() >= perHost })
	queued := time.Now()
	queueTo(t, e, alice, "b", owedB, b.url)
	waitUntil(t, fmt.Sprintf("B gets its %d deliveries", owedB), 5*time.Second, func() bool { return b.posts.Load() >= owedB })

	took := time.Since(queued)
	t.Logf("B's %d deliveries arrived %v after they were queued; A had at most %d requests open", owedB, took.Round(time.Millisecond), a.maxOpen.Load())
	if took > prompt {
		t.Errorf("B's %d deliveries took %v; want under %v: the slow host held the workers", owedB, took.Round(time.Millisecond), prompt)
	}
	if n := a.maxOpen.Load(); n > perHost {
		t.Errorf("A had %d requests open at once; want at most PerHost = %d", n, perHost)
	}
}

// fairnessPoll is the delivery loop's poll interval in these tests.
const fairnessPoll = 3 * time.Second

// fairnessEngine is an engine that delivers over plain http to loopback
// with the given worker and per-host limits.
func fairnessEngine(t *testing.T, workers, perHost int) *Engine {
	t.Helper()
	return loopbackEngine(t, Options{DeliveryWorkers: workers, PerHost: perHost, PollInterval: fairnessPoll,
		Log: slog.New(slog.DiscardHandler)})
}

// countingInbox is a peer's shared inbox: it answers each POST with 202
// after delay (cut short when the test ends) and counts them.
type countingInbox struct {
	url     string
	posts   atomic.Int64 // POSTs received
	open    atomic.Int64 // POSTs being answered now
	maxOpen atomic.Int64
}

// newCountingInbox starts a peer; onPost, if set, is called with the
// count of each POST as it arrives.
func newCountingInbox(t *testing.T, delay time.Duration, onPost func(n int64)) *countingInbox {
	t.Helper()
	in := &countingInbox{}
	ended := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		open := in.open.Add(1)
		defer in.open.Add(-1)
		for cur := in.maxOpen.Load(); open > cur && !in.maxOpen.CompareAndSwap(cur, open); cur = in.maxOpen.Load() {
		}
		n := in.posts.Add(1)
		if onPost != nil {
			onPost(n)
		}
		if delay > 0 {
			timer := time.NewTimer(delay)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-r.Context().Done():
			case <-ended:
			}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	// Cleanups run last first: the handlers are let go before Close waits
	// for them.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(ended) })
	in.url = srv.URL + "/inbox"
	return in
}

// queueTo publishes n activities of author to inbox in one transaction,
// as the engine does: the commit wakes the delivery loop.
func queueTo(t *testing.T, e *Engine, author storage.Account, name string, n int, inbox string) {
	t.Helper()
	ctx := context.Background()
	host := func() string { u, _ := url.Parse(inbox); return u.Host }()
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range n {
			id := fmt.Sprintf("https://council-a.example/activities/%s-%d", name, i)
			body := fmt.Appendf(nil, `{"id":%q,"type":"Create","to":"%s"}`, id, host)
			if err := e.publishBody(ctx, tx, author, id, "Create", false, body, []string{inbox}); err != nil {
				return fmt.Errorf("publish %s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startDeliveries runs e's delivery loop until the test ends.
func startDeliveries(t *testing.T, e *Engine) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.runDeliveries(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitUntil polls cond until it holds, failing the test after limit.
func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.After(limit)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("waited %v for: %s", limit, what)
		case <-tick.C:
		}
	}
}
