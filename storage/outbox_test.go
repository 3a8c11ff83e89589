package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestEnqueueDeliveriesInOneStatement: the jobs written from one JSON
// array are those the one-row-at-a-time insert wrote: one per distinct
// inbox, host lower-cased, broken inboxes left out, each with its own ID;
// and DueDeliveries hands each job its signer's current key.
func TestEnqueueDeliveriesInOneStatement(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	g := Account{Username: "libraries", URI: "https://local.example/users/libraries",
		PublicKeyID: "https://local.example/users/libraries#main-key", PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\nfirst\n"}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &g) }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		inboxes []string
		want    []string // inbox_url|host, sorted
	}{
		{"none", nil, nil},
		{"one", []string{"https://a.example/inbox"}, []string{"https://a.example/inbox|a.example"}},
		{"repeated and broken", []string{"https://a.example/inbox", "::bad", "/relative", "https://B.Example:8443/inbox", "https://a.example/inbox"},
			[]string{"https://B.Example:8443/inbox|b.example:8443", "https://a.example/inbox|a.example"}},
		{"quotes in the URL", []string{`https://c.example/in"box`}, []string{`https://c.example/in"box|c.example`}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var act Activity
			err := s.InTx(ctx, func(tx *Tx) error {
				act = Activity{URI: "https://local.example/a/" + tt.name, AccountID: g.ID, Type: "Announce", Body: []byte(`{"n":` + string(rune('0'+i)) + `}`)}
				if err := tx.InsertActivity(ctx, &act); err != nil {
					return err
				}
				return tx.EnqueueDeliveries(ctx, act.ID, tt.inboxes)
			})
			if err != nil {
				t.Fatal(err)
			}
			due, err := s.DueDeliveries(ctx, now, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			ids := map[ID]bool{}
			for _, d := range due {
				if d.ActivityID != act.ID {
					continue
				}
				got = append(got, d.InboxURL+"|"+d.Host)
				ids[d.ID] = true
				if d.SignerID != g.ID || d.SignerKeyID != g.PublicKeyID || d.SignerKeyPEM != g.PrivateKeyPEM {
					t.Errorf("signer = %d %q %q; want the Group's key", d.SignerID, d.SignerKeyID, d.SignerKeyPEM)
				}
				if string(d.Body) != string(act.Body) || d.ActivityURI != act.URI || !d.NextAttemptAt.Equal(now) || !d.CreatedAt.Equal(now) {
					t.Errorf("job = %+v", d)
				}
			}
			sort.Strings(got)
			if len(got) != len(tt.want) || len(ids) != len(got) {
				t.Fatalf("jobs = %q (%d IDs); want %q", got, len(ids), tt.want)
			}
			for j := range got {
				if got[j] != tt.want[j] {
					t.Fatalf("jobs = %q; want %q", got, tt.want)
				}
			}
		})
	}

	// A rotated key is what the next read hands out.
	err := s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET private_key_pem = 'second' WHERE id = ?`, g.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueDeliveries(ctx, now, 1)
	if err != nil || len(due) != 1 || due[0].SignerKeyPEM != "second" {
		t.Fatalf("after rotation: %+v, %v", due, err)
	}
}

// TestDueDeliveriesExcept leaves out the jobs of busy hosts, of backed
// off hosts and the jobs in flight, takes at most perHost jobs of a
// host (so a backlog for one host does not fill the read ahead of the
// others) and the limit oldest of the rest.
func TestDueDeliveriesExcept(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := now.Add(-time.Hour)
	s.Now = func() time.Time { return clock }
	alice := mustAccount(t, s, "alice", "")
	// Queued oldest first: a backlog of 6 for big.example, then one job
	// each for a, b, c and down, then one for later.example due after now.
	enqueue := func(n int, inboxes ...string) {
		t.Helper()
		err := s.InTx(ctx, func(tx *Tx) error {
			act := Activity{URI: fmt.Sprintf("https://local.example/a/%d-%s", n, inboxes[0]), AccountID: alice.ID, Type: "Create", Body: []byte(`{}`)}
			if err := tx.InsertActivity(ctx, &act); err != nil {
				return err
			}
			return tx.EnqueueDeliveries(ctx, act.ID, inboxes)
		})
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Second)
	}
	for i := range 6 {
		enqueue(i, "https://big.example/inbox")
	}
	enqueue(6, "https://a.example/inbox", "https://a.example/users/x/inbox", "https://b.example/inbox", "https://c.example/inbox")
	enqueue(7, "https://down.example/inbox")
	clock = now.Add(time.Minute)
	enqueue(8, "https://later.example/inbox")
	err := s.InTx(ctx, func(tx *Tx) error {
		return tx.HostFailed(ctx, "down.example", "refused", func(int) time.Time { return now.Add(time.Minute) })
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.DueDeliveries(ctx, now, 100)
	if err != nil || len(all) != 10 {
		t.Fatalf("due = %d, %v; want 10", len(all), err)
	}
	idOf := map[string]ID{}
	big := 0
	for _, d := range all {
		if d.Host == "big.example" {
			big++
			d.InboxURL = fmt.Sprintf("%s#%d", d.InboxURL, big)
		}
		idOf[d.InboxURL] = d.ID
	}
	const (
		a, ax, b, c = "https://a.example/inbox", "https://a.example/users/x/inbox", "https://b.example/inbox", "https://c.example/inbox"
		big1, big2  = "https://big.example/inbox#1", "https://big.example/inbox#2"
		big3, big4  = "https://big.example/inbox#3", "https://big.example/inbox#4"
		big5, big6  = "https://big.example/inbox#5", "https://big.example/inbox#6"
	)
	tests := []struct {
		name     string
		at       time.Time
		limit    int
		perHost  int
		hosts    []string
		inflight []ID
		want     []string // oldest first
	}{
		{"nothing left out", now, 100, 100, nil, nil, []string{big1, big2, big3, big4, big5, big6, a, ax, b, c}},
		{"limit takes the oldest", now, 3, 100, nil, nil, []string{big1, big2, big3}},
		{"per host bound: a backlog does not crowd out others", now, 6, 2, nil, nil, []string{big1, big2, a, ax, b, c}},
		{"per host bound and limit", now, 3, 2, nil, nil, []string{big1, big2, a}},
		{"a busy host", now, 100, 100, []string{"a.example"}, nil, []string{big1, big2, big3, big4, big5, big6, b, c}},
		{"the backlog's host busy", now, 3, 2, []string{"big.example"}, nil, []string{a, ax, b}},
		{"jobs in flight are skipped, not counted", now, 100, 2, nil, []ID{idOf[big1], idOf[big2], idOf[b]}, []string{big3, big4, a, ax, c}},
		{"busy and in flight", now, 10, 10, []string{"a.example", "nowhere.example"}, []ID{idOf[c], 12345}, []string{big1, big2, big3, big4, big5, big6, b}},
		{"back-off over: the host's job is due", now.Add(2 * time.Minute), 100, 1, nil, nil,
			[]string{big1, a, b, c, "https://down.example/inbox", "https://later.example/inbox"}},
		{"nothing due yet", now.Add(-2 * time.Hour), 100, 100, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, err := s.DueDeliveriesExcept(ctx, tt.at, tt.limit, tt.perHost, tt.hosts, tt.inflight)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range due {
				name := d.InboxURL
				for k, id := range idOf {
					if id == d.ID {
						name = k
					}
				}
				got = append(got, name)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("due = %q; want %q", got, tt.want)
			}
		})
	}

	next, err := s.NextDeliveryAt(ctx)
	if err != nil || !next.Equal(now.Add(-time.Hour)) {
		t.Fatalf("next delivery = %v, %v; want the oldest job's %v", next, err, now.Add(-time.Hour))
	}
}

// TestNextDeliveryAt is the earliest due time over hosts, a backed-off
// host's jobs counted from the end of its back-off.
func TestNextDeliveryAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		jobs    map[string]time.Duration // host: due after now
		backoff map[string]time.Duration // host: backed off until now+
		want    time.Duration            // -1: none queued
	}{
		{"none queued", nil, nil, -1},
		{"one job", map[string]time.Duration{"a.example": time.Minute}, nil, time.Minute},
		{"earliest host", map[string]time.Duration{"a.example": time.Minute, "b.example": 30 * time.Second}, nil, 30 * time.Second},
		{"back-off delays a host", map[string]time.Duration{"a.example": time.Minute, "b.example": 0},
			map[string]time.Duration{"b.example": 5 * time.Minute}, time.Minute},
		{"back-off shorter than the job's wait", map[string]time.Duration{"a.example": time.Hour},
			map[string]time.Duration{"a.example": time.Minute}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t)
			ctx := context.Background()
			clock := now
			s.Now = func() time.Time { return clock }
			alice := mustAccount(t, s, "alice", "")
			for host, after := range tt.jobs {
				err := s.InTx(ctx, func(tx *Tx) error {
					act := Activity{URI: "https://local.example/a/" + host, AccountID: alice.ID, Type: "Create", Body: []byte(`{}`)}
					if err := tx.InsertActivity(ctx, &act); err != nil {
						return err
					}
					if err := tx.EnqueueDeliveries(ctx, act.ID, []string{"https://" + host + "/inbox"}); err != nil {
						return err
					}
					due, err := tx.DueDeliveries(ctx, now, 10)
					for _, d := range due {
						if d.ActivityID == act.ID {
							err = errors.Join(err, tx.DeliveryFailed(ctx, d, now.Add(after), "later"))
						}
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			for host, until := range tt.backoff {
				err := s.InTx(ctx, func(tx *Tx) error {
					return tx.HostFailed(ctx, host, "down", func(int) time.Time { return now.Add(until) })
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			next, err := s.NextDeliveryAt(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want < 0 {
				if !next.IsZero() {
					t.Fatalf("next = %v; want zero", next)
				}
				return
			}
			if !next.Equal(now.Add(tt.want)) {
				t.Fatalf("next = %v; want now+%v", next, tt.want)
			}
		})
	}
}

// TestDueDeliveriesPlan: the due read steps over hosts on the
// (host, next_attempt_at) index; it neither scans deliveries nor sorts
// them all (the one temporary B-tree orders the few jobs read per host).
func TestDueDeliveriesPlan(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for _, q := range []struct{ name, query string }{{"due", qDueDeliveries}, {"next", qNextDeliveryAt}} {
		plan := queryPlan(t, s.read, q.query, 1, 2, "[]", "[]", 3)
		text := strings.Join(plan, "\n")
		for _, step := range plan {
			// A scan of deliveries under any of its names, or by the old
			// index on next_attempt_at, reads every queued job.
			if step == "SCAN deliveries" || step == "SCAN d" || step == "SCAN j" || strings.HasPrefix(step, "SCAN deliveries ") ||
				strings.HasPrefix(step, "SCAN d ") || strings.HasPrefix(step, "SCAN j ") || strings.Contains(step, "deliveries_due") {
				t.Errorf("%s plan has %q:\n%s", q.name, step, text)
			}
		}
		if !strings.Contains(text, "USING COVERING INDEX deliveries_host_due (host=?") {
			t.Errorf("%s plan reads no host's jobs by the index:\n%s", q.name, text)
		}
		if q.name == "due" && strings.Count(text, "TEMP B-TREE") != 1 {
			t.Errorf("due plan: want one temporary B-tree (the final order of the jobs read):\n%s", text)
		}
	}
}

// BenchmarkDueDeliveriesBusyBacklog reads the queue as the delivery loop
// does while one host, busy, has a backlog of n jobs and 50 other hosts
// have one each: the read's cost should not grow with n.
func BenchmarkDueDeliveriesBusyBacklog(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("backlog=%d", n), func(b *testing.B) {
			s, now := queuedStore(b, n, func(i int) []string {
				inboxes := []string{"https://busy.example/inbox"}
				if i%(n/50) == 0 {
					inboxes = append(inboxes, fmt.Sprintf("https://n%d.example/inbox", i))
				}
				return inboxes
			})
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				due, err := s.DueDeliveriesExcept(ctx, now, 128, 8, []string{"busy.example"}, nil)
				if err != nil || len(due) != 50 {
					b.Fatalf("due = %d, %v; want 50", len(due), err)
				}
			}
		})
	}
}

// BenchmarkDueDeliveriesManyHosts reads the queue of a thread's
// announces to h hosts, two jobs each, none busy: the per-host read pays
// one seek per host with jobs queued.
func BenchmarkDueDeliveriesManyHosts(b *testing.B) {
	for _, h := range []int{200, 2000} {
		b.Run(fmt.Sprintf("hosts=%d", h), func(b *testing.B) {
			inboxes := make([]string, h)
			for i := range inboxes {
				inboxes[i] = fmt.Sprintf("https://n%d.example/inbox", i)
			}
			s, now := queuedStore(b, 2, func(int) []string { return inboxes })
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				due, err := s.DueDeliveriesExcept(ctx, now, 128, 8, nil, nil)
				if err != nil || len(due) != 128 {
					b.Fatalf("due = %d, %v; want 128", len(due), err)
				}
			}
		})
	}
}

// queuedStore is a store, on a fixed clock (returned), holding a Group's
// n announces, the i-th queued for delivery to inboxes(i).
func queuedStore(b *testing.B, n int, inboxes func(i int) []string) (*Store, time.Time) {
	b.Helper()
	s := openTest(b)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	g := Account{Username: "g", URI: "https://local.example/users/g"}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		for i := range n {
			act := Activity{URI: fmt.Sprintf("https://local.example/a/%d", i), AccountID: g.ID, Type: "Announce", Body: []byte(`{}`)}
			if err := tx.InsertActivity(ctx, &act); err != nil {
				return err
			}
			if err := tx.EnqueueDeliveries(ctx, act.ID, inboxes(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, now
}
