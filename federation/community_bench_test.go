package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// BenchmarkReceiveCommunityPost is the work the inbox's one writer does
// for a community post, without HTTP, signatures or deliveries: a
// member on another node posts a thread into a community hosted here
// (Lemmy's shape: the Group in to and audience), and Receive applies it
// at once in a write transaction: the post stored, checked against the
// community's rules, recorded in it, the Group's boost and both
// announces queued. One goroutine, so each post pays a commit of its
// own; ns/op is the writer's time per post in that worst case.
func BenchmarkReceiveCommunityPost(b *testing.B) { benchReceiveCommunityPost(b, 1, 0, 0) }

// BenchmarkReceiveCommunityPostConcurrent is BenchmarkReceiveCommunityPost
// with 16 senders at once, as web/e2e's BenchmarkInboxCommunityPost
// sends: their posts share group commits, so ns/op is the writer's time
// per post as a busy inbox sees it, the figure that bounds how many
// community posts a second the inbox keeps (about 1/ns-op).
func BenchmarkReceiveCommunityPostConcurrent(b *testing.B) { benchReceiveCommunityPost(b, 16, 0, 0) }

// BenchmarkReceiveCommunityPostLargeCommunity is
// BenchmarkReceiveCommunityPostConcurrent in a community of the size the
// fanout target names: 5,000 followers on 200 nodes (known to run
// group-aware software: one announce each), and 50 members here, whose
// home feeds get the Group's boost of every thread.
func BenchmarkReceiveCommunityPostLargeCommunity(b *testing.B) {
	benchReceiveCommunityPost(b, 16, 5000, 50)
}

// benchReceiveCommunityPost: senders at once, into a community with
// remote followers spread over 200 nodes and local members following.
func benchReceiveCommunityPost(b *testing.B, senders, remote, local int) {
	ctx := context.Background()
	e := testEngine(b)
	alice := member(b, e, "alice")
	g := community(b, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(b, e, "bob", "lemmy.example")
	joins(b, e, bob, g)
	for i := range local {
		joins(b, e, member(b, e, fmt.Sprintf("member%d", i)), g)
	}
	if remote > 0 {
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			for i := range remote {
				host := fmt.Sprintf("node%d.example", i%200)
				if i < 200 {
					if err := tx.PutInstance(ctx, storage.Instance{Host: host, Software: "lemmy", FetchedAt: e.now()}); err != nil {
						return err
					}
				}
				id := fmt.Sprintf("https://%s/users/f%d", host, i)
				a := storage.Account{URI: id, Username: fmt.Sprintf("f%d", i), Domain: host, ActorType: activitypub.TypePerson,
					Inbox: id + "/inbox", SharedInbox: "https://" + host + "/inbox", FetchedAt: e.now()}
				if err := tx.InsertAccount(ctx, &a); err != nil {
					return err
				}
				if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: a.ID, TargetID: g.ID, URI: id + "#follow"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	bodies := make([][]byte, b.N)
	for i := range bodies {
		id := fmt.Sprintf("%s/posts/%d-%d", bob.URI, time.Now().UnixNano(), i)
		note := map[string]any{"id": id, "type": "Page", "attributedTo": bob.URI, "name": fmt.Sprintf("Thread %d", i),
			"content": "<p>The enquiry routine is on the shared drive; the opening hours changed on Monday.</p>",
			"to":      []string{activitypub.PublicIRI, g.URI}, "cc": []string{bob.Followers}, "audience": g.URI,
			"published": time.Now().UTC().Format(time.RFC3339)}
		var err error
		bodies[i], err = json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": id + "/create", "type": "Create", "actor": bob.URI, "to": note["to"], "cc": note["cc"],
			"audience": g.URI, "object": note})
		if err != nil {
			b.Fatal(err)
		}
	}
	// The writer's time: how long its transactions took, one after
	// another (it runs one at a time), per post, and how many posts a
	// commit carried.
	var busy, batches atomic.Int64

	e.store.ObserveTx = func(kind string, d time.Duration) {
		if kind == "batch" {
			busy.Add(int64(d))
			batches.Add(1)
		}

	}
	b.ReportAllocs()
	b.ResetTimer()
	busy.Store(0)
	batches.Store(0)

	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, senders)
	)
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				if err := e.Receive(ctx, bodies[i], bob.URI); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	ids, err := e.store.CommunityStatusIDsBy(ctx, g.ID, bob.ID)
	if err != nil || len(ids) != b.N {
		b.Fatalf("the community holds %d of bob's posts (%v); want %d, applied at once", len(ids), err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(busy.Load())/1e3/float64(b.N), "writer-µs/post")
	if n := batches.Load(); n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "posts/commit")
	}
}
