package e2e

// Benchmarks of communities (issue 12's speed targets):
//
//	BenchmarkCommunityThreadFanout  one new thread in a community followed
//	                                by 5,000 accounts on 200 nodes, until
//	                                both announces reached every shared inbox
//	                                (nodes that answer no NodeInfo)
//	BenchmarkCommunityThreadFanoutKnownNodes
//	                                the same, to nodes known group-aware:
//	                                Announce{Create} only
//	BenchmarkInboxCommunityPost     signed Create{Note} into a community,
//	                                POSTed to the shared inbox, until the
//	                                Group checked and announced each, and
//	                                until the announces were delivered

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
// sink (every 16th is verified against the Group's key). The hosts
// answer no NodeInfo: not knowing what they run, the Group sends them
// both shapes.
func BenchmarkCommunityThreadFanout(b *testing.B) { benchThreadFanout(b, "") }

// BenchmarkCommunityThreadFanoutKnownNodes is
// BenchmarkCommunityThreadFanout with follower nodes known to be
// group-aware (they answer NodeInfo as lemmy, and that is recorded
// before the clock starts): each gets Announce{Create} only, one signed
// delivery per host and thread.
func BenchmarkCommunityThreadFanoutKnownNodes(b *testing.B) { benchThreadFanout(b, "lemmy") }

// BenchmarkCommunityThreadFanoutCopseNodes is
// BenchmarkCommunityThreadFanoutKnownNodes with follower nodes that run
// copse: the Group signs with its Ed25519 key.
func BenchmarkCommunityThreadFanoutCopseNodes(b *testing.B) { benchThreadFanout(b, "copse") }

// benchThreadFanout runs with follower nodes known to run software
// ("": not known).
func benchThreadFanout(b *testing.B, software string) {
	known := software != ""
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	ctx := context.Background()
	a := testrig.StartOne(b, nil)
	alice := a.Member("alice", false)
	g := benchGroup(b, a, alice)
	pub, err := federation.ParsePublicKey(g.PublicKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	shapes := 2
	if known {
		shapes = 1
	}
	total := int64(shapes * benchCommunityNodes * b.N)
	sink := newBenchSink(b, benchCommunityNodes, g.URI, pub, total)
	sink.ed25519Key(b, g)
	sink.follow(b, a, g, benchCommunityFollowers)
	if known {
		sink.software.Store(&software)
		err := a.Store.InTx(ctx, func(tx *storage.Tx) error {
			for _, h := range sink.hosts {
				if err := tx.PutInstance(ctx, storage.Instance{Host: h, Software: software, FetchedAt: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	run := benchRun.Add(1)

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
	if ed := sink.signedEd.Load(); (software == "copse") != (ed > 0) {
		b.Fatalf("%d deliveries to %q nodes signed with the Ed25519 key; want all to copse nodes, none to others", ed, software)
	}
	if got := sink.received.Load(); got < total {
		b.Fatalf("%d deliveries; want %d (%d announces to each shared inbox)", got, total, shapes)
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
// benchSenders connections. activities/s counts until every post was
// taken into the community and the inbox queue drained: each one checked
// (a member, not banned), stored and its announces queued by the Group.
// The clock stops when both announces of every post reached the
// follower's node (announces/s): they drain behind the inbox. The
// follower's node answers no NodeInfo, so it gets both shapes.
func BenchmarkInboxCommunityPost(b *testing.B) { benchInboxCommunityPost(b, "") }

// BenchmarkInboxCommunityPostKnownNode is BenchmarkInboxCommunityPost
// with the follower's node (bob's too) known to run group-aware software
// (recorded as lemmy before the clock starts): each post is announced to
// it once, as Announce{Create}, one signed delivery instead of two.
func BenchmarkInboxCommunityPostKnownNode(b *testing.B) { benchInboxCommunityPost(b, "lemmy") }

// BenchmarkInboxCommunityPostCopseNode is
// BenchmarkInboxCommunityPostKnownNode with the follower's node running
// copse: the Group signs its announce with its Ed25519 key.
func BenchmarkInboxCommunityPostCopseNode(b *testing.B) { benchInboxCommunityPost(b, "copse") }

// benchInboxCommunityPost runs with the follower's node known to run
// software ("": not known).
func benchInboxCommunityPost(b *testing.B, software string) {
	known := software != ""
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	ctx := context.Background()
	a := testrig.StartOne(b, asServed)
	peer := testrig.StartOne(b, nil)
	alice := a.Member("alice", false)
	bob := peer.Member("bob", false)
	g := benchGroup(b, a, alice)
	bobOnA := a.Resolve(peer.Acct("bob"))
	pub, err := federation.ParsePublicKey(g.PublicKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	// A follower's node: both announces of each thread are delivered
	// there. bob's inboxes, as A knows them, point there too: otherwise
	// node B, in this process, would spend its CPU applying the announces
	// of its own posts, work that is not A's inbox's.
	shapes := 2
	if known {
		shapes = 1
	}
	announces := shapes * b.N
	sink := newBenchSink(b, 1, g.URI, pub, int64(announces))
	sink.ed25519Key(b, g)
	sink.follow(b, a, g, 1)
	err = a.Store.InTx(ctx, func(tx *storage.Tx) error {
		bobOnA.Inbox, bobOnA.SharedInbox = "http://"+sink.hosts[0]+"/users/bob/inbox", "http://"+sink.hosts[0]+"/inbox"
		if err := tx.UpdateAccount(ctx, &bobOnA); err != nil {
			return err
		}
		if known {
			sink.software.Store(&software)
			if err := tx.PutInstance(ctx, storage.Instance{Host: sink.hosts[0], Software: software, FetchedAt: time.Now()}); err != nil {
				return err
			}
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
	elapsed := time.Since(start)
	// The announces drain behind the inbox: the Group's delivery workers
	// sign and send them (two per thread, to the one follower node).
	select {
	case <-sink.done:
	case <-time.After(benchWait):
		b.Fatalf("after %v the follower's node had %d of %d announces", benchWait, sink.received.Load(), announces)
	}
	delivered, cpu := time.Since(start), testrig.CPUTime()-cpu
	b.StopTimer()
	if n := sink.bad.Load(); n > 0 {
		b.Fatalf("%d announces failed verification; first: %v", n, sink.firstBad())
	}
	if ed := sink.signedEd.Load(); (software == "copse") != (ed > 0) {
		b.Fatalf("%d announces to a %q node signed with the Ed25519 key; want all to a copse node, none to others", ed, software)
	}
	for _, uri := range uris {
		st, err := a.Store.StatusByURI(ctx, uri)
		if err != nil {
			b.Fatalf("%s: %v", uri, err)
		}
		if gid, err := a.Store.CommunityOfStatus(ctx, st.ID); err != nil || gid != g.ID {
			b.Fatalf("%s is not in the community: %v", uri, err)
		}
	}
	// activities/s: accepted and applied (checked, stored, both announces
	// queued), what "the inbox keeps" means; announces/s: the deliveries
	// that drained behind it, until the last one arrived; cpu-µs/activity:
	// all of a post's CPU, its signed deliveries included.
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "activities/s")
	b.ReportMetric(float64(benchSenders), "connections")
	b.ReportMetric(float64(announces)/delivered.Seconds(), "announces/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/activity")
	}
	if b.N > 1 {
		sign := benchYardstick(b, time.Second)
		b.ReportMetric(sign, "signatures/s")
		b.ReportMetric(rate/sign, "activities/signature")
	}
}
