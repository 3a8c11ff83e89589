package e2e

// Benchmarks of communities (issue 12's speed targets):
//
//	BenchmarkCommunityThreadFanout  one new thread in a community followed
//	                                by 5,000 accounts on 200 nodes, until
//	                                both announces reached every shared inbox
//	BenchmarkInboxCommunityPost     signed Create{Note} into a community,
//	                                POSTed to the shared inbox, until the
//	                                Group checked and announced each

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

const (
	benchCommunityNodes     = 200
	benchCommunityFollowers = 5000 // 25 on each node: one shared inbox each
)

// benchGroup creates the community "libraries" on a, created by creator,
// and returns its Group account.
func benchGroup(b *testing.B, a *testrig.Node, creator storage.Account) storage.Account {
	b.Helper()
	ctx := context.Background()
	c, err := a.Engine.CreateCommunity(ctx, creator, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		b.Fatal(err)
	}
	g, err := a.Store.AccountByID(ctx, c.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkCommunityThreadFanout: alice posts a thread into her
// community, followed by benchCommunityFollowers accounts spread over
// benchCommunityNodes hosts; the Group's Announce{Create} and its boost
// (Announce{id}) go once to each host's shared inbox. Each iteration is
// one thread; the clock stops when every signed delivery reached its
// sink (every 16th is verified against the Group's key).
func BenchmarkCommunityThreadFanout(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	ctx := context.Background()
	a := testrig.StartOne(b, nil)
	alice := a.Member("alice", false)
	g := benchGroup(b, a, alice)
	pub, err := federation.ParsePublicKey(g.PublicKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	total := int64(2 * benchCommunityNodes * b.N)
	sink := newBenchSink(b, benchCommunityNodes, g.URI, pub, total)
	run := benchRun.Add(1)
	err = a.Store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range benchCommunityFollowers {
			host := sink.hosts[i%len(sink.hosts)]
			base := "http://" + host
			name := fmt.Sprintf("m%d-%d", run, i)
			f := storage.Account{
				URI: base + "/users/" + name, Username: name, Domain: host,
				Inbox: base + "/users/" + name + "/inbox", SharedInbox: base + "/inbox",
				Followers: base + "/users/" + name + "/followers", PublicKeyID: base + "/users/" + name + "#main-key",
				FetchedAt: time.Now(), Discoverable: true,
			}
			if err := tx.InsertAccount(ctx, &f); err != nil {
				return fmt.Errorf("follower %d: %w", i, err)
			}
			if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: f.ID, TargetID: g.ID, URI: f.URI + "#follow", ShowReblogs: true}); err != nil {
				return fmt.Errorf("follow %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	start, cpu := time.Now(), testrig.CPUTime()
	for i := range b.N {
		st, err := a.Engine.Post(ctx, alice.ID, federation.Draft{
			Text: fmt.Sprintf("@libraries Run %d, thread %d: the enquiry routine is on the shared drive.", run, i), Visibility: activitypub.Public,
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Store.CommunityOfStatus(ctx, st.ID); err != nil {
			b.Fatalf("the thread is not in the community: %v", err)
		}
	}
	posted := time.Since(start)
	select {
	case <-sink.done:
	case <-time.After(benchWait):
		b.Fatalf("after %v the sinks had %d of %d deliveries", benchWait, sink.received.Load(), total)
	}
	elapsed, cpu := time.Since(start), testrig.CPUTime()-cpu
	b.StopTimer()
	if n := sink.bad.Load(); n > 0 {
		b.Fatalf("%d deliveries failed verification; first: %v", n, sink.firstBad())
	}
	if got := sink.received.Load(); got < total {
		b.Fatalf("%d deliveries; want %d (two announces to each shared inbox)", got, total)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(posted.Seconds()*1000/float64(b.N), "ms/thread")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/delivery")
	}
	b.ReportMetric(benchYardstick(b, time.Second), "signatures/s")
}

// BenchmarkInboxCommunityPost: bob, a member of alice's community on A,
// posts b.N threads into it from node B (Lemmy's shape: audience and the
// Group in to), each signed and POSTed to A's shared inbox by
// benchSenders connections. The clock stops when every post was taken
// into the community and the queue drained: each one checked (a member,
// not banned) and announced by the Group (to carol's node, a follower).
func BenchmarkInboxCommunityPost(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	ctx := context.Background()
	a := testrig.StartOne(b, nil)
	peer := testrig.StartOne(b, nil)
	alice := a.Member("alice", false)
	bob := peer.Member("bob", false)
	g := benchGroup(b, a, alice)
	bobOnA := a.Resolve(peer.Acct("bob"))
	pub, err := federation.ParsePublicKey(g.PublicKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	sink := newBenchSink(b, 1, g.URI, pub, -1) // a follower's node: announces are delivered there
	err = a.Store.InTx(ctx, func(tx *storage.Tx) error {
		base := "http://" + sink.hosts[0]
		f := storage.Account{URI: base + "/users/carol", Username: "carol", Domain: sink.hosts[0], Inbox: base + "/users/carol/inbox",
			SharedInbox: base + "/inbox", Followers: base + "/users/carol/followers", PublicKeyID: base + "/users/carol#main-key", FetchedAt: time.Now()}
		if err := tx.InsertAccount(ctx, &f); err != nil {
			return err
		}
		if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: f.ID, TargetID: g.ID, URI: f.URI + "#follow"}); err != nil {
			return err
		}
		return tx.InsertFollow(ctx, &storage.Follow{AccountID: bobOnA.ID, TargetID: g.ID, URI: bobOnA.URI + "#follow"})
	})
	if err != nil {
		b.Fatal(err)
	}
	key, err := federation.ParsePrivateKey(bob.PrivateKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	signer := federation.Signer{KeyID: bob.PublicKeyID, Key: key}
	run := benchRun.Add(1)
	inbox := a.URL + "/inbox"
	posts := make([]benchPost, b.N)
	uris := make([]string, b.N)
	for i := range posts {
		posts[i], uris[i] = benchCreate(b, signer, bob, inbox, fmt.Sprintf("c%d-%d", run, i), func(n *activitypub.Note) {
			n.To = append(n.To, g.URI)
			n.Name = fmt.Sprintf("Thread %d", i)
		})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: benchSenders, MaxIdleConnsPerHost: benchSenders},
		Timeout: time.Minute}
	defer client.CloseIdleConnections()

	b.ResetTimer()
	start, cpu := time.Now(), testrig.CPUTime()
	var (
		next     atomic.Int64
		failed   atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	for range benchSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(posts) {
					return
				}
				if err := benchSend(client, inbox, posts[i]); err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d POSTs failed; first: %v", n, b.N, firstErr)
	}
	testrig.Eventually(b, benchWait, "inbox queue drained", func() bool {
		items, err := a.Store.DueInboxItems(ctx, time.Now().Add(24*time.Hour), 1)
		if err != nil {
			b.Fatal(err)
		}
		return len(items) == 0
	})
	elapsed, cpu := time.Since(start), testrig.CPUTime()-cpu
	b.StopTimer()
	for _, uri := range uris {
		st, err := a.Store.StatusByURI(ctx, uri)
		if err != nil {
			b.Fatalf("%s: %v", uri, err)
		}
		if gid, err := a.Store.CommunityOfStatus(ctx, st.ID); err != nil || gid != g.ID {
			b.Fatalf("%s is not in the community: %v", uri, err)
		}
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "activities/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/activity")
	}
	if b.N > 1 {
		sign := benchYardstick(b, time.Second)
		b.ReportMetric(sign, "signatures/s")
		b.ReportMetric(rate/sign, "activities/signature")
	}
}
