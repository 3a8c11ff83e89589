package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// benchClients is how many clients per GOMAXPROCS ask at once: enough to
// keep every core busy while one client waits on the network, few
// enough that latency measures the work, not a queue.
const benchClients = 2

// BenchmarkHomeTimeline measures GET /api/v1/timelines/home over real
// HTTP on loopback, against the generated database of benchdata_test.go
// (a million statuses, the member following 500 accounts; made once and
// cached, see homeDataDir), with benchClients keep-alive clients per
// core asking at once. The target is p99 under 10 ms and 1,000 requests
// per second on 2 cores (-cpu 2); docs/performance.md has the figures.
//
//	first-page   the newest 20 statuses, as an app opening
//	deep-max-id  20 statuses below a max_id anywhere in the feed, as an
//	             app scrolling back
//	deep-fixed   one page from the middle of the feed, asked again and
//	             again as first-page is: a deep page as hot as the first
//	             (the generated feed's newest page holds no boosts; a
//	             page in the middle holds about two, each a second
//	             status to load and present)
//	deep-scroll  pages one after another as an app scrolls (the next is
//	             the one the previous answer's Link header names), ten
//	             from each random point
//
// It reports req/s, p50-ms and p99-ms, and cpu-ms/op and cores (see
// reportLatency). The clients run in the same process, so they count.
// faults/op is the page faults per request: each reader connection maps
// the database itself, so a page of it costs a fault the first time each
// connection touches it, which a profile shows as time wherever SQLite
// first reads the page (btreeInitPage): the cost of a deep page's cold
// rows.
func BenchmarkHomeTimeline(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	dir := homeDataDir(b)
	n := testrig.StartOne(b, func(c *node.Config) {
		c.DataDir = dir
		// The generated database is that of the node https://copse.bench
		// (its members' ids say so), and a node refuses data made under
		// another base URL; the clients still reach it on loopback.
		c.Host, c.Protocol = benchHost, "https"
		c.Tuning.RateLimitRequests = 1 << 30
		c.Tuning.RateLimitWindow = time.Hour
	})
	ctx := context.Background()
	member, err := n.Store.AccountByUsername(ctx, benchMember)
	if err != nil {
		b.Fatal(err)
	}
	token := n.Token(member, "read")
	newest, err := n.Store.HomeTimeline(ctx, member.ID, storage.Page{Limit: 1})
	if err != nil || len(newest) == 0 {
		b.Fatalf("newest in feed: %v", err)
	}
	oldest, err := n.Store.HomeTimeline(ctx, member.ID, storage.Page{MinID: 1, Limit: 1})
	if err != nil || len(oldest) == 0 {
		b.Fatalf("oldest in feed: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}
	// get reads a page and returns the Link header that names the next
	// one; count decodes it to count its statuses, which the timed loop
	// leaves out so the client spends less of the CPU.
	get := func(query string, count bool) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, n.URL+"/api/v1/timelines/home"+query, nil)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(resp.Body)
			return 0, "", fmt.Errorf("%s: %s", resp.Status, body)
		}
		link := resp.Header.Get("Link")
		if !count {
			_, err := io.Copy(io.Discard, resp.Body)
			return 0, link, err
		}
		var page []json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			return 0, "", err
		}
		return len(page), link, nil
	}
	if got, link, err := get("", true); err != nil || got != 20 || nextQuery(link) == "" {
		b.Fatalf("first page: %d statuses, Link %q, %v", got, link, err)
	}

	lo, hi := int64(oldest[0].ID), int64(newest[0].ID)
	// scroll pages as an app does: from a random point, each next page
	// is the one the previous page's Link header names (its oldest
	// status's id as max_id), for scrollPages pages, then a new point.
	const scrollPages = 10
	type scroller struct {
		next string
		left int
	}
	for _, bc := range []struct {
		name  string
		query func(r *rand.Rand, s *scroller) string
	}{
		{"first-page", func(*rand.Rand, *scroller) string { return "" }},
		{"deep-max-id", func(r *rand.Rand, _ *scroller) string { return fmt.Sprintf("?max_id=%d", lo+r.Int64N(hi-lo)) }},
		// one deep page asked again and again, as first-page is: what a
		// deep page costs when its rows are as hot as the first page's
		{"deep-fixed", func(*rand.Rand, *scroller) string { return fmt.Sprintf("?max_id=%d", lo+(hi-lo)/2) }},
		{"deep-scroll", func(r *rand.Rand, s *scroller) string {
			if s.left == 0 || s.next == "" {
				s.left = scrollPages
				return fmt.Sprintf("?max_id=%d", lo+r.Int64N(hi-lo))
			}
			s.left--
			return s.next
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var mu sync.Mutex
			var all []time.Duration
			var seed uint64
			b.SetParallelism(benchClients)
			b.ResetTimer()
			cpu, faults := testrig.CPUTime(), pageFaults()
			b.RunParallel(func(pb *testing.PB) {
				mu.Lock()
				seed++
				r := rand.New(rand.NewPCG(seed, 7))
				mu.Unlock()
				var mine []time.Duration
				var s scroller
				for pb.Next() {
					q := bc.query(r, &s)
					t := time.Now()
					_, link, err := get(q, false)
					if err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t))
					s.next = nextQuery(link)
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			reportLatency(b, all, testrig.CPUTime()-cpu)
			if len(all) > 0 {
				b.ReportMetric(float64(pageFaults()-faults)/float64(len(all)), "faults/op")
			}
		})
	}
}

// nextQuery is the query ("?max_id=...") of the next page a Link header
// names (stLinks), or "".
func nextQuery(link string) string {
	next, _ := stLinks(link)
	if i := strings.Index(next, "?"); i >= 0 {
		return next[i:]
	}
	return ""
}

// reportLatency reports requests per second over the timed part,
// percentiles of the requests' latencies, and the CPU time the process
// (server and clients) spent per request and in all: on a shared
// machine cpu-ms/op holds steady when another process takes a core and
// req/s does not, and cores shows whether it did.
func reportLatency(b *testing.B, durations []time.Duration, cpu time.Duration) {
	if len(durations) == 0 {
		return
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(durations)), "cpu-ms/op")
		b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores")
	}
	slices.Sort(durations)
	at := func(p float64) float64 {
		return float64(durations[min(len(durations)-1, int(p*float64(len(durations))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(durations))/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
