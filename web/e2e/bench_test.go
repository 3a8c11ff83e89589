package e2e

// Benchmarks of the two federation paths the performance targets name
// (docs/performance.md says how to run them and what they measured):
//
//	BenchmarkInboxCreate     signed Create{Note} POSTed to a node's shared
//	                         inbox, until stored and applied
//	BenchmarkDeliveryFanout  one post to many remote shared inboxes, until
//	                         every signed delivery reached its sink
//
// Both run real nodes from testrig; what crosses the wire is real HTTP on
// loopback.

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
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

// benchWait bounds every wait in a benchmark: long enough for the
// slowest 2-core run of the largest -benchtime the docs suggest.
const benchWait = 5 * time.Minute

// benchSenders is how many peers' connections POST at once; a busy node
// hears from many peers at a time. 16, or COPSE_BENCH_CONNECTIONS: the
// inbox shares a commit among the activities waiting for it at once, so
// how many arrive together changes what each one costs.
var benchSenders = benchConnections(os.Getenv("COPSE_BENCH_CONNECTIONS"))

// benchConnections reads COPSE_BENCH_CONNECTIONS (v): 16 when it is not
// set; a value that is not a number from 1 to 1024 stops the run.
func benchConnections(v string) int {
	if v == "" {
		return 16
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1024 {
		fmt.Fprintf(os.Stderr, "COPSE_BENCH_CONNECTIONS=%q: want a number of connections from 1 to 1024\n", v)
		os.Exit(2)
	}
	return n
}

// benchFanout is the number of remote shared inboxes one post goes to.
const benchFanout = 1000

// benchRun numbers benchmark runs, so the IRIs of one run never collide
// with another's in the same process.
var benchRun atomic.Int64

// benchPost is one request, signed ahead of the timed part: signing is
// the sender's cost, not the receiver's.
type benchPost struct {
	header http.Header
	body   []byte
}

// BenchmarkInboxCreate measures a node's inbox: b.N distinct Create{Note}
// activities by bob (on node B), each signed with bob's key, POSTed to
// node A's shared inbox by benchSenders concurrent connections. The
// clock stops when every POST was answered 202 and every note is stored
// as a status and its inbox item removed (by the transaction that
// applies it). Each shape is what a real peer's post does on arrival:
//
//	mention  a public note mentioning alice: a notification for her
//	follow   a public note by bob, whom alice follows: a row in her home feed
//	reply    a public reply to alice's post, mentioning her as Mastodon
//	         does: the thread, and a notification
//
// Each runs on an empty node, and on one that already holds
// benchExistingStatuses statuses, since a cost that grows with the size
// of the database shows only there. After the timed part each reports the
// yardstick of the same moment (benchYardstick), and the rate as a share
// of it.
func BenchmarkInboxCreate(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	for _, shape := range []benchShape{benchMention, benchFollowed, benchReply} {
		for _, existing := range []int{0, benchExistingStatuses} {
			b.Run(fmt.Sprintf("%s/statuses=%d", shape, existing), func(b *testing.B) { benchInboxCreate(b, shape, existing) })
		}
	}
}

// benchShape is the kind of Create{Note} BenchmarkInboxCreate sends.
type benchShape string

const (
	benchMention  benchShape = "mention"
	benchFollowed benchShape = "follow"
	benchReply    benchShape = "reply"
)

// benchExistingStatuses is how many statuses the busier node of
// BenchmarkInboxCreate holds before the clock starts: a modest node.
const benchExistingStatuses = 100_000

func benchInboxCreate(b *testing.B, shape benchShape, existing int, prepare ...func(b *testing.B, a, peer *testrig.Node)) {
	ctx := context.Background()
	a := testrig.StartOne(b, nil)
	peer := testrig.StartOne(b, nil)
	alice := a.Member("alice", false)
	bob := peer.Member("bob", false)
	var bobOnA storage.Account
	var parent storage.Status
	switch shape {
	case benchFollowed:
		bobOnA = benchFollow(b, a, alice, peer, "bob")
	case benchReply:
		var err error
		if parent, err = a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "Where is the enquiry routine kept?"}); err != nil {
			b.Fatal(err)
		}
		fallthrough
	default:
		// A knows bob before the clock starts, as in the follow shape:
		// the first fetch of a peer's actor is not what is measured.
		bobOnA = a.Resolve(peer.Acct("bob"))
	}
	if b.N > 1 { // not for the 1-iteration probe run, which is thrown away
		benchFill(b, a, existing)
	}
	for _, p := range prepare {
		p(b, a, peer)
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
		posts[i], uris[i] = benchCreate(b, signer, bob, inbox, fmt.Sprintf("%d-%d", run, i), func(n *activitypub.Note) {
			if shape == benchFollowed {
				return
			}
			n.Content = `<p><span class="h-card"><a href="` + alice.URL + `" class="u-url mention">@<span>alice</span></a></span> ` +
				strings.TrimPrefix(n.Content, "<p>")
			n.CC = append(n.CC, alice.URI)
			n.Tags = []activitypub.Tag{{Type: activitypub.TagMention, Href: alice.URI, Name: "@" + a.Acct("alice")}}
			if shape == benchReply {
				n.InReplyTo = parent.URI
			}
		})
	}

	before, err := a.Store.CountStatuses(ctx, bobOnA.ID, []activitypub.Visibility{activitypub.Public})
	if err != nil {
		b.Fatal(err)
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
	answered := time.Since(start)
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d POSTs failed; first: %v", n, b.N, firstErr)
	}
	// An item leaves the queue once applied (or refused, which the count
	// below catches), in the transaction that applies it.
	testrig.Eventually(b, benchWait, "inbox queue drained", func() bool {
		items, err := a.Store.DueInboxItems(ctx, time.Now().Add(24*time.Hour), 1)
		if err != nil {
			b.Fatal(err)
		}
		return len(items) == 0
	})
	elapsed, cpu := time.Since(start), testrig.CPUTime()-cpu
	b.StopTimer()

	n, err := a.Store.CountStatuses(ctx, bobOnA.ID, []activitypub.Visibility{activitypub.Public})
	if err != nil {
		b.Fatal(err)
	}
	if n != before+b.N {
		b.Fatalf("%d of %d notes stored", n-before, b.N)
	}
	benchCheckShape(b, a, alice, shape, parent, uris)
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "activities/s")
	b.ReportMetric(float64(benchSenders), "connections")
	b.ReportMetric(float64(b.N)/answered.Seconds(), "accepted/s")
	// The process's CPU time per activity, senders' side included: a
	// figure that a busy machine disturbs less than the rate.
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/activity")
	}
	if b.N > 1 {
		sign := benchYardstick(b, time.Second)
		b.ReportMetric(sign, "signatures/s")
		b.ReportMetric(rate/sign, "activities/signature")
	}
}

// benchCheckShape checks what alice notices of the notes (uris): for a
// mention, a notification each; for a followed author, the last note in
// her home feed; for a reply, every note in her post's thread.
func benchCheckShape(b *testing.B, a *testrig.Node, alice storage.Account, shape benchShape, parent storage.Status, uris []string) {
	b.Helper()
	ctx := context.Background()
	switch shape {
	case benchFollowed:
		if last := uris[len(uris)-1]; !a.HomeHas(alice.ID, last) {
			b.Fatalf("the last note, %s, is not in alice's home feed", last)
		}
	case benchMention:
		got := 0
		page := storage.Page{Limit: 40}
		for {
			ns, err := a.Store.NotificationPage(ctx, alice.ID, storage.NotificationFilter{Types: []string{storage.NotifyMention}}, page)
			if err != nil {
				b.Fatal(err)
			}
			if len(ns) == 0 {
				break
			}
			got += len(ns)
			page.MaxID = ns[len(ns)-1].ID
		}
		if got != b.N {
			b.Fatalf("alice has %d mention notifications, want %d", got, b.N)
		}
	case benchReply:
		for _, uri := range uris {
			st, err := a.Store.StatusByURI(ctx, uri)
			if err != nil {
				b.Fatal(err)
			}
			if st.InReplyToID != parent.ID {
				b.Fatalf("%s is not in the thread of alice's post", uri)
			}
		}
	}
}

// asServed tunes a benchmark's node as copse serve runs it: its workers
// look for due work at the default interval (a second), not at the test
// rig's 50 ms, which makes tests quick but has every worker read its
// queue twenty times a second, reads a served node does not make.
func asServed(c *node.Config) { c.Tuning.PollInterval = 0 }

// benchYardstick signs requests on every core for d, as BenchmarkSign
// does, and returns signatures per second: the yardstick measured in the
// same run, right after the timed part, so a figure is never quoted
// against a different moment of a machine whose speed varies.
func benchYardstick(tb testing.TB, d time.Duration) float64 {
	tb.Helper()
	key, err := federation.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	s := federation.Signer{KeyID: "http://127.0.0.1/users/alice#main-key", Key: key}
	body := []byte(`{"type":"Create"}`)
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/inbox", bytes.NewReader(body))
				if err == nil {
					err = s.Sign(req, body, time.Now())
				}
				if err != nil {
					tb.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// benchCreate builds a public Create{Note} by author, signed for inbox;
// shape (if not nil) adjusts the note first.
func benchCreate(tb testing.TB, s federation.Signer, author storage.Account, inbox, suffix string, shape func(*activitypub.Note)) (benchPost, string) {
	tb.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	noteID := author.URI + "/statuses/bench-" + suffix
	note := activitypub.Note{
		ID:           noteID,
		Type:         activitypub.TypeNote,
		AttributedTo: author.URI,
		Content:      "<p>Our enquiry desk now answers in two days, not five: the routine is on the shared drive. Note " + suffix + ".</p>",
		URL:          noteID,
		To:           []string{activitypub.PublicIRI},
		CC:           []string{author.Followers},
		Published:    now,
	}
	if shape != nil {
		shape(&note)
	}
	body, err := activitypub.MarshalActivity(activitypub.Activity{
		ID: noteID + "/activity", Type: activitypub.TypeCreate, Actor: author.URI,
		To: note.To, CC: note.CC, Published: now,
		Object: activitypub.Object{IRI: noteID, Type: activitypub.TypeNote, Note: &note},
	})
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, inbox, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := s.Sign(req, body, time.Now()); err != nil {
		tb.Fatal(err)
	}
	return benchPost{header: req.Header, body: body}, noteID
}

func benchSend(client *http.Client, url string, p benchPost) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	req.Header = p.header
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("inbox answered %d: %s", resp.StatusCode, msg)
	}
	return nil
}

// BenchmarkDeliveryFanout measures delivery: alice on node A has benchFanout
// remote followers, each on its own host (a loopback address of its own,
// so the per-host limit does not serialise them), and posts
// ceil(b.N/benchFanout) times (-benchtime 1000x: one post). The clock stops
// when every signed delivery has reached its sink. Every 16th request is
// verified at the sink as a peer would.
func BenchmarkDeliveryFanout(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	ctx := context.Background()
	a := testrig.StartOne(b, nil)
	alice := a.Member("alice", false)
	pub, err := federation.ParsePublicKey(alice.PublicKeyPEM)
	if err != nil {
		b.Fatal(err)
	}

	followers := min(b.N, benchFanout)
	posts := (b.N + followers - 1) / followers
	total := int64(posts * followers)
	sink := newBenchSink(b, followers, alice.URI, pub, total)
	sink.follow(b, a, alice, followers)
	run := benchRun.Add(1)

	b.ResetTimer()
	start := time.Now()
	for i := range posts {
		if _, err := a.Engine.Post(ctx, alice.ID, federation.Draft{
			Text: fmt.Sprintf("Run %d, post %d: the enquiry routine is on the shared drive.", run, i), Visibility: activitypub.Public,
		}); err != nil {
			b.Fatal(err)
		}
	}
	posted := time.Since(start)
	select {
	case <-sink.done:
	case <-time.After(benchWait):
		b.Fatalf("after %v the sinks had %d of %d deliveries", benchWait, sink.received.Load(), total)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	if n := sink.bad.Load(); n > 0 {
		b.Fatalf("%d deliveries failed verification; first: %v", n, sink.firstBad())
	}
	testrig.Eventually(b, benchWait, "delivery queue drained", func() bool {
		queued, _, err := a.Store.DeliveryStats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return queued == 0
	})
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(posted.Seconds()*1000/float64(posts), "ms/post")
}

// benchFill gives node n a member, carol, with the given number of
// statuses of her own, written straight to storage in batches (one
// transaction per status would take minutes).
func benchFill(b *testing.B, n *testrig.Node, statuses int) {
	b.Helper()
	if statuses == 0 {
		return
	}
	ctx := context.Background()
	carol := n.Member("carol", false)
	run := benchRun.Add(1)
	const batch = 5000
	for done := 0; done < statuses; done += batch {
		err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
			for i := done; i < min(done+batch, statuses); i++ {
				id := tx.NewID()
				st := storage.Status{ID: id, URI: fmt.Sprintf("%s/users/carol/statuses/%d", n.URL, id), AccountID: carol.ID,
					Content:    fmt.Sprintf("<p>Older post %d-%d on the enquiry routine.</p>", run, i),
					Visibility: activitypub.Public, Local: true}
				if err := tx.InsertStatus(ctx, &st); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill with statuses: %v", err)
		}
	}
}

// BenchmarkSign is the yardstick for BenchmarkDeliveryFanout: how many
// requests this machine signs per second on all its cores, each signature
// being one RSA-2048 operation. Deliveries cannot go faster than this.
func BenchmarkSign(b *testing.B) {
	key, err := federation.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	s := federation.Signer{KeyID: "http://127.0.0.1/users/alice#main-key", Key: key}
	body := []byte(`{"type":"Create"}`)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/inbox", bytes.NewReader(body))
			if err == nil {
				err = s.Sign(req, body, time.Now())
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "signatures/s")
}

// benchSink is a crowd of remote shared inboxes: one listener per host, on
// 127.0.(10+i/250).(1+i%250), all served by one handler that answers 202.
// Linux routes all of 127.0.0.0/8 to the loopback interface; elsewhere
// (macOS has only 127.0.0.1) the benchmark is skipped.
//
// Its NodeInfo is a deliberate choice: by default it has none (404), so
// the node sending to it does not know what it runs and sends a
// community's posts in both shapes, as before NodeInfo was read; with
// software set it answers as that software.
type benchSink struct {
	hosts    []string
	received atomic.Int64
	bad      atomic.Int64
	done     chan struct{}
	software atomic.Pointer[string] // NodeInfo software.name; nil: none
	// edKeyID and edKey are the signer's Ed25519 key, set before the
	// clock starts (ed25519Key): what it signs with for copse nodes.
	edKeyID  string
	edKey    crypto.PublicKey
	signedEd atomic.Int64 // deliveries signed with it

	mu    sync.Mutex
	first error
}

func newBenchSink(tb testing.TB, n int, signer string, key crypto.PublicKey, want int64) *benchSink {
	tb.Helper()
	s := &benchSink{done: make(chan struct{})}
	lookup := func(_ context.Context, keyID string, _ bool) (string, crypto.PublicKey, error) {
		if keyID != "" && keyID == s.edKeyID {
			return signer, s.edKey, nil
		}
		return signer, key, nil
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.nodeInfo(w, r) // not a delivery: not counted
			return
		}
		body, err := io.ReadAll(r.Body)
		if err == nil && r.URL.Path != "/inbox" {
			err = fmt.Errorf("POST to %s, not the shared inbox", r.URL.Path)
		}
		n := s.received.Add(1)
		if strings.Contains(r.Header.Get("Signature"), `algorithm="ed25519"`) {
			s.signedEd.Add(1)
		}
		if err == nil && n%16 == 0 {
			_, _, err = federation.VerifyRequest(r.Context(), r, body, time.Now(), lookup)
		}
		if err != nil {
			s.bad.Add(1)
			s.mu.Lock()
			if s.first == nil {
				s.first = err
			}
			s.mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
		if n == want {
			close(s.done)
		}
	})}
	tb.Cleanup(func() { srv.Close() })
	for i := range n {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.%d.%d:0", 10+i/250, 1+i%250))
		if err != nil && i == 0 {
			tb.Skipf("needs loopback addresses beyond 127.0.0.1: %v", err)
		}
		if err != nil {
			tb.Fatalf("listen for sink %d: %v", i, err)
		}
		s.hosts = append(s.hosts, l.Addr().String())
		go func() { _ = srv.Serve(l) }()
	}
	return s
}

// ed25519Key has the sink verify signatures by signer's Ed25519 key too.
func (s *benchSink) ed25519Key(tb testing.TB, signer storage.Account) {
	tb.Helper()
	k, err := activitypub.DecodeMultibase(signer.Ed25519Public)
	if err != nil {
		tb.Fatalf("Ed25519 key of %s: %v", signer.Acct(), err)
	}
	s.edKeyID, s.edKey = signer.Ed25519KeyID, k
}

// follow makes n remote accounts follow target on node a, spread over the
// sink's hosts in turn (so the ones on a host share its shared inbox),
// written straight to storage in one transaction: the benchmarks measure
// what a post costs, not how its audience came to follow.
func (s *benchSink) follow(tb testing.TB, a *testrig.Node, target storage.Account, n int) {
	tb.Helper()
	ctx := context.Background()
	run := benchRun.Add(1)
	err := a.Store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range n {
			host := s.hosts[i%len(s.hosts)]
			base := "http://" + host
			name := fmt.Sprintf("f%d-%d", run, i)
			f := storage.Account{
				URI: base + "/users/" + name, Username: name, Domain: host,
				Inbox: base + "/users/" + name + "/inbox", SharedInbox: base + "/inbox",
				Followers: base + "/users/" + name + "/followers", PublicKeyID: base + "/users/" + name + "#main-key",
				FetchedAt: time.Now(), Discoverable: true,
			}
			if err := tx.InsertAccount(ctx, &f); err != nil {
				return fmt.Errorf("follower %d: %w", i, err)
			}
			if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: f.ID, TargetID: target.ID, URI: f.URI + "#follow", ShowReblogs: true}); err != nil {
				return fmt.Errorf("follow %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("remote followers of %s: %v", target.Acct(), err)
	}
}

// nodeInfo answers a GET: NodeInfo 2.1 as s.software, or 404.
func (s *benchSink) nodeInfo(w http.ResponseWriter, r *http.Request) {
	sw := s.software.Load()
	switch {
	case sw == nil:
		http.NotFound(w, r)
	case r.URL.Path == "/.well-known/nodeinfo":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"http://%s/nodeinfo/2.1"}]}`, r.Host)
	case r.URL.Path == "/nodeinfo/2.1":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"version":"2.1","software":{"name":%q,"version":"1.0"},"protocols":["activitypub"]}`, *sw)
	default:
		http.NotFound(w, r)
	}
}

func (s *benchSink) firstBad() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// benchFollow makes follower (on from) follow username on to and waits for
// the Accept; it returns the followed account as from knows it.
func benchFollow(tb testing.TB, from *testrig.Node, follower storage.Account, to *testrig.Node, username string) storage.Account {
	tb.Helper()
	target := from.Resolve(to.Acct(username))
	if err := from.Engine.Follow(context.Background(), follower.ID, target.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		tb.Fatalf("follow: %v", err)
	}
	testrig.Eventually(tb, benchWait, "follow accepted", func() bool {
		_, err := from.Store.FollowOf(context.Background(), follower.ID, target.ID)
		return err == nil
	})
	return target
}
