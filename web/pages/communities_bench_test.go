package pages_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

const (
	benchThreads = 10_000
	benchReplies = 50_000 // five to a thread
)

// BenchmarkCommunityPage measures the community page (/c/{handle}: about,
// members, threads newest first with replies) and the API's thread list
// (/api/copse/v1/communities/{id}/threads) of a community holding
// benchThreads threads and benchReplies replies, written straight to
// storage, read by two concurrent clients. It reports requests per
// second, p50 and p99 latency and the process's CPU per request.
func BenchmarkCommunityPage(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	n := testrig.StartOne(b, func(c *node.Config) {
		c.Tuning.RateLimitRequests = 1 << 30
		c.Tuning.RateLimitWindow = time.Hour
	})
	ctx := context.Background()
	alice := n.Member("alice", false)
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		b.Fatal(err)
	}
	g, err := n.Store.AccountByID(ctx, c.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	benchFillCommunity(b, n, alice, g)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	for _, bc := range []struct{ name, path string }{
		{"page", "/c/libraries"},
		{"thread-list", "/api/copse/v1/communities/" + g.ID.String() + "/threads"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			get := func() error {
				resp, err := client.Get(n.URL + bc.path)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("GET %s: %s", bc.path, resp.Status)
				}
				return nil
			}
			if err := get(); err != nil {
				b.Fatal(err)
			}
			var mu sync.Mutex
			var all []time.Duration
			b.SetParallelism(1) // GOMAXPROCS clients: two on the project's machine
			b.ResetTimer()
			cpu := testrig.CPUTime()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t := time.Now()
					if err := get(); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			cpu = testrig.CPUTime() - cpu
			if len(all) == 0 {
				return
			}
			if cpu > 0 {
				b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(all)), "cpu-ms/op")
			}
			slices.Sort(all)
			at := func(p float64) float64 {
				return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
		})
	}
}

// benchFillCommunity writes benchThreads threads by author into the
// community g, each with benchReplies/benchThreads replies, as the
// engine records community posts, in batches.
func benchFillCommunity(b *testing.B, n *testrig.Node, author, g storage.Account) {
	b.Helper()
	ctx := context.Background()
	perThread := benchReplies / benchThreads
	const batch = 500
	for done := 0; done < benchThreads; done += batch {
		err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
			for i := done; i < min(done+batch, benchThreads); i++ {
				id := tx.NewID()
				uri := fmt.Sprintf("%s/users/alice/statuses/%d", n.URL, id)
				root := storage.Status{ID: id, URI: uri, AccountID: author.ID, Mentions: []storage.ID{g.ID},
					Content: fmt.Sprintf("<p>Thread %d on the enquiry routine.</p>", i), Visibility: activitypub.Public, Local: true}
				if err := tx.InsertStatus(ctx, &root); err != nil {
					return err
				}
				if _, err := tx.AddCommunityStatus(ctx, g.ID, root.ID); err != nil {
					return err
				}
				if err := tx.AddCommunityPost(ctx, storage.CommunityPost{StatusID: root.ID, GroupID: g.ID, RootID: root.ID}); err != nil {
					return err
				}
				for j := range perThread {
					rid := tx.NewID()
					reply := storage.Status{ID: rid, URI: fmt.Sprintf("%s/users/alice/statuses/%d", n.URL, rid), AccountID: author.ID,
						InReplyToID: root.ID, InReplyToURI: root.URI, Mentions: []storage.ID{g.ID},
						Content: fmt.Sprintf("<p>Reply %d.</p>", j), Visibility: activitypub.Public, Local: true}
					if err := tx.InsertStatus(ctx, &reply); err != nil {
						return err
					}
					if _, err := tx.AddCommunityStatus(ctx, g.ID, reply.ID); err != nil {
						return err
					}
					if err := tx.AddCommunityPost(ctx, storage.CommunityPost{StatusID: reply.ID, GroupID: g.ID, RootID: root.ID}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill the community: %v", err)
		}
	}
}
